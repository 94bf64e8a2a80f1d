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
  /**
   * A line to send instead of an answer (a moderator command's confirmation, a budget notice): the
   * worker sends it as the interaction's reply without calling a provider; the interaction stays
   * `ignored` with the router's reason.
   */
  notice?: string;
  /** The stored client key that posted the event (`POST /api/v1/ai/interaction`), if one did. */
  keyId?: string;
  /**
   * A configured personality (or `random`) that answers instead of the community's personality and
   * `system_prompt`: the web chat's per-session choice (see `AdapterIngestOptions.personality`).
   */
  personality?: string;
  /**
   * The event came from one of our platform adapters (not over HTTP): its reply goes back through
   * that platform's connection, wherever in the cluster it is held.
   */
  fromAdapter?: boolean;
  /**
   * Set by a queue that runs this job again (redis: its worker died, it was handed back, or it
   * threw): the runner checks whether it was already answered before asking the model.
   */
  rerun?: boolean;
  /**
   * Set by a queue that retries (redis): how many more runs this job gets if this one throws. The
   * runner then throws a failure that may pass (the AI chain was down) instead of ending the
   * interaction, and on the last run ends it as failed.
   */
  attemptsLeft?: number;
  /**
   * Run no earlier than this, ms since the epoch (a question waiting for a human to answer it,
   * `human_grace_ms`). The wait holds no worker slot: the memory backend keeps the job on a timer
   * outside p-queue, the redis backend adds it with BullMQ's `delay`. A waiting job counts in
   * `size` (it was accepted and has not started). Unset or past = at its turn.
   */
  runAt?: number;
}

/**
 * How a run ended, as its runner says: nothing (replied, dropped as stale, or already answered), or
 * `{ failed }`: no reply can be made, and the runner has recorded that and told the caller; the
 * queue counts it among its failures (redis: keeps the job among its failed ones) and does not run
 * it again.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a runner that ends well returns nothing
export type RunEnd = { failed: string } | void;

/**
 * Runs one job. A runner that throws wants the job run again (when it has `attemptsLeft`);
 * otherwise the queue ends it as failed (`onFailed`). The signal aborts when the queue cuts the
 * run (its time limit, a shutdown, a hand-back: the reason is a `RunCut`): the queue ends the
 * interaction then, so the runner only stops, records nothing, and throws.
 */
export type JobRunner = (job: InteractionJob, signal: AbortSignal) => Promise<RunEnd>;

/** A job the queue ended as failed itself: why, whether its run had started, and for how long, ms. */
export interface QueueEndedFailure {
  reason: string;
  started: boolean;
  processingTimeMs: number;
}

/**
 * Told of each job the queue ends as failed itself: cut at its time limit or by a shutdown, never
 * started before a shutdown, its runner threw on its last run, or (redis) Redis refused its add.
 * The listener records it and tells whoever waits. Never called for a job handed back, nor for a
 * run its runner ended. Must not throw.
 */
export type QueueFailureListener = (job: InteractionJob, failure: QueueEndedFailure) => void;

/** Options of `InteractionQueue.close`. */
export interface CloseOptions {
  /**
   * How long running jobs may still run, ms. Past it they are aborted: handed back to Redis for
   * another instance (redis backend), or failed as `shutdown` together with the jobs not yet
   * started (memory backend); `close()` then resolves within about a second. Unset: wait for every
   * accepted job (memory) or every running job (redis), however long.
   */
  graceMs?: number;
}

/** One job that failed for good, as the queue remembers it. */
export interface QueueFailure {
  interactionId: string;
  /** The ChatEvent id. */
  eventId: string;
  /** The error message (cut to 500 characters). */
  reason: string;
  /** When it failed, ms since the epoch. */
  failedAt: number;
  /** Runs it had (0 for a job failed at shutdown before it started). */
  attempts: number;
}

/** Failed jobs: how many, and the most recent ones, newest first. */
export interface QueueFailures {
  /** Failed jobs the backend holds: since start (memory), or kept in Redis (redis, all instances). */
  count: number;
  recent: QueueFailure[];
}

/**
 * The interaction queue: jobs run side by side up to the concurrency, each within a time limit.
 * Backends: `memory` (p-queue, this process), where jobs of one conversation (`conversationKey`)
 * also run one at a time in order, so answers never cross; and `redis` (BullMQ, shared by every
 * instance), which keeps no order within a conversation (BullMQ's open-source edition has no
 * per-key groups): two questions asked at once may be answered in either order.
 */
export interface InteractionQueue {
  /**
   * Accepts a job, or refuses it at once.
   * @throws QueueFullError when `size` has reached the bound (with a retry-after estimate).
   * @throws ShuttingDownError after `close()` began.
   * @throws QueueUnavailableError when the backend cannot store it now (redis: Redis down).
   */
  enqueue(job: InteractionJob): void;
  /** Jobs accepted and not yet started. */
  readonly size: number;
  /** Jobs running now. */
  readonly running: number;
  /** True when the next `enqueue` would be refused for lack of room. */
  readonly isFull: boolean;
  /** False when the next `enqueue` would be refused because the backend is unreachable (redis: Redis down). */
  readonly isAvailable: boolean;
  /** Seconds until a slot is likely free (1–60): the backlog's work spread over the workers. */
  retryAfterSeconds(): number;
  /**
   * Stops accepting at once (`enqueue` throws `ShuttingDownError`), lets running jobs finish within
   * `graceMs` (see `CloseOptions`), then releases the backend's resources. Never rejects.
   */
  close(options?: CloseOptions): Promise<void>;
  /**
   * Jobs that failed for good (threw on their last attempt, timed out, or were cut by a shutdown).
   * @param limit most recent failures to return (at least 1).
   * @throws when the backend cannot be read (redis: Redis down or erroring).
   */
  failures(limit: number): Promise<QueueFailures>;
}

/** The key that serializes a job: one conversation. */
export function jobConversation(job: InteractionJob): string {
  return conversationKey(job.event);
}

/**
 * After the grace period, how long `close()` still waits for the aborted runs (memory) or the
 * hand-backs and disconnects (redis) before it gives up, ms: a hung runner or Redis must not hold
 * the shutdown.
 */
export const CLOSE_MARGIN_MS = 1000;
