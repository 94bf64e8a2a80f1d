import type { ChatEvent, StreamEventType } from '../../core/chat-event.js';
import type { Trigger, TriggerMatch } from './trigger.js';

/**
 * The trigger for one stream event kind: it matches events whose `type` is `kind` (a cheer is
 * `type: 'cheer'`, whatever its text). `text` is the event's text ('' when it has none, e.g. a raid).
 * @example streamEventTrigger('raid').match(raidEvent, context) // { kind: 'raid', text: '' }
 */
export function streamEventTrigger(kind: StreamEventType): Trigger {
  return {
    kind,
    match(event: ChatEvent): TriggerMatch | undefined {
      return event.type === kind ? { kind, text: event.text } : undefined;
    },
  };
}
