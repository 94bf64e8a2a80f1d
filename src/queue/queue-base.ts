import type { Logger } from '../observability/logger.js';
import { Admission } from './admission.js';
import type { InteractionJob, QueueEndedFailure, QueueFailureListener } from './interaction-queue.js';

/**
 * What both queue backends share: the backlog they admit jobs to (`size`, `isFull`, the
 * retry-after estimate) and the reporting of jobs they end as failed themselves.
 */
export abstract class QueueBase {
  protected readonly admission: Admission;

  protected constructor(
    limits: { maxSize: number; concurrency: number },
    private readonly onFailed: QueueFailureListener,
    private readonly listenerLogger?: Logger,
  ) {
    this.admission = new Admission(limits.maxSize, limits.concurrency);
  }

  /** Jobs waiting to run (see each backend for how exact). */
  get size(): number {
    return this.admission.backlog;
  }

  get isFull(): boolean {
    return this.admission.isFull;
  }

  /** True by default: a backend that can lose its store (redis) says when it has. */
  get isAvailable(): boolean {
    return true;
  }

  /** Seconds until a slot is likely free (1–60): the backlog's work spread over the slots. */
  retryAfterSeconds(): number {
    return this.admission.retryAfterSeconds();
  }

  /** Tells `onFailed` of a job this queue ended as failed; a listener that throws is logged, never breaks the queue. */
  protected reportFailure(job: InteractionJob, failure: QueueEndedFailure): void {
    try {
      this.onFailed(job, failure);
    } catch (error) {
      this.listenerLogger?.error({ err: error }, 'the onFailed listener threw');
    }
  }
}

/** Longest `QueueFailure.reason` kept, in characters. */
const MAX_REASON_CHARS = 500;

/** The failure reason of an error: its message, cut to 500 characters. */
export function failureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_REASON_CHARS ? `${message.slice(0, MAX_REASON_CHARS - 1)}…` : message;
}
