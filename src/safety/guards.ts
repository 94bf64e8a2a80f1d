import type { CommunitySettings } from '../community/community-settings.js';
import type { TriggerKind } from '../config/schema.js';
import type { ChatEvent } from '../core/chat-event.js';

/**
 * The router's extension points for the safety rules (issue "Made for crowds"). Each rule lives in
 * its own file under `src/safety/` and is handed to the router by `services.ts`; the router knows
 * only these shapes.
 */

/** Why the router did not answer an event, and optionally one short line to tell the user. */
export interface Refusal {
  /** The `ignored` reason logged and acked: `budget`, `blocked_term`, `paused`, `moderated` … */
  reason: string;
  /**
   * Sent to the event's channel (or callback) instead of an answer, through the same delivery as
   * replies, without calling a provider: "you've used today's AI budget". Unset = silence.
   */
  notice?: string;
}

/** What a guard sees of an event whose trigger matched. */
export interface GuardInput {
  event: ChatEvent;
  community: CommunitySettings;
  trigger: TriggerKind;
  /** The text the model would answer (the command prefix or address removed). */
  text: string;
}

/**
 * A check on every event whose trigger matched and whose user passed the permissions, before the
 * response probability, cooldowns and reply caps are spent. Returns a refusal, or undefined to let
 * the event through. May read stores; throws only when a store fails.
 */
export interface IngestGuard {
  /** For logs and tests: `paused`, `budget`, `blocked_terms` … */
  readonly name: string;
  check(input: GuardInput): Refusal | undefined | Promise<Refusal | undefined>;
  /**
   * Optional: the event this guard let through was not queued after all (a later guard, the
   * probability, a cooldown, the reply cap or a full queue stopped it): undo what `check` took
   * (the budget guard's reservation). Throws only when a store fails.
   */
  release?(input: GuardInput): Promise<void>;
}

/**
 * Chat commands the router hands over before trigger matching (the moderators' `!ai off`,
 * `!ai forget @user` …): a handler returns the outcome when the event was one of its commands
 * (`reason: 'command'` with the confirmation as `notice`, or `reason: 'role'` for a user who may
 * not run it), undefined otherwise.
 */
export interface ChatCommandHandler {
  handle(event: ChatEvent, community: CommunitySettings): Promise<Refusal | undefined>;
}
