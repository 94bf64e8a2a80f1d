import { type Job, Queue, Worker } from 'bullmq';
import type { PlatformAdapter } from '../core/adapter.js';
import type { ChatEvent, Platform } from '../core/chat-event.js';
import { createLogger, type Logger } from '../observability/logger.js';
import type { CallbackBody, CallbackSender } from './callback.js';

/** A reply to send through a platform connection: the event answered (minus `raw`) and the text. */
export interface PlatformSend {
  interactionId: string;
  event: Omit<ChatEvent, 'raw'>;
  /** Cleaned, within the platform's reply limit, chars. */
  text: string;
  /** The job's `runAt` (it waited for a human first): the reply ages from then, ms since the epoch. */
  runAt?: number;
}

/** A callback to POST: where, and the body (see `CallbackBody`). */
export interface CallbackPost {
  url: string;
  body: CallbackBody;
}

/** Options of the reply queue. Durations are ms. */
export interface ReplyQueueOptions {
  /** `REDIS_URL`. */
  redisUrl: string;
  /** BullMQ key prefix (default `chatgate`); tests use a random one. */
  prefix?: string;
  /** A platform reply whose event is older than this when a sender takes it is dropped (`REPLY_MAX_AGE_MS`). */
  replyMaxAgeMs: number;
  /** Sends of one platform reply, the first included, when the platform refuses it (default 3). */
  attempts?: number;
  /** First retry delay, doubled at each attempt (default 1000). */
  backoffMs?: number;
  /** Lock time of a send: a sender that died is replaced after it (default 30000). */
  stalledIntervalMs?: number;
  /** How long an interaction's reply is remembered as sent, so a re-run never sends it again (default 1 h). */
  dedupeTtlMs?: number;
  logger?: Logger;
}

const CALLBACKS = 'callbacks';
/** Sent: dropped after ten minutes (the dedupe key outlives them); refused: kept a week. */
const KEEP_SENT = { age: 600, count: 10_000 };
const KEEP_REFUSED = { age: 7 * 24 * 3600, count: 1000 };

/**
 * The reply queues of the `redis` queue backend (one BullMQ queue per target): a finished interaction's reply is written to Redis
 * (BullMQ) in the same job that made it, and sent from there by the processes that can send it.
 * - `replies-<platform>` (each platform adapter's), consumed by every process holding that
 *   platform's adapter: a `worker` process that holds no connection hands its replies over this
 *   way, and replies outlive the process that saw the event.
 * - `replies-callbacks`, consumed by the edge processes (`api`, `all`): the callback POSTs. Workers
 *   need no way out but to the model.
 * Each publish carries a deduplication id (BullMQ throttle mode, `dedupeTtlMs`) made of the
 * interaction id, so a job that runs again after its worker died does not send its reply twice
 * (`isPublished` lets it skip the model call as well). The last hop is at least once: a sender
 * that dies mid-send is replaced, and callbacks carry an `Idempotency-Key`.
 */
export class ReplyQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly logger: Logger;

  constructor(private readonly options: ReplyQueueOptions) {
    this.logger = (options.logger ?? createLogger('warn')).child({ component: 'reply-queue' });
  }

  /**
   * Writes a platform reply for a holder of the platform's connection.
   * @throws when Redis refuses the write (the caller falls back to sending it itself).
   */
  async publishSend(send: PlatformSend): Promise<void> {
    await this.add(send.event.platform, `send-${send.interactionId}`, send);
  }

  /**
   * Writes a callback for an edge process to POST.
   * @throws when Redis refuses the write.
   */
  async publishCallback(post: CallbackPost): Promise<void> {
    await this.add(CALLBACKS, `callback-${post.body.interaction_id}`, post);
  }

  /**
   * True when a reply or callback of this interaction was already written (within `dedupeTtlMs`).
   * @param platform the platform whose connection sends the reply (an event from an adapter); none
   *   for an event that came over HTTP.
   */
  async isPublished(interactionId: string, platform?: Platform): Promise<boolean> {
    const lookups = [(await this.ready(CALLBACKS)).getDeduplicationJobId(`callback-${interactionId}`)];
    if (platform !== undefined) {
      lookups.push((await this.ready(platform)).getDeduplicationJobId(`send-${interactionId}`));
    }
    return (await Promise.all(lookups)).some((jobId) => jobId !== null);
  }

  /** Starts sending `adapter`'s platform replies through it. */
  async consumeSends(adapter: PlatformAdapter): Promise<void> {
    await this.consume(adapter.platform, 20, (job: Job<PlatformSend>) => this.send(adapter, job.data));
  }

  /** Starts POSTing callbacks with `sender` (its own retries and timeouts apply). */
  async consumeCallbacks(sender: CallbackSender): Promise<void> {
    await this.consume(CALLBACKS, 50, (job: Job<CallbackPost>) => sender.send(job.data.url, job.data.body));
  }

  /** Stops consuming (sends in flight finish) and disconnects. */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((worker) => worker.close()));
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
  }

  private async add(target: string, dedupeId: string, data: PlatformSend | CallbackPost): Promise<void> {
    const queue = await this.ready(target);
    await queue.add(target, data, {
      deduplication: { id: dedupeId, ttl: this.options.dedupeTtlMs ?? 3_600_000 },
      // Callbacks retry inside the sender; a platform send is tried again here.
      attempts: target === CALLBACKS ? 1 : (this.options.attempts ?? 3),
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1000 },
      removeOnComplete: KEEP_SENT,
      removeOnFail: KEEP_REFUSED,
    });
  }

  private async consume<T>(
    target: string,
    concurrency: number,
    run: (job: Job<T>) => Promise<void>,
  ): Promise<void> {
    const stalledInterval = this.options.stalledIntervalMs ?? 30_000;
    const worker = new Worker<T>(replyQueueName(target), run, {
      prefix: this.options.prefix ?? 'chatgate',
      connection: {
        url: this.options.redisUrl,
        maxRetriesPerRequest: null,
        connectionName: `chatgate-replies-${target}`,
      },
      // Sends wait on the adapters' own rate limiters; several in flight keep channels independent.
      concurrency,
      stalledInterval,
      lockDuration: stalledInterval,
    });
    worker.on('error', (error) => this.logger.error({ err: error, target }, 'reply queue worker error'));
    this.workers.push(worker as Worker);
    await worker.waitUntilReady();
  }

  private async send(adapter: PlatformAdapter, send: PlatformSend): Promise<void> {
    const ageMs = Date.now() - Math.max(send.event.receivedAt, send.runAt ?? 0);
    if (ageMs > this.options.replyMaxAgeMs) {
      this.logger.info(
        { interaction: send.interactionId, age_ms: ageMs },
        'stale reply dropped from the reply queue',
      );
      return;
    }
    await adapter.send({ event: send.event as ChatEvent, text: send.text });
  }

  /** The target's queue, connected: it refuses commands while offline (fail fast), so wait for its first connect. */
  private async ready(target: string): Promise<Queue> {
    const queue = this.queueFor(target);
    await queue.waitUntilReady();
    return queue;
  }

  private queueFor(target: string): Queue {
    let queue = this.queues.get(target);
    if (!queue) {
      queue = new Queue(replyQueueName(target), {
        prefix: this.options.prefix ?? 'chatgate',
        connection: {
          url: this.options.redisUrl,
          maxRetriesPerRequest: null,
          enableOfflineQueue: false,
          connectionName: 'chatgate-replies',
        },
      });
      queue.on('error', (error) => this.logger.error({ err: error, target }, 'reply queue error'));
      this.queues.set(target, queue);
    }
    return queue;
  }
}

/** The BullMQ queue of one reply queue target: a platform, or `callbacks`. */
export function replyQueueName(target: string): string {
  return `replies-${target}`;
}
