/**
 * The Twitch adapter on EventSub + Helix, the way Twitch wants chat bots now
 * (https://dev.twitch.tv/docs/chat/, the IRC migration guide): chat is read from EventSub
 * (`channel.chat.message`, `channel.chat.notification`) over the WebSocket (session.ts) or, for
 * several instances, over webhooks (webhook.ts, webhook-subscriber.ts), and sent with `POST
 * /helix/chat/messages`, as the app when the client credentials allow (the Chat Bot badge), else
 * as the bot user. It implements the same TwitchAdapter contract as the IRC transport
 * (adapters/twitch/adapter.ts), so the channel routes and the rest of chatgate do not care which
 * one runs.
 *
 * Library choice: twurple (`@twurple/api`, `@twurple/eventsub-ws`) was considered and left out:
 * `@twurple/api-call` hardcodes `https://api.twitch.tv/helix/` and `https://id.twitch.tv/oauth2/`
 * (only a localhost `mockServerPort` override), so `TWITCH_API_URL` / `TWITCH_AUTH_URL` could not
 * point it at a relay or at our fake. Instead: a small Helix client on undici (helix.ts, tokens.ts)
 * and the EventSub socket on `ws` (session.ts).
 *
 * Outbound messages go through the IRC transport's scheduler (Twitch's chat limits, which apply to
 * the Helix endpoint alike: 20 or 100 per 30 s, ~1 s per channel, no duplicate within 30 s); the
 * bot's moderator status per channel is learned from the badges on its own messages, which
 * EventSub delivers like anyone's. `is_sent: false` is logged with its `drop_reason` and counted,
 * never retried.
 *
 * Channel-point redemptions, cheers and follows need the broadcaster's grant (authorization.ts):
 * over the WebSocket each granted channel gets a session of its own (broadcaster-sessions.ts);
 * over webhooks the app token subscribes them. The bot's newest refresh token and the
 * broadcasters' grants live in the platform grant store (the `grants` port).
 */
import type { AdapterHost, AdapterState, OutgoingReply, ReplyStream } from '../../../src/core/adapter.js';
import { type Clock, systemClock } from '../../../src/core/adapter-kit/clock.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import type { PlatformRequest, PlatformResponse } from '../../../src/core/platform.js';
import type { TwitchAdapter } from '../adapter.js';
import { MASS_GIFT_WINDOW_MS, MassGiftBundles } from '../gift-bundles.js';
import { TWITCH_LIMITS } from '../limits.js';
import { OutboundScheduler, type OutboundStats } from '../scheduler.js';
import { prepareTwitchParts } from '../send.js';
import { SentenceReply } from '../stream.js';
import { channelLogin } from '../tags.js';
import { BroadcasterAuthorization } from './authorization.js';
import { botTokenKeeper } from './bot-token-keeper.js';
import { BroadcasterSessions } from './broadcaster-sessions.js';
import { CHANNEL_EVENT_TYPES, CheerPairs, normalizeChannelEvent } from './channel-events.js';
import { ChannelSubscriptions } from './channel-subscriptions.js';
import { ChatSender, type ChatSendStats } from './chat-sender.js';
import { type EventSubTransport, HelixClient } from './helix.js';
import { eventSubModeration, MODERATION_TYPES } from './moderation.js';
import {
  type EventSubEvent,
  giftBundleTags,
  isModeratorByBadges,
  normalizeChatMessage,
  normalizeChatNotification,
} from './normalize.js';
import { type EventSubNotification, EventSubSession } from './session.js';
import type { EventSubAdapterOptions, EventSubSettings } from './settings.js';
import { TwitchAuthError, TwitchTokens } from './tokens.js';
import { WebhookReceiver, type WebhookRefusal } from './webhook.js';
import { WebhookSubscriber } from './webhook-subscriber.js';

export type { EventSubAdapterOptions, EventSubSettings } from './settings.js';

const DEFAULT_STOP_GRACE_MS = 5_000;
const DEFAULT_MAX_QUEUED = 1_000;
/** Event types that are chat messages, so that a reply can be threaded under them. */
const THREADED_TYPES: ReadonlySet<string> = new Set(['message', 'cheer']);

export type { ChatSendStats } from './chat-sender.js';

/** The EventSub adapter: the TwitchAdapter contract, its send counters, and its webhook receiver. */
export interface EventSubAdapter extends TwitchAdapter {
  chatSendStats(): ChatSendStats;
  /**
   * Answers one delivery to `/webhooks/twitch/eventsub` (see webhook.ts): 404 `not_configured`
   * unless the webhook transport is configured.
   */
  receiveWebhook(request: PlatformRequest): PlatformResponse;
  /** Broadcasters' grants: the authorization code flow and handed-over refresh tokens. */
  authorization(): BroadcasterAuthorization;
}

/** Builds the EventSub adapter. Nothing connects before `start`. */
export function createEventSubAdapter(
  settings: EventSubSettings,
  options: EventSubAdapterOptions = {},
): EventSubAdapter {
  return new EventSubTwitchAdapter(settings, options);
}

class EventSubTwitchAdapter implements EventSubAdapter {
  readonly platform = 'twitch' as const;
  private readonly clock: Clock;
  private readonly tokens: TwitchTokens;
  private readonly helix: HelixClient;
  private readonly knownBots: ReadonlySet<string>;
  private readonly gifts: MassGiftBundles;
  private readonly wanted: string[];
  private readonly subscriptions: ChannelSubscriptions;
  private readonly sender: ChatSender;
  private readonly broadcasterSessions: BroadcasterSessions;
  private readonly grantFlow: BroadcasterAuthorization;
  private readonly cheers = new CheerPairs();
  private appTokenUsable = true;
  private botLogin = '';
  private host: AdapterHost | undefined;
  /** The WebSocket session, or the webhook subscriptions. */
  private reader: EventSubSession | WebhookSubscriber | undefined;
  private readonly receiver: WebhookReceiver | undefined;
  private scheduler: OutboundScheduler | undefined;

  constructor(
    private readonly settings: EventSubSettings,
    private readonly options: EventSubAdapterOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.tokens = new TwitchTokens({
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      refreshToken: settings.refreshToken,
      authUrl: settings.authUrl,
      ...(settings.grants?.writable && {
        keeper: botTokenKeeper(settings.grants, settings.botUserId, () => this.host?.logger),
      }),
    });
    this.helix = new HelixClient({
      apiUrl: settings.apiUrl,
      clientId: settings.clientId,
      tokens: this.tokens,
      clock: this.clock,
      ...(options.rateLimited && { onRateLimited: options.rateLimited }),
    });
    this.subscriptions = new ChannelSubscriptions(this.helix, settings.botUserId, () => this.host?.logger);
    this.sender = new ChatSender({
      helix: this.helix,
      senderId: settings.botUserId,
      logger: () => this.host?.logger,
      appTokenUsable: () => this.appTokenUsable,
      ...(options.messageDropped && { dropped: options.messageDropped }),
    });
    const credentials = {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      authUrl: settings.authUrl,
    };
    this.broadcasterSessions = new BroadcasterSessions({
      helix: this.helix,
      grants: settings.grants,
      credentials,
      url: settings.eventsubWsUrl,
      logger: () => this.host?.logger,
      clock: this.clock,
      backoff: options.backoff ?? { initialMs: 1_000, maxMs: 60_000 },
      keepaliveMarginMs: options.keepaliveMarginMs ?? 5_000,
      notification: (notification) => this.onNotification(notification),
      revocation: (subscription) => this.onRevocation(subscription),
    });
    this.grantFlow = new BroadcasterAuthorization({
      credentials,
      redirectUrl: settings.redirectUrl,
      helix: this.helix,
      grants: settings.grants,
      now: () => this.clock.now(),
      granted: (broadcaster) => void this.onGranted(broadcaster.login),
      // Over webhooks the app's subscriptions stay until Twitch revokes them with the grant.
      revoked: (broadcaster) => void this.broadcasterSessions.stop(broadcaster.id),
    });
    this.knownBots = new Set(settings.knownBots.map((login) => login.toLowerCase()));
    this.gifts = new MassGiftBundles(options.massGiftWindowMs ?? MASS_GIFT_WINDOW_MS);
    this.wanted = [...new Set(settings.channels.map(channelLogin))];
    const webhook = settings.webhook;
    if (webhook) {
      this.receiver = new WebhookReceiver({
        secret: webhook.secret,
        now: () => this.clock.now(),
        deliver: (delivery) => {
          if (this.reader instanceof WebhookSubscriber) this.reader.trafficSeen();
          if (delivery.kind === 'notification') this.onNotification(delivery);
          else this.onRevocation(delivery.subscription);
        },
        refused: (reason, messageId) => this.onRefusedDelivery(reason, messageId),
      });
    }
  }

  state(): AdapterState {
    return { platform: 'twitch', ...(this.reader?.state() ?? { status: 'offline' }) };
  }

  async start(host: AdapterHost): Promise<void> {
    if (this.reader) return;
    this.host = host;
    const logger = host.logger;
    this.scheduler = new OutboundScheduler({
      transmit: (message) => {
        const broadcaster = this.subscriptions.broadcaster(message.channel);
        if (!broadcaster) throw new Error(`#${message.channel} is not resolved`);
        this.sender.transmit(message, broadcaster.id);
      },
      canSend: (channel) =>
        (this.reader?.online() ?? false) && this.subscriptions.broadcaster(channel) !== undefined,
      limits: { ...TWITCH_LIMITS, ...this.options.limits },
      clock: this.clock,
      maxQueued: this.options.maxQueued ?? DEFAULT_MAX_QUEUED,
      logger,
    });
    const backoff = this.options.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
    const status = (state: Omit<AdapterState, 'platform'>): void => {
      if (state.status === 'online') this.scheduler?.wake();
      this.options.onStatus?.({ platform: 'twitch', ...state });
    };
    const webhook = this.settings.webhook;
    this.reader = webhook
      ? new WebhookSubscriber({
          logger,
          clock: this.clock,
          backoff,
          subscribe: () =>
            this.onWelcome({ method: 'webhook', callback: webhook.callbackUrl, secret: webhook.secret }),
          status,
        })
      : new EventSubSession(
          {
            url: this.settings.eventsubWsUrl,
            logger,
            clock: this.clock,
            backoff,
            keepaliveMarginMs: this.options.keepaliveMarginMs ?? 5_000,
            startTimeoutMs: 30_000,
          },
          {
            welcome: (sessionId) => this.onWelcome({ method: 'websocket', session_id: sessionId }),
            notification: (notification) => this.onNotification(notification),
            revocation: (subscription) => this.onRevocation(subscription),
            status,
          },
        );
    await this.reader.start();
  }

  /**
   * Queues the reply (at most `maxReplyParts` messages, threaded under a chat message or cheer);
   * resolves once queued. Throws when the scheduler refuses them or the channel is not one of ours.
   */
  async send(reply: OutgoingReply): Promise<void> {
    await this.submit(reply.event, reply.text, this.settings.maxReplyParts);
  }

  /**
   * A long answer in whole sentences as the model writes it, the rest at its end (`SentenceReply`,
   * as on IRC: Twitch cannot edit a message).
   */
  openStream(event: ChatEvent): ReplyStream {
    return new SentenceReply({
      submit: (text, maxParts) => this.submit(event, text, maxParts),
      maxParts: this.settings.maxReplyParts,
      warn: (error) =>
        this.host?.logger.warn({ event: event.id, err: error }, 'twitch reply part not queued'),
    });
  }

  /** `send` with `maxParts` messages at most. */
  private async submit(event: ChatEvent, text: string, maxParts: number): Promise<void> {
    const scheduler = this.scheduler;
    if (!scheduler) throw new Error('the Twitch adapter is not started');
    if (event.platform !== 'twitch') throw new Error(`not a Twitch event: ${event.platform}`);
    const channel = channelLogin(event.channelId);
    if (!this.wanted.includes(channel)) throw new Error(`not in Twitch channel #${channel}`);
    const parts = prepareTwitchParts(text, maxParts);
    if (parts.length === 0) return;
    const replyParentId = THREADED_TYPES.has(event.type) ? event.messageId : undefined;
    const queued = scheduler.submitAll(
      parts.map((text) => ({ channel, text, ...(replyParentId ? { replyParentId } : {}) })),
    );
    for (const delivery of queued) {
      delivery.catch((error: unknown) =>
        this.host?.logger.warn({ event: event.id, err: error }, 'twitch reply not sent'),
      );
    }
  }

  async stop(): Promise<void> {
    await this.scheduler?.drain(this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
    await this.sender.settled();
    await this.broadcasterSessions.stopAll();
    await this.reader?.stop();
    this.reader = undefined;
    this.scheduler = undefined;
  }

  async joinChannel(login: string): Promise<void> {
    const channel = channelLogin(login);
    if (!this.wanted.includes(channel)) this.wanted.push(channel);
    const transport = this.transport();
    if (!transport || !this.reader?.online()) return; // subscribed when (re)connected
    try {
      await this.subscriptions.subscribe([channel], transport);
      this.scheduler?.wake();
      this.ensureBroadcasters([channel]);
    } catch (error: unknown) {
      // Helix unreachable or the token refused: the channel stays wanted for the next session.
      this.host?.logger.warn(
        { channel, err: String(error) },
        'twitch eventsub: channel not subscribed now; will be on the next session',
      );
    }
  }

  async partChannel(login: string): Promise<void> {
    const channel = channelLogin(login);
    const index = this.wanted.indexOf(channel);
    if (index >= 0) this.wanted.splice(index, 1);
    this.scheduler?.forget(channel);
    const broadcaster = this.subscriptions.broadcaster(channel);
    if (broadcaster) await this.broadcasterSessions.stop(broadcaster.id);
    await this.subscriptions.unsubscribe(channel, this.settings.webhook ? 'webhook' : 'websocket');
  }

  channels(): string[] {
    return [...this.wanted];
  }

  outboundStats(): OutboundStats {
    return this.scheduler?.stats() ?? { queued: 0, sent: 0, varied: 0, refused: 0, givenUp: 0, maxWaitMs: 0 };
  }

  chatSendStats(): ChatSendStats {
    return this.sender.stats();
  }

  receiveWebhook(request: PlatformRequest): PlatformResponse {
    if (!this.receiver || !this.reader) {
      return {
        status: 404,
        error: { code: 'not_configured', detail: 'the Twitch EventSub webhook transport is not configured' },
      };
    }
    return this.receiver.receive(request);
  }

  authorization(): BroadcasterAuthorization {
    return this.grantFlow;
  }

  /**
   * Over the WebSocket: the broadcaster sessions of `logins` (resolved ones), started in the
   * background; each reports a missing grant itself.
   */
  private ensureBroadcasters(logins: readonly string[]): void {
    if (this.settings.webhook || !this.reader) return;
    for (const login of logins) {
      const broadcaster = this.subscriptions.broadcaster(login);
      if (broadcaster) void this.broadcasterSessions.ensure(broadcaster);
    }
  }

  /** A broadcaster granted chatgate: their channel's events are subscribed now, if it is ours. */
  private async onGranted(login: string): Promise<void> {
    const channel = channelLogin(login);
    if (!this.wanted.includes(channel) || !this.reader) return;
    const broadcaster = this.subscriptions.broadcaster(channel);
    if (!broadcaster) return;
    if (!this.settings.webhook) {
      await this.broadcasterSessions.renew(broadcaster);
      return;
    }
    const transport = this.transport();
    if (!transport) return;
    await this.subscriptions
      .subscribe([channel], transport)
      .catch((error: unknown) =>
        this.host?.logger.warn(
          { channel, err: String(error) },
          'twitch eventsub: channel events not subscribed now',
        ),
      );
  }

  /** Where new subscriptions go now: the webhook, or the live WebSocket session. */
  private transport(): EventSubTransport | undefined {
    const webhook = this.settings.webhook;
    if (webhook) return { method: 'webhook', callback: webhook.callbackUrl, secret: webhook.secret };
    const sessionId = this.reader instanceof EventSubSession ? this.reader.sessionId() : undefined;
    return sessionId ? { method: 'websocket', session_id: sessionId } : undefined;
  }

  /**
   * A fresh WebSocket session (or the webhook transport starting): learn the bot's login once,
   * then subscribe every wanted channel.
   */
  private async onWelcome(transport: EventSubTransport): Promise<void> {
    if (this.botLogin === '') {
      const [bot] = await this.helix.usersById([this.settings.botUserId]);
      if (!bot) {
        throw new TwitchAuthError(
          `Get Users knows no user ${this.settings.botUserId} (TWITCH_BOT_USER_ID)`,
          404,
          true,
        );
      }
      this.botLogin = bot.login;
      this.host?.addBotName(bot.login);
    }
    // The app token is optional: without it, everything is sent as the bot user.
    await this.tokens.current('app').catch((error: unknown) => {
      this.appTokenUsable = false;
      this.host?.logger.warn({ err: String(error) }, 'twitch: no app access token; sending as the bot user');
    });
    this.subscriptions.reset();
    await this.subscriptions.subscribe(this.wanted, transport);
    this.scheduler?.wake();
    this.ensureBroadcasters(this.wanted);
  }

  private onRevocation(subscription: Record<string, unknown>): void {
    this.host?.logger.warn(
      { type: subscription.type, status: subscription.status, condition: subscription.condition },
      'twitch eventsub: subscription revoked by Twitch',
    );
  }

  /** A webhook delivery refused or dropped: one log line, without its body. */
  private onRefusedDelivery(reason: WebhookRefusal, messageId: string | undefined): void {
    const logger = this.host?.logger;
    if (reason === 'duplicate')
      logger?.debug({ messageId }, 'twitch eventsub webhook: delivery seen before; dropped');
    else logger?.warn({ reason, messageId }, 'twitch eventsub webhook: delivery refused');
  }

  private onNotification(notification: EventSubNotification): void {
    const host = this.host;
    if (!host) return;
    const context = { botLogin: this.botLogin, knownBots: this.knownBots, now: this.clock.now() };
    const { event } = notification;
    let chatEvent: ReturnType<typeof normalizeChatMessage>;
    if (notification.type === 'channel.chat.message') {
      if (event.chatter_user_id === this.settings.botUserId) this.noteOwnBadges(event);
      chatEvent = normalizeChatMessage(event, context);
    } else if (notification.type === 'channel.chat.notification') {
      chatEvent = normalizeChatNotification(event, context);
      if (chatEvent && !this.gifts.admit(chatEvent, giftBundleTags(event), context.now)) {
        host.logger.debug({ event: chatEvent.id }, 'twitch subgift is part of a mass gift; thanked once');
        return;
      }
    } else if (CHANNEL_EVENT_TYPES.has(notification.type)) {
      chatEvent = normalizeChannelEvent(notification.type, notification.messageId, event, context);
    } else if (MODERATION_TYPES.has(notification.type)) {
      this.onModeration(notification);
      return;
    } else {
      host.logger.debug({ type: notification.type }, 'twitch eventsub: notification type not handled');
      return;
    }
    if (!chatEvent) {
      host.logger.debug({ type: notification.type }, 'twitch eventsub: notification not an event');
      return;
    }
    // A subscription left over from a part it outlived (webhook ones survive restarts, and a 409
    // on the next start tells no id to delete) still delivers: a channel not ours is not answered.
    if (!this.wanted.includes(chatEvent.channelId)) {
      host.logger.debug(
        { channel: chatEvent.channelId },
        'twitch eventsub: event of a channel not joined; dropped',
      );
      return;
    }
    if (!this.cheers.admit(chatEvent, notification.type, context.now)) {
      host.logger.debug(
        { event: chatEvent.id },
        'twitch cheer seen as chat and as channel.cheer; answered once',
      );
      return;
    }
    host
      .ingest(chatEvent)
      .catch((error: unknown) => host.logger.warn({ event: chatEvent.id, err: error }, 'ingest failed'));
  }

  /** Reports a ban, timeout or deleted message to chatgate; one that cannot be placed is logged. */
  private onModeration(notification: EventSubNotification): void {
    const host = this.host;
    if (!host) return;
    const action = eventSubModeration(notification.type, notification.event);
    if (!action) {
      host.logger.debug({ type: notification.type }, 'twitch eventsub: moderation event not placed');
      return;
    }
    host
      .moderated(action)
      .catch((error: unknown) =>
        host.logger.warn({ err: error, kind: action.kind }, 'moderation not reported'),
      );
  }

  /** The bot's own message: its badges tell whether it moderates the channel (100 messages / 30 s). */
  private noteOwnBadges(event: EventSubEvent): void {
    const login =
      typeof event.broadcaster_user_login === 'string' ? channelLogin(event.broadcaster_user_login) : '';
    if (login !== '') this.scheduler?.setModerator(login, isModeratorByBadges(event));
  }
}
