import { QueueFullError, ShuttingDownError } from '../core/errors.js';

/**
 * The bookkeeping both queue backends admit jobs with: the backlog (jobs accepted and not started;
 * the shared backlog of every instance on the redis backend), whether the queue is closing, and a
 * moving average of run time that turns the backlog into a retry-after estimate.
 */
export class Admission {
  /** Jobs waiting, as this queue knows it. */
  backlog = 0;
  /** Set by `close()`: no job is admitted any more. */
  closing = false;
  /** Moving average of a job's run, ms (0.9 of the old, 0.1 of the new run). */
  private averageJobMs = 1000;

  constructor(
    private readonly maxSize: number,
    private readonly concurrency: number,
  ) {}

  get isFull(): boolean {
    return this.backlog >= this.maxSize;
  }

  /**
   * Counts one more waiting job, or refuses it.
   * @throws ShuttingDownError once the queue is closing.
   * @throws QueueFullError when the backlog is at `maxSize` (with a retry-after estimate).
   */
  admit(): void {
    if (this.closing) throw new ShuttingDownError();
    if (this.isFull) throw new QueueFullError(this.retryAfterSeconds());
    this.backlog++;
  }

  /** One job left the backlog (it started, or it was never stored). */
  left(): void {
    this.backlog = Math.max(0, this.backlog - 1);
  }

  /** Notes how long a job ran, ms. */
  ran(ms: number): void {
    this.averageJobMs = this.averageJobMs * 0.9 + ms * 0.1;
  }

  /** Seconds until a slot is likely free (1–60): the backlog's work spread over the slots. */
  retryAfterSeconds(): number {
    return estimateRetryAfterSeconds(this.backlog, this.averageJobMs, this.concurrency);
  }
}

/**
 * Seconds until a slot is likely free (1–60): `backlog` jobs of `averageJobMs` each, spread over
 * `concurrency` slots. The `Retry-After` of a full queue.
 */
function estimateRetryAfterSeconds(backlog: number, averageJobMs: number, concurrency: number): number {
  const estimate = (backlog * averageJobMs) / concurrency / 1000;
  return Math.min(60, Math.max(1, Math.ceil(estimate)));
}
