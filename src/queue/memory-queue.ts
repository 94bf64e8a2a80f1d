import PQueue from 'p-queue';
import { QueueFullError, ShuttingDownError } from '../core/errors.js';
import {
  type InteractionJob,
  type InteractionQueue,
  type JobRunner,
  jobConversation,
} from './interaction-queue.js';

export interface MemoryQueueOptions {
  /** Jobs running at once (`MAX_CONCURRENT_REQUESTS`). */
  concurrency: number;
  /** Jobs waiting at most (`MAX_QUEUE_SIZE`). */
  maxSize: number;
  /** One job's time limit, ms: its signal fires then, and its slot is freed. */
  jobTimeoutMs: number;
  /** Called when a job throws or times out; the queue itself never throws after `enqueue`. */
  onError: (job: InteractionJob, error: unknown) => void;
}

/**
 * The in-process queue: p-queue bounds concurrency; a promise chain per conversation keeps one
 * conversation's jobs in order, and a job enters p-queue only when its predecessor has finished,
 * so a busy conversation never holds more than one slot.
 */
export class MemoryInteractionQueue implements InteractionQueue {
  private readonly pool: PQueue;
  private readonly tails = new Map<string, Promise<void>>();
  private waiting = 0;
  private closing = false;
  /** Moving average of job duration, ms, for the retry-after estimate. */
  private averageJobMs = 1000;

  constructor(
    private readonly runner: JobRunner,
    private readonly options: MemoryQueueOptions,
  ) {
    this.pool = new PQueue({ concurrency: options.concurrency });
  }

  get size(): number {
    return this.waiting;
  }

  get running(): number {
    return this.pool.pending;
  }

  get isFull(): boolean {
    return this.waiting >= this.options.maxSize;
  }

  enqueue(job: InteractionJob): void {
    if (this.closing) throw new ShuttingDownError();
    if (this.isFull) throw new QueueFullError(this.retryAfterSeconds());
    this.waiting++;
    const key = jobConversation(job);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const tail = previous.then(() => this.pool.add(() => this.run(job)));
    this.tails.set(key, tail);
    void tail.finally(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
    await this.pool.onIdle();
  }

  private async run(job: InteractionJob): Promise<void> {
    this.waiting--;
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`interaction timed out after ${this.options.jobTimeoutMs} ms`);
        // Reject first: a runner that resolves as soon as its signal aborts must not win the race
        // and hide the timeout.
        reject(error);
        controller.abort(error);
      }, this.options.jobTimeoutMs);
    });
    try {
      await Promise.race([this.runner(job, controller.signal), timedOut]);
    } catch (error) {
      try {
        this.options.onError(job, error);
      } catch {
        // A failing error hook must not break this conversation's chain of jobs.
      }
    } finally {
      clearTimeout(timer);
      this.averageJobMs = this.averageJobMs * 0.9 + (performance.now() - started) * 0.1;
    }
  }

  /** Seconds until a slot is likely free: the backlog's work spread over the workers. */
  private retryAfterSeconds(): number {
    const estimate = (this.waiting * this.averageJobMs) / this.options.concurrency / 1000;
    return Math.min(60, Math.max(1, Math.ceil(estimate)));
  }
}
