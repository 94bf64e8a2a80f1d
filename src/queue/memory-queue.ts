import PQueue from 'p-queue';
import { settlesWithin } from '../core/settles-within.js';
import {
  CLOSE_MARGIN_MS,
  type CloseOptions,
  type InteractionJob,
  type InteractionQueue,
  type JobRunner,
  jobConversation,
  type QueueEndedFailure,
  type QueueFailure,
  type QueueFailureListener,
  type QueueFailures,
  type RunEnd,
} from './interaction-queue.js';
import { type LimitedRun, RunCut, startLimitedRun } from './limited-run.js';
import { failureReason, QueueBase } from './queue-base.js';

export interface MemoryQueueOptions {
  /** Jobs running at once (`MAX_CONCURRENT_REQUESTS`). */
  concurrency: number;
  /** Jobs waiting at most (`MAX_QUEUE_SIZE`). */
  maxSize: number;
  /** One job's time limit, ms: its signal fires then, and its slot is freed. */
  jobTimeoutMs: number;
  /**
   * Told of each job this queue ends as failed: its runner threw, it hit its time limit, or a
   * graced `close()` cut it short or never started it (reason `shutdown`). The queue itself never
   * throws after `enqueue`.
   */
  onFailed: QueueFailureListener;
  /** Failed jobs remembered for `failures()`, newest first (default 50). */
  failureHistory?: number;
}

/**
 * The in-process queue: p-queue bounds concurrency; a promise chain per conversation keeps one
 * conversation's jobs in order, and a job enters p-queue only when its predecessor has finished,
 * so a busy conversation never holds more than one slot. A job with a `runAt` waits on a timer
 * before it joins its conversation's chain.
 *
 * Nothing survives the process: `close({ graceMs })` fails what it cannot finish in time (reason
 * `shutdown`, through `onFailed`) rather than dropping it silently.
 */
export class MemoryInteractionQueue extends QueueBase implements InteractionQueue {
  private readonly pool: PQueue;
  private readonly tails = new Map<string, Promise<void>>();
  private readonly active = new Set<LimitedRun<RunEnd>>();
  /** Jobs waiting for their `runAt`: settles when released, and the release that schedules it now. */
  private readonly waiting = new Map<Promise<void>, () => void>();
  /** The grace period is over: running jobs were aborted, jobs that start now are failed. */
  private expired = false;
  private drained: Promise<void> | undefined;
  private failureCount = 0;
  private readonly recentFailures: QueueFailure[] = [];

  constructor(
    private readonly runner: JobRunner,
    private readonly options: MemoryQueueOptions,
  ) {
    super(options, options.onFailed);
    this.pool = new PQueue({ concurrency: options.concurrency });
  }

  get running(): number {
    return this.pool.pending;
  }

  enqueue(job: InteractionJob): void {
    this.admission.admit();
    const delayMs = (job.runAt ?? 0) - Date.now();
    if (delayMs > 0) this.wait(job, job.runAt ?? 0);
    else this.schedule(job);
  }

  /**
   * Holds a job with a `runAt` on a timer, outside p-queue (no slot, not yet in its conversation's
   * chain), then schedules it. At a graced `close()` whose grace ran out the wait is cut short: the
   * job then ends as `shutdown` without running, as every job not started does.
   */
  private wait(job: InteractionJob, runAt: number): void {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout;
      // Node's timers may fire a millisecond before `Date.now()` reaches their time (they round on
      // a monotonic clock): the rest is waited again, so that a job never starts before its runAt.
      const due = () => {
        const left = runAt - Date.now();
        if (left > 0) timer = setTimeout(due, left);
        else release();
      };
      timer = setTimeout(due, runAt - Date.now());
      release = () => {
        clearTimeout(timer);
        if (!this.waiting.delete(released)) return;
        this.schedule(job);
        resolve();
      };
    });
    this.waiting.set(released, release);
  }

  /** Puts a job at the end of its conversation's chain; it enters p-queue when its predecessor ends. */
  private schedule(job: InteractionJob): void {
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
   * included (a job with a `runAt` runs at its time). With it, jobs keep running (and waiting ones keep starting) until the grace is over;
   * then running jobs are cut (their signal aborts with a `shutdown` RunCut) and reported to
   * `onFailed` (`started` true), jobs not yet started are reported without running (`started` false),
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
    while (this.tails.size > 0 || this.waiting.size > 0) {
      await Promise.allSettled([...this.tails.values(), ...this.waiting.keys()]);
    }
    await this.pool.onIdle();
  }

  /** Ends the grace period: aborts the running jobs; returns their runners' outcomes. */
  private expire(): Promise<unknown>[] {
    this.expired = true;
    const running = [...this.active];
    // Waiting jobs go to their chains now, where they end as `shutdown` without running.
    for (const release of [...this.waiting.values()]) release();
    for (const job of running) job.cut(new RunCut('shutdown', 'shutdown'));
    return running.map((job) => job.settled);
  }

  private async run(job: InteractionJob): Promise<void> {
    this.admission.left();
    if (this.expired) {
      this.end(job, { reason: 'shutdown', started: false, processingTimeMs: 0 });
      return;
    }
    const started = performance.now();
    const run = startLimitedRun((signal) => this.runner(job, signal), this.options.jobTimeoutMs);
    this.active.add(run);
    try {
      const end = await run.outcome;
      if (end) this.remember(job, end.failed, 1);
    } catch (error) {
      const processingTimeMs = Math.round(performance.now() - started);
      this.end(job, { reason: failureReason(error), started: true, processingTimeMs });
    } finally {
      run.dispose();
      this.active.delete(run);
      this.admission.ran(performance.now() - started);
    }
  }

  /** Ends a job as failed here: remembered, and reported. */
  private end(job: InteractionJob, failure: QueueEndedFailure): void {
    this.remember(job, failure.reason, failure.started ? 1 : 0);
    this.reportFailure(job, failure);
  }

  /** Counts a failure and keeps the newest `failureHistory` for `failures()`. */
  private remember(job: InteractionJob, reason: string, attempts: number): void {
    this.failureCount++;
    this.recentFailures.unshift({
      interactionId: job.interactionId,
      eventId: job.event.id,
      reason: failureReason(reason),
      failedAt: Date.now(),
      attempts,
    });
    if (this.recentFailures.length > (this.options.failureHistory ?? 50)) this.recentFailures.pop();
  }
}
