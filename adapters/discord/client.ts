/**
 * The discord.js `Client` for chatgate, and the connection lifecycle around it: status, retries,
 * watchdog.
 *
 * discord.js does the gateway work itself (https://discord.com/developers/docs/events/gateway):
 * it reads the gateway URL from `GET /gateway/bot` on the REST base, identifies, heartbeats, and
 * resumes or re-identifies after a close, Reconnect (op 7) or Invalid Session (op 9). It gives up
 * only on the close codes Discord documents as final (4004, 4010–4014):
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
 */
import {
  Client,
  Events,
  GatewayIntentBits,
  type MessageMentionOptions,
  Partials,
  RESTEvents,
} from 'discord.js';
import type { Logger } from 'pino';
import type { AdapterStatus } from '../../src/core/adapter.js';
import { settlesWithin } from '../../src/core/settles-within.js';
import type { DiscordConfig } from './config.js';
import { type ConnectionFailure, describeCloseCode, describeLoginError, redact } from './errors.js';

/**
 * Mentions a message of ours may ping: nothing parsed from its text (no @everyone, @here, roles or
 * users), only the author of the message it replies to.
 * https://discord.com/developers/docs/resources/message#allowed-mentions-object
 */
export const SAFE_MENTIONS: MessageMentionOptions = { parse: [], repliedUser: true };

/**
 * The gateway intents chatgate asks for (https://discord.com/developers/docs/events/gateway#gateway-intents):
 * guilds and their channels, guild and DM messages, and their text (MessageContent, privileged);
 * GuildMembers (privileged) only when member-join greetings are on.
 */
export function intentsFor(config: Pick<DiscordConfig, 'memberJoinGreetings'>): GatewayIntentBits[] {
  const intents = [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.MessageContent,
    GatewayIntentBits.DirectMessages,
  ];
  if (config.memberJoinGreetings) intents.push(GatewayIntentBits.GuildMembers);
  return intents;
}

/** How the client is sharded: one shard by default, or Discord's recommendation from `/gateway/bot`. */
export type ShardingChoice = 'single' | 'auto';

/**
 * A discord.js client that talks to `config.apiUrl` (REST base; the gateway URL then comes from its
 * `/gateway/bot`, as on discord.com). `Partials.Channel` lets DMs in: their channel is not cached
 * before the first message. Gateway traffic is plain JSON: discord.js only asks for zlib transport
 * compression when the optional `zlib-sync` package is installed, and chatgate does not install it.
 */
export function createDiscordClient(config: DiscordConfig, sharding: ShardingChoice = 'single'): Client {
  return new Client({
    intents: intentsFor(config),
    partials: [Partials.Channel],
    allowedMentions: SAFE_MENTIONS,
    rest: { api: config.apiUrl.replace(/\/+$/, '') },
    ...(sharding === 'auto' && { shards: 'auto' }),
  });
}

/** A REST rate limit discord.js waited out (it queues and retries by itself). */
export interface RateLimitInfo {
  route: string;
  /** How long discord.js waits before the next call on that route, ms. */
  retryAfterMs: number;
  global: boolean;
}

/** What the adapter plugs into each discord.js client the connection creates. */
export interface ConnectionHooks {
  logger: Logger;
  /** A new client exists (first start, retry, watchdog restart): attach the event listeners. */
  attach(client: Client): void;
  /** The client turned ready: the bot user is known. */
  ready(client: Client<true>): void;
  rateLimited?(info: RateLimitInfo): void;
}

/** Timing of the connection; the defaults suit discord.com. */
export interface ConnectionOptions {
  /** `'auto'`: as many shards as `/gateway/bot` recommends (large bots); default one shard. */
  sharding?: ShardingChoice;
  /** First wait before retrying a start that failed for a passing reason (network, 5xx), ms; doubles. Default 2000. */
  retryDelayMs?: number;
  /** Longest wait between start retries, ms. Default 300 000. */
  retryMaxMs?: number;
  /**
   * Restart a connection that claims to be online but delivered nothing (no dispatch, no heartbeat
   * ACK; Discord asks for a heartbeat about every 41 s) for this long, ms. Default 600 000; 0 is off.
   */
  watchdogMs?: number;
  /** How long `start()` waits for the first login before it returns (the login goes on), ms. Default 30 000. */
  startWaitMs?: number;
  /** The clock, ms since the epoch; `Date.now` by default. */
  now?: () => number;
}

/**
 * One bot connection over discord.js clients: status from the shard events, a bad token or refused
 * intent reported once and not retried, passing failures retried with backoff, and a watchdog that
 * judges health by traffic rather than by the library's word. One client at a time; a restart
 * destroys it and builds a new one.
 */
export class DiscordConnection {
  status: AdapterStatus = 'offline';
  error: string | undefined;
  private client: Client | undefined;
  private lastDispatchAt: number | undefined;
  private closeCode: number | undefined;
  private loggingIn = false;
  private stopped = true;
  private retries = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly config: DiscordConfig,
    private readonly token: string,
    private readonly hooks: ConnectionHooks,
    private readonly options: ConnectionOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The live client, if any: its REST works while the gateway reconnects. */
  get current(): Client | undefined {
    return this.client;
  }

  /** When the last dispatch or heartbeat ACK arrived, ms since the epoch. */
  lastEventAt(): number | undefined {
    const acks = this.client?.ws.shards.map((shard) => shard.lastPingTimestamp) ?? [];
    const last = Math.max(this.lastDispatchAt ?? -1, ...acks);
    return last > 0 ? last : undefined;
  }

  /** Logs in; returns when the first attempt has ended or after `startWaitMs`, never throws. */
  async start(): Promise<void> {
    this.stopped = false;
    const limit = this.options.watchdogMs ?? 600_000;
    if (limit > 0) {
      this.watchdog = setInterval(() => this.checkTraffic(limit), Math.max(50, Math.min(limit / 4, 30_000)));
      this.watchdog.unref();
    }
    await settlesWithin(this.connect('connecting'), this.options.startWaitMs ?? 30_000);
  }

  /** Destroys the client (closes the gateway with 1000); no retry after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    const client = this.client;
    this.client = undefined;
    await client?.destroy();
    this.setStatus('offline', this.error);
  }

  private async connect(status: 'connecting' | 'reconnecting'): Promise<void> {
    this.setStatus(status, this.error);
    this.closeCode = undefined;
    const client = createDiscordClient(this.config, this.options.sharding);
    this.client = client;
    this.wire(client);
    this.hooks.attach(client);
    this.loggingIn = true;
    try {
      await client.login(this.token);
      this.retries = 0;
    } catch (error) {
      if (this.client !== client) return;
      this.client = undefined;
      this.fail(describeLoginError(error, this.token, this.closeCode, this.config.memberJoinGreetings));
    } finally {
      this.loggingIn = false;
    }
  }

  private fail(failure: ConnectionFailure): void {
    if (failure.fatal || this.stopped) {
      this.hooks.logger.error({ error: failure.message }, 'discord: connection failed; not retrying');
      this.setStatus('offline', failure.message);
      return;
    }
    const delay = Math.min(
      (this.options.retryDelayMs ?? 2000) * 2 ** this.retries,
      this.options.retryMaxMs ?? 300_000,
    );
    this.retries++;
    this.hooks.logger.warn(
      { error: failure.message, delayMs: delay },
      'discord: connection failed; retrying',
    );
    this.setStatus('reconnecting', failure.message);
    this.retryTimer = setTimeout(() => void this.connect('reconnecting'), delay);
  }

  private wire(client: Client): void {
    const { logger } = this.hooks;
    const mine = (): boolean => this.client === client;
    client.on('raw', () => {
      if (mine()) this.lastDispatchAt = this.now();
    });
    client.on(Events.ClientReady, (ready) => {
      if (!mine()) return;
      this.setStatus('online');
      this.hooks.ready(ready);
    });
    client.on(Events.ShardReady, () => {
      if (mine() && client.isReady()) this.setStatus('online');
    });
    client.on(Events.ShardResume, () => {
      if (mine()) this.setStatus('online');
    });
    client.on(Events.ShardReconnecting, () => {
      if (mine()) this.setStatus('reconnecting');
    });
    client.on(Events.ShardDisconnect, ({ code }) => {
      if (!mine()) return;
      this.closeCode = code;
      if (this.loggingIn) return; // login() rejects next; connect() reports it
      this.client = undefined;
      void client.destroy();
      const message = describeCloseCode(code, this.config.memberJoinGreetings) ?? `gateway closed (${code})`;
      this.fail({ message, fatal: true });
    });
    client.on(Events.ShardError, (error) => {
      logger.warn({ error: redact(error.message, this.token) }, 'discord: gateway connection error');
    });
    client.on(Events.Error, (error) => {
      logger.error({ error: redact(error.message, this.token) }, 'discord: client error');
    });
    client.on(Events.Warn, (message) =>
      logger.warn({ warning: redact(message, this.token) }, 'discord: warning'),
    );
    client.rest.on(RESTEvents.RateLimited, (info) => {
      const limited = { route: info.route, retryAfterMs: info.retryAfter, global: info.global };
      logger.warn(limited, 'discord: REST rate limited; waiting');
      this.hooks.rateLimited?.(limited);
    });
  }

  private checkTraffic(limitMs: number): void {
    const last = this.lastEventAt();
    if (this.status !== 'online' || this.stopped || last === undefined) return;
    const silentMs = this.now() - last;
    if (silentMs < limitMs) return;
    this.hooks.logger.warn({ silentMs }, 'discord: no gateway traffic; restarting the connection');
    const client = this.client;
    this.client = undefined;
    this.lastDispatchAt = undefined;
    void (async () => {
      await client?.destroy();
      if (!this.stopped) await this.connect('reconnecting');
    })();
  }

  private setStatus(status: AdapterStatus, error?: string): void {
    this.error = error;
    if (status === this.status) return;
    this.status = status;
    this.hooks.logger.info({ status, ...(error && { error }) }, 'discord: connection status');
  }
}
