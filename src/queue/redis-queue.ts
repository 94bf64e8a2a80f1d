import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { withoutRaw } from '../core/chat-event.js';
import { QueueUnavailableError } from '../core/errors.js';
import { settlesWithin } from '../core/settles-within.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { jobIdForEvent } from './bullmq/job-id.js';
import {
  CLOSE_MARGIN_MS,
  type CloseOptions,
  type InteractionJob,
  type InteractionQueue,
  type JobRunner,
  type QueueFailureListener,
  type QueueFailures,
  type RunEnd,
} from './interaction-queue.js';
import { RunCut, startLimitedRun } from './limited-run.js';
import { failureReason, QueueBase } from './queue-base.js';

/** Options of the `redis` queue backend. Durations are ms unless named otherwise. */
export interface RedisQueueOptions {
  /** `REDIS_URL` (redis:// or rediss://). */
  redisUrl: string;
  /** Runs one job; the same runner as the memory backend. */
  runner: JobRunner;
  /** Jobs this instance runs at once (`MAX_CONCURRENT_REQUESTS`). */
  concurrency: number;
  /**
   * Jobs running at once across every instance (`GLOBAL_MAX_CONCURRENT_REQUESTS`), stored in
   * Redis by BullMQ: the last instance to start sets it. Unset leaves whatever Redis holds.
   */
  globalConcurrency?: number;
  /** Waiting jobs at most (`MAX_QUEUE_SIZE`), counted over the shared backlog of all instances. */
  maxSize: number;
  /** One job's time limit: its signal fires then, its slot is freed, and it fails without retry. */
  jobTimeoutMs: number;
  /**
   * Told of each job this queue ends as failed: its runner threw on its last attempt, it hit its
   * time limit (never retried), or Redis refused its add.
   */
  onFailed: QueueFailureListener;
  /**
   * Called when the event is already a job (another instance, or an earlier copy, added it): this
   * interaction will not run, the other one answers. Default: nothing.
   */
  onDuplicate?: (job: InteractionJob) => void;
  /** BullMQ key prefix (default `chatgate`); tests use a random one. */
  prefix?: string;
  /** Queue name (default `interactions`); no ':' allowed. */
  queueName?: string;
  /** Run a worker in this process (default true); false makes an enqueue-only instance. */
  consume?: boolean;
  /** Runs of a job whose runner throws, the first included (default 3). */
  attempts?: number;
  /** First retry delay, doubled at each attempt (default 1000). */
  backoffMs?: number;
  /**
   * How often a worker looks for jobs whose worker died (default 30000); also the lock duration,
   * so a job whose worker died runs again elsewhere within about twice this.
   */
  stalledIntervalMs?: number;
  /** `start()` gives up (and disconnects) when Redis is not ready within this (default 10000). */
  startTimeoutMs?: number;
  /** How often `size` is re-read from Redis (default 1000). */
  sizeRefreshMs?: number;
  logger?: Logger;
}

/** What a job carries in Redis: the interaction with its event minus `raw` (JSON only). */
export type StoredInteractionJob = Omit<InteractionJob, 'event'> & {
  event: Omit<InteractionJob['event'], 'raw'>;
};

const JOB_NAME = 'interaction';
/** Completed jobs: kept one hour, 1000 at most (also the dedupe window for a finished event). */
const KEEP_COMPLETED = { age: 3600, count: 1000 };
/** Failed jobs: kept seven days, 1000 at most, for inspection. */
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 1000 };
/**
 * The `Retry-After` of an event refused while Redis is down, s: about what BullMQ's reconnect
 * backoff takes to see a Redis that came back.
 */
const UNAVAILABLE_RETRY_AFTER_S = 5;
/**
 * The `redis` backend: a BullMQ Queue (producer) and Worker (consumer) on their own connections.
 * The job id is derived from the ChatEvent id, so the same platform event added by two instances
 * is one job. Jobs survive a restart; a job whose worker died is taken over by another instance
 * after the stalled interval.
 *
 * Approximations: `size` is the shared backlog (waiting + delayed retries, all instances) as last
 * read from Redis, plus this instance's adds since, minus this instance's starts since; `running`
 * is exact for this instance only. Order per conversation is NOT serialised (BullMQ OSS has no
 * per-key groups): jobs start in queue order and may overlap up to the concurrency.
 *
 * Shutdown: `close()` stops taking jobs; waiting jobs stay in Redis for the next worker. Running
 * jobs may finish within `graceMs`; past it they are handed back (moved to `delayed` with no delay,
 * no attempt counted, `onFailed` not called) and another instance runs them again.
 */
export class RedisInteractionQueue extends QueueBase implements InteractionQueue {
  /**
   * Connects, sets the global concurrency when given, and starts the worker (when `consume`).
   * @throws when Redis does not answer within `startTimeoutMs`, or BullMQ refuses the options.
   */
  static async start(options: RedisQueueOptions): Promise<RedisInteractionQueue> {
    const instance = new RedisInteractionQueue(options);
    const limitMs = options.startTimeoutMs ?? 10_000;
    const ready = instance.init();
    try {
      if (!(await settlesWithin(ready, limitMs))) {
        throw new Error(`the Redis queue did not start within ${limitMs} ms (is Redis up?)`);
      }
      await ready;
    } catch (error) {
      // BullMQ reconnects forever: disconnect without waiting on a Redis that may not answer.
      void instance.close().catch(() => {});
      throw error;
    }
    return instance;
  }

  /** The BullMQ queue, for inspection (counts, failed jobs); do not add to it directly. */
  readonly queue: Queue<StoredInteractionJob>;
  private worker: Worker<StoredInteractionJob> | undefined;
  /** The producer's ioredis client (known once started): whether an add can be sent now. */
  private producer: { status: string; stream?: { writable: boolean } } | undefined;
  private readonly logger: Logger;
  private readonly pendingAdds = new Set<Promise<void>>();
  /** The running jobs' hand-back triggers. */
  private readonly handBacks = new Set<() => void>();
  /** The grace period is over: running jobs, and any that start now, are handed back. */
  private handingBack = false;
  private active = 0;
  private closed: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing = false;

  private constructor(private readonly options: RedisQueueOptions) {
    const logger = (options.logger ?? createLogger('warn')).child({ component: 'redis-queue' });
    super(options, options.onFailed, logger);
    this.logger = logger;
    this.queue = new Queue<StoredInteractionJob>(options.queueName ?? 'interactions', {
      prefix: options.prefix ?? 'chatgate',
      // Fail fast while Redis is down: an add rejects (and is reported) instead of piling up.
      connection: {
        url: options.redisUrl,
        maxRetriesPerRequest: null,
        enableOfflineQueue: false,
        connectionName: 'chatgate-queue',
      },
    });
    this.queue.on('error', (error) => this.logger.error({ err: error }, 'queue connection error'));
  }

  get running(): number {
    return this.active;
  }

  /**
   * False while the producer's connection to Redis is not ready (Redis down, reconnecting): an
   * `enqueue` then throws `QueueUnavailableError` instead of acking a job it cannot store.
   */
  override get isAvailable(): boolean {
    // As ioredis decides whether a command may be written: the socket ends ('end') a moment
    // before the client's status leaves `ready` ('close').
    const producer = this.producer;
    return producer === undefined || (producer.status === 'ready' && producer.stream?.writable !== false);
  }

  /**
   * Adds the job to Redis; the add completes in the background (a failure is reported through
   * `onFailed`, and Redis dropping the connection in that moment is the only way to get there).
   * @throws ShuttingDownError, QueueFullError (see `InteractionQueue.enqueue`).
   * @throws QueueUnavailableError while Redis is down: an ack would promise an answer that an add
   *   refused at once (no offline queue) could never give.
   */
  enqueue(job: InteractionJob): void {
    this.admission.admit();
    if (!this.isAvailable) {
      this.admission.left();
      throw new QueueUnavailableError(UNAVAILABLE_RETRY_AFTER_S);
    }
    const data: StoredInteractionJob = { ...job, event: withoutRaw(job.event) };
    const attempts = this.options.attempts ?? 3;
    const added = this.queue
      .add(JOB_NAME, data, {
        jobId: jobIdForEvent(job.event.id),
        // A job with a `runAt` waits among BullMQ's delayed jobs: no worker holds it meanwhile.
        delay: Math.max(0, (job.runAt ?? 0) - Date.now()),
        attempts,
        backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1000 },
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
      })
      .then(
        (added) => this.checkDuplicate(job, added.id),
        (error: unknown) => {
          this.admission.left();
          this.logger.error(
            { err: error, interactionId: job.interactionId },
            'could not add the interaction to Redis',
          );
          this.reportFailure(job, { reason: failureReason(error), started: false, processingTimeMs: 0 });
        },
      );
    this.pendingAdds.add(added);
    void added.finally(() => this.pendingAdds.delete(added));
  }

  /**
   * BullMQ answers an add whose job id is taken with that id and without a word; only the stored
   * job's data tells whether this interaction is the one that will run. Read only when a hook wants it.
   */
  private async checkDuplicate(job: InteractionJob, jobId: string | undefined): Promise<void> {
    if (!this.options.onDuplicate || jobId === undefined) return;
    const stored = await this.queue.getJob(jobId).catch(() => undefined);
    if (stored && stored.data.interactionId !== job.interactionId) {
      this.admission.left();
      this.options.onDuplicate(job);
    }
  }

  /**
   * Stops accepting at once and stops taking jobs from Redis; flushes pending adds, waits for this
   * instance's running jobs, disconnects. With `graceMs`, running jobs still running then are
   * handed back to Redis (their signal aborts with a `hand_back` RunCut) and this resolves within
   * `graceMs` + 1 s even when Redis hangs (the connections are dropped). Never rejects.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    this.admission.closing = true;
    this.closed ??= this.shutdown();
    if (options.graceMs === undefined) return this.closed;
    if (await settlesWithin(this.closed, options.graceMs)) return;
    this.handingBack = true;
    for (const handBack of [...this.handBacks]) handBack();
    if (await settlesWithin(this.closed, CLOSE_MARGIN_MS)) return;
    this.logger.warn(
      { margin_ms: CLOSE_MARGIN_MS },
      'Redis did not let the queue close in time: disconnecting',
    );
    void this.worker?.disconnect().catch(() => {});
    void this.queue.disconnect().catch(() => {});
  }

  /**
   * Failed jobs kept in Redis (all instances; seven days, 1000 at most), newest first.
   * @throws when Redis cannot be read.
   */
  async failures(limit: number): Promise<QueueFailures> {
    const [count, jobs] = await Promise.all([
      this.queue.getFailedCount(),
      this.queue.getFailed(0, Math.max(1, limit) - 1),
    ]);
    return {
      count,
      recent: jobs
        .filter((job) => job !== undefined && job !== null)
        .map((job) => ({
          interactionId: job.data?.interactionId ?? '',
          eventId: job.data?.event?.id ?? '',
          reason: failureReason(job.failedReason ?? ''),
          failedAt: job.finishedOn ?? job.timestamp,
          attempts: job.attemptsMade,
        })),
    };
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.refreshTimer);
    try {
      // The worker stops fetching at once, and waits for its running jobs.
      await Promise.all([Promise.allSettled([...this.pendingAdds]), this.worker?.close()]);
    } catch (error) {
      this.logger.warn({ err: error }, 'the worker did not close cleanly');
    }
    try {
      await this.queue.close();
    } catch (error) {
      this.logger.warn({ err: error }, 'the queue connection did not close cleanly');
    }
  }

  private async init(): Promise<void> {
    await this.queue.waitUntilReady();
    this.producer = await this.queue.getBackend().client;
    if (this.options.globalConcurrency !== undefined) {
      await this.queue.setGlobalConcurrency(this.options.globalConcurrency);
    }
    await this.refreshSize();
    // A `start()` that timed out has closed us meanwhile: create nothing more.
    if (this.admission.closing) return;
    this.refreshTimer = setInterval(() => void this.refreshSize(), this.options.sizeRefreshMs ?? 1000);
    this.refreshTimer.unref();
    if (this.options.consume === false) return;
    const stalledInterval = this.options.stalledIntervalMs ?? 30_000;
    this.worker = new Worker<StoredInteractionJob>(
      this.queue.name,
      (job, token, signal) => this.process(job, token, signal),
      {
        prefix: this.options.prefix ?? 'chatgate',
        connection: {
          url: this.options.redisUrl,
          maxRetriesPerRequest: null,
          connectionName: 'chatgate-worker',
        },
        concurrency: this.options.concurrency,
        stalledInterval,
        lockDuration: stalledInterval,
        maxStalledCount: 1,
      },
    );
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'worker error'));
    await this.worker.waitUntilReady();
  }

  /**
   * Runs one BullMQ job through the runner under the job time limit; at a graced shutdown, hands it
   * back to Redis instead (BullMQ's manual re-queue: `moveToDelayed` with the lock token, then
   * `DelayedError` so that the worker neither completes nor fails it).
   */
  private async process(
    job: Job<StoredInteractionJob>,
    token: string | undefined,
    workerSignal?: AbortSignal,
  ): Promise<void> {
    this.active++;
    this.admission.left();
    // Started before (its worker died, it was handed back, or it threw): it may have answered already.
    const interaction: InteractionJob = {
      ...job.data,
      rerun: job.attemptsStarted > 1,
      attemptsLeft: Math.max(0, (job.opts.attempts ?? 1) - job.attemptsMade - 1),
    };
    const started = performance.now();
    const run = startLimitedRun(
      (signal) => this.options.runner(interaction, signal),
      this.options.jobTimeoutMs,
      workerSignal,
    );
    const handBack = () => run.cut(new RunCut('hand_back', 'handed back to the queue at shutdown'));
    this.handBacks.add(handBack);
    // A job fetched just before the grace ended goes straight back.
    if (this.handingBack) handBack();
    let end: RunEnd;
    try {
      end = await run.outcome;
    } catch (error) {
      if (run.cutBy?.why === 'hand_back') {
        await this.handBack(job, token);
        throw new DelayedError();
      }
      const reason = failureReason(error);
      // A run over its time limit is not tried again: the model had its chance.
      if (run.cutBy?.why === 'timeout' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        this.reportFailure(interaction, {
          reason,
          started: true,
          processingTimeMs: Math.round(performance.now() - started),
        });
        throw new UnrecoverableError(reason);
      }
      this.logger.warn(
        { err: error, jobId: job.id, attempt: job.attemptsMade + 1 },
        'job failed, will retry',
      );
      throw error instanceof Error ? error : new Error(reason);
    } finally {
      run.dispose();
      this.handBacks.delete(handBack);
      this.active--;
      this.admission.ran(performance.now() - started);
    }
    // Recorded and told by the runner: kept among the failed jobs (status), not run again.
    if (end) throw new UnrecoverableError(end.failed);
  }

  /** Re-reads the shared backlog; a failed read keeps the local estimate and is logged. */
  private async refreshSize(): Promise<void> {
    if (this.refreshing || this.admission.closing) return;
    this.refreshing = true;
    try {
      const inFlight = this.pendingAdds.size;
      const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
      const stored = Object.values(counts).reduce((sum, count) => sum + count, 0);
      this.admission.backlog = stored + inFlight;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the queue size from Redis');
    } finally {
      this.refreshing = false;
    }
  }

  /**
   * Puts a running job back for any worker, now and without counting an attempt. When Redis does
   * not take it, the job's lock expires and another instance's stalled check takes it over.
   */
  private async handBack(job: Job<StoredInteractionJob>, token: string | undefined): Promise<void> {
    try {
      await job.moveToDelayed(Date.now(), token);
      this.logger.info({ jobId: job.id, interactionId: job.data.interactionId }, 'job handed back');
    } catch (error) {
      this.logger.warn(
        { err: error, jobId: job.id, interactionId: job.data.interactionId },
        'could not hand the job back; it runs elsewhere once its lock expires',
      );
    }
  }
}
