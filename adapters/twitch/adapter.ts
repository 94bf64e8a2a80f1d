/**
 * The Twitch adapter: chatgate in a streamer's chat over Twitch IRC (tmi.js 1.8.5). It joins the
 * configured channels, hands chat messages and stream events (subs, gifts, raids, cheers) to the
 * router as ChatEvents, and posts replies as threaded replies within Twitch's rate limits.
 *
 * @example
 * const twitch = createTwitchAdapter(config.platforms.twitch);
 * if (twitch) {
 *   delivery.addAdapter(twitch);
 *   await twitch.start(host); // never throws; twitch.state() tells how it went
 * }
 */
import type {
  AdapterHost,
  AdapterState,
  OutgoingReply,
  PlatformAdapter,
  ReplyStream,
} from '../../src/core/adapter.js';
import { type Clock, systemClock } from '../../src/core/adapter-kit/clock.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { TwitchConnection } from './client.js';
import type { TwitchConfig } from './config.js';
import { MASS_GIFT_WINDOW_MS, MassGiftBundles } from './gift-bundles.js';
import { JoinThrottle } from './join-throttle.js';
import { TWITCH_LIMITS, type TwitchLimits } from './limits.js';
import { type TwitchModerationLine, twitchModeration } from './moderation.js';
import { normalizeTwitchEvent, type TwitchInbound } from './normalize.js';
import { OutboundScheduler, type OutboundStats } from './scheduler.js';
import { prepareTwitchParts, privmsgLine } from './send.js';
import { SentenceReply } from './stream.js';
import { channelLogin } from './tags.js';

export type { TwitchConfig } from './config.js';
export type { TwitchLimits } from './limits.js';
export { scaleLimits, TWITCH_LIMITS } from './limits.js';
export type { OutboundStats } from './scheduler.js';

/** Knobs beyond the config, mostly for tests and wiring. All optional. */
export interface TwitchAdapterOptions {
  /** Time source for the scheduler, join throttle and watchdog. Default: the process clock. */
  clock?: Clock;
  /** Overrides of Twitch's limits (tests shorten the windows with `scaleLimits`). */
  limits?: Partial<TwitchLimits>;
  /** tmi.js's first reconnect delay, ms. Default 1 000 (tmi.js's own). */
  reconnectIntervalMs?: number;
  /** How long `stop()` waits for queued messages to go out, ms. Default 5 000. */
  stopGraceMs?: number;
  /** Most outbound messages waiting at once; more are refused (logged, counted). Default 1 000. */
  maxQueued?: number;
  /** How long a mass gift waits for its subgift lines, ms. Default 60 000. */
  massGiftWindowMs?: number;
  /** Called on every status change (offline, connecting, online, reconnecting), e.g. for metrics. */
  onStatus?: (state: AdapterState) => void;
}

/** The Twitch adapter: the PlatformAdapter contract plus run-time channels and outbound counters. */
export interface TwitchAdapter extends PlatformAdapter {
  /** Adds a channel (login, `#` optional): joined now when online (resolves once requested) and after every reconnect. */
  joinChannel(login: string): Promise<void>;
  /** Leaves a channel; replies still waiting for it are given up. */
  partChannel(login: string): Promise<void>;
  /** The channels the adapter is to be in. */
  channels(): string[];
  /** Outbound scheduler counters: queued, sent, varied, refused, given up, longest wait. */
  outboundStats(): OutboundStats;
}

/**
 * Builds the Twitch adapter, or returns `undefined` when `username` or `oauthToken` is unset (the
 * adapter starts only with credentials).
 */
export function createTwitchAdapter(
  config: TwitchConfig,
  options: TwitchAdapterOptions = {},
): TwitchAdapter | undefined {
  if (!config.username || !config.oauthToken) return undefined;
  return new TwitchChatAdapter(config, config.username, config.oauthToken, options);
}

const DEFAULT_STOP_GRACE_MS = 5_000;
const DEFAULT_MAX_QUEUED = 1_000;
/** Event types that are chat messages (PRIVMSG), so that a reply can be threaded under them. */
const THREADED_TYPES: ReadonlySet<string> = new Set(['message', 'cheer']);

class TwitchChatAdapter implements TwitchAdapter {
  readonly platform = 'twitch' as const;
  private readonly botLogin: string;
  private readonly knownBots: ReadonlySet<string>;
  private readonly limits: TwitchLimits;
  private readonly clock: Clock;
  private readonly gifts: MassGiftBundles;
  private connection: TwitchConnection | undefined;
  private scheduler: OutboundScheduler | undefined;
  private host: AdapterHost | undefined;
  private readonly wantedChannels: string[];

  constructor(
    private readonly config: TwitchConfig,
    username: string,
    private readonly token: string,
    private readonly options: TwitchAdapterOptions,
  ) {
    this.botLogin = username.replace(/^@/, '').toLowerCase();
    this.knownBots = new Set(config.knownBots.map((login) => login.toLowerCase()));
    this.limits = { ...TWITCH_LIMITS, ...options.limits };
    this.clock = options.clock ?? systemClock;
    this.gifts = new MassGiftBundles(options.massGiftWindowMs ?? MASS_GIFT_WINDOW_MS);
    this.wantedChannels = config.channels.map(channelLogin);
  }

  state(): AdapterState {
    return this.connection?.state() ?? { platform: 'twitch', status: 'offline' };
  }

  async start(host: AdapterHost): Promise<void> {
    if (this.connection) return;
    this.host = host;
    host.addBotName(this.botLogin);
    const logger = host.logger;
    const connection = new TwitchConnection(
      {
        username: this.botLogin,
        token: this.token,
        ...(this.config.server ? { server: this.config.server } : {}),
        ...(this.config.port ? { port: this.config.port } : {}),
        secure: this.config.secure,
        watchdogMs: this.config.watchdogMs,
        reconnectIntervalMs: this.options.reconnectIntervalMs ?? 1_000,
      },
      this.wantedChannels,
      new JoinThrottle(this.limits, this.clock),
      this.clock,
      logger,
      {
        inbound: (inbound) => this.onInbound(inbound),
        moderation: (line) => this.onModeration(line),
        moderator: (channel, moderator) => this.scheduler?.setModerator(channel, moderator),
        ready: () => this.scheduler?.wake(),
        status: (state) => this.options.onStatus?.(state),
      },
    );
    this.scheduler = new OutboundScheduler({
      transmit: (message) =>
        connection.transmit(privmsgLine(message.channel, message.text, message.replyParentId)),
      canSend: (channel) => connection.canSend(channel),
      limits: this.limits,
      clock: this.clock,
      maxQueued: this.options.maxQueued ?? DEFAULT_MAX_QUEUED,
      logger,
    });
    this.connection = connection;
    await connection.start();
  }

  /**
   * Queues the reply (at most `maxReplyParts` messages, threaded under the event when it is a chat
   * message or cheer); resolves once they are queued.
   * Throws when the scheduler refuses them (full, stopping) or the channel is not one of ours.
   * A message given up later (at shutdown) is logged and counted.
   */
  async send(reply: OutgoingReply): Promise<void> {
    await this.submit(reply.event, reply.text, this.config.maxReplyParts);
  }

  /** Long answers go out in whole sentences as they are written, the rest at the end (stream.ts). */
  openStream(event: ChatEvent): ReplyStream {
    return new SentenceReply({
      submit: (text, maxParts) => this.submit(event, text, maxParts),
      maxParts: this.config.maxReplyParts,
      warn: (error) =>
        this.host?.logger.warn({ event: event.id, err: error }, 'twitch reply part not queued'),
    });
  }

  /** `send` with `maxParts` messages at most. */
  private async submit(event: ChatEvent, text: string, maxParts: number): Promise<void> {
    const scheduler = this.scheduler;
    const connection = this.connection;
    if (!scheduler || !connection) throw new Error('the Twitch adapter is not started');
    if (event.platform !== 'twitch') throw new Error(`not a Twitch event: ${event.platform}`);
    const channel = channelLogin(event.channelId);
    if (!this.wantedChannels.includes(channel)) throw new Error(`not in Twitch channel #${channel}`);
    const parts = prepareTwitchParts(text, maxParts);
    if (parts.length === 0) {
      this.host?.logger.debug({ event: event.id }, 'twitch reply empty after neutralizing; not sent');
      return;
    }
    // Threads only under chat messages (PRIVMSG ids); a sub or raid notice is thanked in plain chat.
    const replyParentId = THREADED_TYPES.has(event.type) ? event.messageId : undefined;
    const sent = scheduler.submitAll(
      parts.map((text) => ({ channel, text, ...(replyParentId ? { replyParentId } : {}) })),
    );
    for (const delivery of sent) {
      delivery.catch((error: unknown) =>
        this.host?.logger.warn({ event: event.id, err: error }, 'twitch reply not sent'),
      );
    }
  }

  async stop(): Promise<void> {
    await this.scheduler?.drain(this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
    await this.connection?.stop();
    this.connection = undefined;
    this.scheduler = undefined;
  }

  async joinChannel(login: string): Promise<void> {
    const channel = channelLogin(login);
    if (!this.wantedChannels.includes(channel)) this.wantedChannels.push(channel);
    this.connection?.join(channel);
  }

  async partChannel(login: string): Promise<void> {
    const channel = channelLogin(login);
    const index = this.wantedChannels.indexOf(channel);
    if (index >= 0) this.wantedChannels.splice(index, 1);
    this.scheduler?.forget(channel);
    await this.connection?.part(channel);
  }

  channels(): string[] {
    return [...this.wantedChannels];
  }

  outboundStats(): OutboundStats {
    return this.scheduler?.stats() ?? { queued: 0, sent: 0, varied: 0, refused: 0, givenUp: 0, maxWaitMs: 0 };
  }

  /** Reports a ban, timeout or deleted message to chatgate; a line that cannot be placed is logged. */
  private onModeration(line: TwitchModerationLine): void {
    const host = this.host;
    const connection = this.connection;
    if (!host || !connection) return;
    const action = twitchModeration(line, (channel) => connection.roomIdOf(channel));
    if (!action) {
      host.logger.debug({ tmiEvent: line.event, channel: line.channel }, 'twitch moderation line not placed');
      return;
    }
    host
      .moderated(action)
      .catch((error: unknown) =>
        host.logger.warn({ err: error, kind: action.kind }, 'moderation not reported'),
      );
  }

  private onInbound(inbound: TwitchInbound): void {
    const host = this.host;
    const connection = this.connection;
    if (!host || !connection) return;
    const now = this.clock.now();
    const event = normalizeTwitchEvent(inbound, {
      botLogin: this.botLogin,
      knownBots: this.knownBots,
      roomIdOf: (channel) => connection.roomIdOf(channel),
      now,
    });
    if (!event) {
      host.logger.debug({ tmiEvent: inbound.event, channel: inbound.channel }, 'twitch line not an event');
      return;
    }
    if (!this.gifts.admit(event, inbound.tags, now)) {
      host.logger.debug({ event: event.id }, 'twitch subgift is part of a mass gift; thanked once');
      return;
    }
    host
      .ingest(event)
      .catch((error: unknown) => host.logger.warn({ event: event.id, err: error }, 'ingest failed'));
  }
}
