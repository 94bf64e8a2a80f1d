import PQueue from 'p-queue';
import type { IngestAck, PlatformAdapter, ReplyDetails, ReplyStream } from '../core/adapter.js';
import { type ChatEvent, type Platform, withoutRaw } from '../core/chat-event.js';
import { settlesWithin } from '../core/settles-within.js';
import type { Logger } from '../observability/logger.js';
import { CLOSE_MARGIN_MS, type InteractionJob } from '../queue/interaction-queue.js';
import type { InteractionReply } from '../stores/interaction-log.js';
import type { CallbackBody, CallbackSender } from './callback.js';
import type { ReplyQueue } from './reply-queue.js';
import { TypingIndicators } from './typing-indicators.js';

/**
 * The outcome to deliver: a reply, or why there is none. `ignored`: not answered on purpose (its
 * user banned, its message deleted, its channel paused while the model wrote), not a failure.
 */
export type DeliveryOutcome =
  | { ok: true; reply: InteractionReply }
  | { ok: false; error: string; processingTimeMs: number; ignored?: boolean };

/**
 * Hands finished interactions to whoever waits for them: the adapter that owns the platform
 * (its platform adapter), and the caller's callback URL (or the default `ROUTER_RESPONSE_URL`)
 * for events that came over HTTP. Failures are logged, never thrown: the reply stays readable at
 * `GET /api/v1/ai/interaction/:id`.
 *
 * With a reply queue (the `redis` queue backend) replies are written to Redis and sent from there by
 * the processes that hold the platform connection or send callbacks (see `ReplyQueue`); when
 * Redis refuses the write, this process sends what it can itself.
 *
 * Callbacks sent from here go out in the background (at most `CALLBACKS_IN_FLIGHT` at once, each
 * with its retries): the worker's slot is free as soon as the reply is handed over, so a slow
 * receiver does not slow the answers. `drain()` waits for them at shutdown.
 */
export class ReplyDelivery {
  private readonly adapters = new Map<Platform, PlatformAdapter>();
  private replyQueue: ReplyQueue | undefined;
  private readonly pendingCallbacks = new PQueue({ concurrency: CALLBACKS_IN_FLIGHT });
  /** Fires when `drain`'s grace is over: callbacks still trying give up. */
  private readonly closing = new AbortController();
  private readonly typers: TypingIndicators;
  /** The streamed replies being written, by interaction id (see `openStream`). */
  private readonly streams = new Map<string, ReplyStream>();

  /**
   * @param options.typingMaxMs the longest a "typing…" indicator runs, ms (default 600 000): the
   *   queue's reply age limit plus its interaction time limit, past which no reply comes.
   */
  constructor(
    private readonly callbacks: CallbackSender,
    private readonly logger: Logger,
    private readonly defaultCallbackUrl?: string,
    options: { typingMaxMs?: number } = {},
  ) {
    this.typers = new TypingIndicators(options.typingMaxMs ?? 600_000);
  }

  /** Registers the adapter that sends replies for its platform. */
  addAdapter(adapter: PlatformAdapter): void {
    this.adapters.set(adapter.platform, adapter);
  }

  /** Delivers through `reply queue` from now on (the redis queue backend). */
  useReplyQueue(replyQueue: ReplyQueue): void {
    this.replyQueue = replyQueue;
  }

  /** The registered adapters, for status. */
  platformAdapters(): PlatformAdapter[] {
    return [...this.adapters.values()];
  }

  /**
   * Told of each ack of an event from an adapter: an interaction that was queued shows "typing…"
   * from now on, when its reply will be delivered from this process (no reply queue: with one, the
   * interaction may end in another process, so typing starts when it runs, see `startTyping`) and
   * it does not first wait for a human (`ack.waitMs`).
   */
  queued(ack: IngestAck, event: ChatEvent): void {
    if (ack.status !== 'queued' || ack.waitMs !== undefined || this.replyQueue) return;
    this.startTyping(ack.interactionId, event);
  }

  /**
   * Shows "typing…" on the event's platform for the interaction until it ends (its outcome is
   * delivered) or its streamed reply starts to show. Does nothing when it shows already, or when
   * the interaction has ended.
   */
  startTyping(interactionId: string, event: ChatEvent): void {
    const adapter = this.adapters.get(event.platform);
    const typing = adapter?.typing?.bind(adapter);
    if (typing) this.typers.start(interactionId, () => typing(event));
  }

  /**
   * Stops the "typing…" of an interaction whose run ended here without an outcome (a retry, which
   * may run elsewhere; a run the queue cut or handed back). Its outcome's delivery stops it anyway.
   */
  stopTyping(interactionId: string): void {
    this.typers.stop(interactionId);
  }

  /**
   * A reply to `job` shown in chat while it is written, or undefined when it cannot be: the event
   * did not come from an adapter of this process (an HTTP event, a `worker` process), the adapter
   * cannot edit (Twitch), or replies go through the reply queue (the `redis` queue backend: the
   * reply is sent whole by the process holding the connection, as without streaming). The
   * interaction's outcome, delivered as usual through the lifecycle, ends the stream: a reply
   * finishes it (`ReplyStream.finish`, also for a blocked reply's `blocked_reply`), a reply
   * moderation emptied removes it, one ended `ignored` (held back: a ban, a deleted message) is
   * removed too, and a failure leaves what was shown marked as cut off. Its first
   * visible text stops the "typing…" indicator. The caller decides whether the community streams.
   */
  openStream(job: InteractionJob): ReplyStream | undefined {
    if (this.replyQueue || job.fromAdapter !== true) return undefined;
    const adapter = this.adapters.get(job.event.platform);
    if (!adapter?.openStream) return undefined;
    const inner = adapter.openStream(job.event);
    const id = job.interactionId;
    const stream: ReplyStream = {
      update: (text) => {
        if (text.trim() !== '') this.typers.stop(id);
        inner.update(text);
      },
      finish: (text, details) => {
        this.streams.delete(id);
        return inner.finish(text, details);
      },
      abort: (replacement, details) => {
        this.streams.delete(id);
        return inner.abort(replacement, details);
      },
    };
    this.streams.set(id, stream);
    return stream;
  }

  /**
   * True when the adapter of `job`'s event streams every reply it can (`streamsEveryReply`, the web
   * chat) and the event came from it: the worker then streams whatever the community's
   * `streamReplies` says.
   */
  streamsEveryReply(job: InteractionJob): boolean {
    return job.fromAdapter === true && this.adapters.get(job.event.platform)?.streamsEveryReply === true;
  }

  /**
   * True when this interaction's reply was already handed to the reply queue (a job run again after its
   * worker died): the caller skips the work. Always false without a reply queue, or when Redis fails.
   */
  async alreadyDelivered(job: InteractionJob): Promise<boolean> {
    if (!this.replyQueue) return false;
    const platform = job.fromAdapter === true ? job.event.platform : undefined;
    return this.replyQueue.isPublished(job.interactionId, platform).catch(() => false);
  }

  /**
   * Hands the outcome over: through the reply queue, or from here (platform send awaited, callback
   * queued in the background). Never throws.
   */
  async deliver(job: InteractionJob, outcome: DeliveryOutcome): Promise<void> {
    this.typers.stop(job.interactionId, true);
    if (this.replyQueue) {
      const written = await this.publish(this.replyQueue, job, outcome).then(
        () => true,
        (error: unknown) => {
          this.logFailure(job, 'reply_queue', error);
          return false;
        },
      );
      if (written) return;
    }
    await this.deliverHere(job, outcome);
  }

  /**
   * Waits up to `graceMs` for the callbacks still being sent, then makes the rest give up (they
   * are logged as failed). Resolves within `graceMs` + 1 s.
   */
  async drain(graceMs: number): Promise<void> {
    this.typers.stopAll();
    const idle = this.pendingCallbacks.onIdle();
    if (await settlesWithin(idle, graceMs)) return;
    this.closing.abort(new Error('chatgate is shutting down'));
    this.pendingCallbacks.clear();
    await settlesWithin(idle, CLOSE_MARGIN_MS);
  }

  /** Writes the platform reply (for an event from an adapter) and the callback to the reply queue. */
  private async publish(
    replyQueue: ReplyQueue,
    job: InteractionJob,
    outcome: DeliveryOutcome,
  ): Promise<void> {
    // An event from an adapter is answered through that platform's connection.
    const onPlatform = job.fromAdapter === true;
    if (onPlatform && hasText(outcome)) {
      await replyQueue.publishSend({
        interactionId: job.interactionId,
        event: withoutRaw(job.event),
        text: outcome.reply.text,
        ...(job.runAt !== undefined ? { runAt: job.runAt } : {}),
      });
    }
    const url = job.callbackUrl ?? (onPlatform ? undefined : this.defaultCallbackUrl);
    if (url) await replyQueue.publishCallback({ url, body: callbackBody(job, outcome) });
  }

  /** Sends from this process: through the local adapter, and (in the background) to the callback. */
  private async deliverHere(job: InteractionJob, outcome: DeliveryOutcome): Promise<void> {
    const adapter = this.adapters.get(job.event.platform);
    const stream = this.streams.get(job.interactionId);
    if (stream) await this.endStream(job, stream, outcome);
    else if (adapter && hasText(outcome)) {
      await adapter
        .send({ event: job.event, text: outcome.reply.text, details: detailsOf(outcome.reply) })
        .catch((error: unknown) => this.logFailure(job, 'adapter', error));
    }
    // A client waiting for an answer to every message (the web chat) hears of the silence too.
    if (job.fromAdapter === true && adapter?.unanswered) {
      if (!outcome.ok) adapter.unanswered(job.event, outcome.error);
      else if (outcome.reply.text === '' && !stream) {
        adapter.unanswered(job.event, outcome.reply.blocked ?? 'empty', detailsOf(outcome.reply));
      }
    }
    const url = job.callbackUrl ?? (adapter ? undefined : this.defaultCallbackUrl);
    if (!url) return;
    const body = callbackBody(job, outcome);
    void this.pendingCallbacks.add(() =>
      this.callbacks
        .send(url, body, this.closing.signal)
        .catch((error: unknown) => this.logFailure(job, 'callback', error)),
    );
  }

  /** Ends a streamed reply with the interaction's outcome (see `openStream`). */
  private async endStream(job: InteractionJob, stream: ReplyStream, outcome: DeliveryOutcome): Promise<void> {
    // Held back (ignored) on purpose: what was shown goes, as nothing would have been sent whole.
    const ending = !outcome.ok
      ? stream.abort(outcome.ignored ? '' : undefined)
      : outcome.reply.text === ''
        ? stream.abort('', detailsOf(outcome.reply))
        : stream.finish(outcome.reply.text, detailsOf(outcome.reply));
    await ending.catch((error: unknown) => this.logFailure(job, 'adapter', error));
  }

  private logFailure(job: InteractionJob, channel: string, error: unknown): void {
    this.logger.warn(
      {
        action: 'deliver',
        channel,
        interaction: job.interactionId,
        community: job.event.communityId,
        err: error,
      },
      'reply delivery failed',
    );
  }
}

/**
 * Whether there is a message to send on the platform: a reply whose text moderation did not
 * empty (a blocked reply without `blocked_reply` sends nothing; its callback still tells).
 */
function hasText(outcome: DeliveryOutcome): outcome is { ok: true; reply: InteractionReply } {
  return outcome.ok && outcome.reply.text !== '';
}

/** What an adapter may show of who answered (see `OutgoingReply.details`). */
function detailsOf(reply: InteractionReply): ReplyDetails {
  return {
    provider: reply.provider,
    model: reply.model,
    mode: reply.mode,
    ...(reply.fallbackReason !== undefined ? { fallbackReason: reply.fallbackReason } : {}),
    ...(reply.blocked !== undefined ? { blocked: reply.blocked } : {}),
  };
}

/** Callbacks being sent from this process at once; more wait their turn in memory. */
const CALLBACKS_IN_FLIGHT = 64;

/** The callback body of an outcome (the WaddleBot router's response shape). */
function callbackBody(job: InteractionJob, outcome: DeliveryOutcome): CallbackBody {
  return {
    interaction_id: job.interactionId,
    session_id: job.sessionId ?? null,
    event_id: job.event.id,
    platform: job.event.platform,
    channel_id: job.event.channelId,
    success: outcome.ok,
    response_action: 'chat',
    response_data: { message: outcome.ok ? outcome.reply.text : '' },
    ...(outcome.ok ? {} : { error: outcome.error }),
    ...(outcome.ok && outcome.reply.blocked ? { blocked: outcome.reply.blocked } : {}),
    processing_time_ms: outcome.ok ? outcome.reply.processingTimeMs : outcome.processingTimeMs,
  };
}
