import type { TriggerKind } from '../../config/schema.js';
import type { Trigger } from './trigger.js';
import { compileWordMatcher } from './words.js';

/**
 * A trigger that matches a chat message containing one of its `settings.words` on word
 * boundaries (greetings, farewells); the match's text is the message, trimmed.
 */
export function wordListTrigger(kind: TriggerKind): Trigger {
  return {
    kind,
    match(event, { settings }) {
      if (event.type !== 'message') return undefined;
      const matches = compileWordMatcher(settings.words ?? []);
      return matches(event.text) ? { kind, text: event.text.trim() } : undefined;
    },
  };
}
