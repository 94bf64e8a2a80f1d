import type { TriggerKind } from '../config/schema.js';
import { type ChatEvent, conversationKey } from '../core/chat-event.js';

/** One queued interaction: the event, what matched, and where the reply goes. */
export interface InteractionJob {
  interactionId: string;
  event: ChatEvent;
  trigger: TriggerKind;
  /** What to answer (the event text with a command prefix or address removed). */
  text: string;
  callbackUrl?: string;
  sessionId?: string;
}

/** Runs one job. The signal fires on the interaction timeout or at a forced shutdown. */
export type JobRunner = (job: InteractionJob, signal: AbortSignal) => Promise<void>;

/**
 * The interaction queue. Jobs of one conversation (`conversationKey`) run one at a time in order,
 * so answers never cross; jobs of different conversations run side by side up to the concurrency.
 * Backends: `memory` (p-queue, this process) and, later, `redis` (BullMQ).
 */
export interface InteractionQueue {
  /**
   * Accepts a job, or refuses it at once.
   * @throws QueueFullError when `size` has reached the bound (with a retry-after estimate).
   * @throws ShuttingDownError after `close()` began.
   */
  enqueue(job: InteractionJob): void;
  /** Jobs accepted and not yet started. */
  readonly size: number;
  /** Jobs running now. */
  readonly running: number;
  /** True when the next `enqueue` would be refused for lack of room. */
  readonly isFull: boolean;
  /** Stops accepting and waits for every accepted job to finish. */
  close(): Promise<void>;
}

/** The key that serializes a job: one conversation. */
export function jobConversation(job: InteractionJob): string {
  return conversationKey(job.event);
}
