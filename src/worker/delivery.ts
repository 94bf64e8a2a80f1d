import type { OutgoingReply, PlatformAdapter } from '../core/adapter.js';
import type { ChatEvent, Platform } from '../core/chat-event.js';
import type { Logger } from '../observability/logger.js';
import type { InteractionJob } from '../queue/interaction-queue.js';
import type { InteractionReply } from '../stores/interaction-log.js';
import type { CallbackSender } from './callback.js';

/** The outcome to deliver: a reply, or why there is none. */
export type DeliveryOutcome =
  | { ok: true; reply: InteractionReply }
  | { ok: false; error: string; processingTimeMs: number };

/**
 * Hands finished interactions to whoever waits for them: the adapter that owns the platform
 * (Twitch, Telegram, Discord), and the caller's callback URL (or the default `ROUTER_RESPONSE_URL`)
 * for events that came over HTTP. Failures are logged, never thrown: the reply stays readable at
 * `GET /api/v1/ai/interaction/:id`.
 */
export class ReplyDelivery {
  private readonly adapters = new Map<Platform, PlatformAdapter>();

  constructor(
    private readonly callbacks: CallbackSender,
    private readonly logger: Logger,
    private readonly defaultCallbackUrl?: string,
  ) {}

  /** Registers the adapter that sends replies for its platform. */
  addAdapter(adapter: PlatformAdapter): void {
    this.adapters.set(adapter.platform, adapter);
  }

  /** The registered adapters, for status. */
  platformAdapters(): PlatformAdapter[] {
    return [...this.adapters.values()];
  }

  /** Shows "typing…" on the event's platform while the reply is made; returns the stop function. */
  typing(event: ChatEvent): () => void {
    return this.adapters.get(event.platform)?.typing?.(event) ?? (() => {});
  }

  async deliver(job: InteractionJob, outcome: DeliveryOutcome, signal?: AbortSignal): Promise<void> {
    const adapter = this.adapters.get(job.event.platform);
    if (adapter && outcome.ok) {
      const reply: OutgoingReply = { event: job.event, text: outcome.reply.text };
      await adapter.send(reply).catch((error: unknown) => this.logFailure(job, 'adapter', error));
    }
    const url = job.callbackUrl ?? (adapter ? undefined : this.defaultCallbackUrl);
    if (!url) return;
    await this.callbacks
      .send(
        url,
        {
          interaction_id: job.interactionId,
          session_id: job.sessionId ?? null,
          event_id: job.event.id,
          platform: job.event.platform,
          channel_id: job.event.channelId,
          success: outcome.ok,
          response_action: 'chat',
          response_data: { message: outcome.ok ? outcome.reply.text : '' },
          ...(outcome.ok ? {} : { error: outcome.error }),
          processing_time_ms: outcome.ok ? outcome.reply.processingTimeMs : outcome.processingTimeMs,
        },
        signal,
      )
      .catch((error: unknown) => this.logFailure(job, 'callback', error));
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
