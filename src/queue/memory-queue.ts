import PQueue from 'p-queue';
import { InteractionShutdownError } from '../core/errors.js';
import { settlesWithin } from '../core/settles-within.js';
import { Admission } from './admission.js';
import {
  CLOSE_MARGIN_MS,
  type CloseOptions,
  failureReason,
  type InteractionJob,
  type InteractionQueue,
  type JobRunner,
  jobConversation,
  type QueueFailure,
  type QueueFailures,
} from './interaction-queue.js';
import { type LimitedRun, startLimitedRun } from './limited-run.js';

export interface MemoryQueueOptions {
  /** Jobs running at once (`MAX_CONCURRENT_REQUESTS`). */
  concurrency: number;
  /** Jobs waiting at most (`MAX_QUEUE_SIZE`). */
  maxSize: number;
  /** One job's time limit, ms: its signal fires then, and its slot is freed. */
  jobTimeoutMs: number;
  /**
   * Called when a job throws or times out, and at a graced `close()` for each job cut short or never
   * started (with an `InteractionShutdownError`); the queue itself never throws after `enqueue`.
   */
  onError: (job: InteractionJob, error: unknown) => void;
  /** Failed jobs remembered for `failures()`, newest first (default 50). */
  failureHistory?: number;
}

/**
 * The in-process queue: p-queue bounds concurrency; a promise chain per conversation keeps one
 * conversation's jobs in order, and a job enters p-queue only when its predecessor has finished,
 * so a busy conversation never holds more than one slot.
 *
 * Nothing survives the process: `close({ graceMs })` fails what it cannot finish in time (reason
 * `shutdown`, through `onError`) rather than dropping it silently.
 */
export class MemoryInteractionQueue implements InteractionQueue {
  private readonly pool: PQueue;
  private readonly tails = new Map<string, Promise<void>>();
  private readonly active = new Set<LimitedRun>();
  private readonly admission: Admission;
  /** The grace period is over: running jobs were aborted, jobs that start now are failed. */
  private expired = false;
  private drained: Promise<void> | undefined;
  private failureCount = 0;
  private readonly recentFailures: QueueFailure[] = [];

  constructor(
    private readonly runner: JobRunner,
    private readonly options: MemoryQueueOptions,
  ) {
    this.pool = new PQueue({ concurrency: options.concurrency });
    this.admission = new Admission(options.maxSize, options.concurrency);
  }

  get size(): number {
    return this.admission.backlog;
  }

  get running(): number {
    return this.pool.pending;
  }

  get isFull(): boolean {
    return this.admission.isFull;
  }

  enqueue(job: InteractionJob): void {
    this.admission.admit();
    const key = jobConversation(job);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const tail = previous.then(() => this.pool.add(() => this.run(job)));
    this.tails.set(key, tail);
    void tail.finally(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }

  /**
   * Stops accepting at once. Without `graceMs`, waits for every accepted job, waiting ones
   * included. With it, jobs keep running (and waiting ones keep starting) until the grace is over;
   * then running jobs are aborted (signal reason `InteractionShutdownError`, `started` true) and
   * reported to `onError`, jobs not yet started are reported without running (`started` false),
   * and this resolves once aborted runners settle, `graceMs` + 1 s at most.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    this.admission.closing = true;
    this.drained ??= this.drain();
    if (options.graceMs === undefined) return this.drained;
    if (await settlesWithin(this.drained, options.graceMs)) return;
    const aborted = this.expire();
    await settlesWithin(Promise.all([this.drained, ...aborted]), CLOSE_MARGIN_MS);
  }

  /** Failed jobs since this queue was made, and the last `limit` of them (newest first). */
  async failures(limit: number): Promise<QueueFailures> {
    return { count: this.failureCount, recent: this.recentFailures.slice(0, Math.max(1, limit)) };
  }

  private async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
    await this.pool.onIdle();
  }

  /** Ends the grace period: aborts the running jobs; returns their runners' outcomes. */
  private expire(): Promise<unknown>[] {
    this.expired = true;
    const running = [...this.active];
    for (const job of running) job.cut(new InteractionShutdownError(true));
    return running.map((job) => job.settled);
  }

  private async run(job: InteractionJob): Promise<void> {
    this.admission.left();
    if (this.expired) {
      this.fail(job, new InteractionShutdownError(false), 0);
      return;
    }
    const started = performance.now();
    const run = startLimitedRun(
      (signal) => this.runner(job, signal),
      this.options.jobTimeoutMs,
      () => new Error(`interaction timed out after ${this.options.jobTimeoutMs} ms`),
    );
    this.active.add(run);
    try {
      await run.outcome;
    } catch (error) {
      this.fail(job, error, 1);
    } finally {
      run.dispose();
      this.active.delete(run);
      this.admission.ran(performance.now() - started);
    }
  }

  /** Remembers a failure and reports it; a failing error hook must not break the chain of jobs. */
  private fail(job: InteractionJob, error: unknown, attempts: number): void {
    this.failureCount++;
    this.recentFailures.unshift({
      interactionId: job.interactionId,
      eventId: job.event.id,
      reason: failureReason(error),
      failedAt: Date.now(),
      attempts,
    });
    if (this.recentFailures.length > (this.options.failureHistory ?? 50)) this.recentFailures.pop();
    try {
      this.options.onError(job, error);
    } catch {
      // A failing error hook must not break this conversation's chain of jobs.
    }
  }

  /** Seconds until a slot is likely free: the backlog's work spread over the workers. */
  retryAfterSeconds(): number {
    return this.admission.retryAfterSeconds();
  }
}
