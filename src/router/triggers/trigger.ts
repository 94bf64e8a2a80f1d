import type { TriggerKind, TriggerSettings } from '../../config/schema.js';
import type { ChatEvent } from '../../core/chat-event.js';

/** What a trigger needs besides the event: who the bot is, and this trigger's settings. */
export interface TriggerContext {
  /** The names and handles the bot answers to, lower case, without `@` (`chatgate`, `chatgate_bot`). */
  botNames: readonly string[];
  settings: TriggerSettings;
}

/** A matched trigger. `text` is what the model should answer (a command's prefix removed). */
export interface TriggerMatch {
  kind: TriggerKind;
  text: string;
}

/**
 * One trigger kind (one file each under `triggers/`). `match` is pure and fast: no I/O, no
 * randomness; the router applies switches, probability and cooldowns around it.
 */
export interface Trigger {
  readonly kind: TriggerKind;
  match(event: ChatEvent, context: TriggerContext): TriggerMatch | undefined;
}
