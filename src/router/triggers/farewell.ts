import type { ChatEvent } from '../../core/chat-event.js';
import type { Trigger, TriggerContext, TriggerMatch } from './trigger.js';
import { compileWordMatcher } from './words.js';

/** A message containing one of `settings.words` (bye, good night, !lurk …) on word boundaries. */
export const farewellTrigger: Trigger = {
  kind: 'farewell',
  match(event: ChatEvent, { settings }: TriggerContext): TriggerMatch | undefined {
    if (event.type !== 'message') return undefined;
    const matches = compileWordMatcher(settings.words ?? []);
    return matches(event.text) ? { kind: 'farewell', text: event.text.trim() } : undefined;
  },
};
