import type { TriggerKind } from '../../config/schema.js';
import { type ChatEvent, STREAM_EVENT_TYPES, type StreamEventType } from '../../core/chat-event.js';
import type { Trigger, TriggerMatch } from './trigger.js';

/** The trigger kinds that are stream events; each equals the ChatEvent `type` it matches. */
export const STREAM_EVENT_KINDS = STREAM_EVENT_TYPES satisfies readonly TriggerKind[];
export type StreamEventKind = StreamEventType;

/**
 * The trigger for one stream event kind: it matches events whose `type` is `kind` (a cheer is
 * `type: 'cheer'`, whatever its text). `text` is the event's text ('' when it has none, e.g. a raid).
 * @example streamEventTrigger('raid').match(raidEvent, context) // { kind: 'raid', text: '' }
 */
export function streamEventTrigger(kind: StreamEventKind): Trigger {
  return {
    kind,
    match(event: ChatEvent): TriggerMatch | undefined {
      return event.type === kind ? { kind, text: event.text } : undefined;
    },
  };
}
