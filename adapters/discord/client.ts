/**
 * The discord.js `Client` for chatgate, and its connection under the adapter kit's supervision
 * (status, retries with backoff, a refused token given up, the traffic watchdog).
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
import { systemClock } from '../../src/core/adapter-kit/clock.js';
import {
  type ConnectionAttempt,
  SupervisedConnection,
} from '../../src/core/adapter-kit/supervised-connection.js';
import type { DiscordConfig } from './config.js';
import { describeCloseCode, describeLoginError, redact } from './errors.js';

/**
 * Mentions a message of ours may ping: nothing parsed from its text (no @everyone, @here, roles or
 * users), only the author of the message it replies to.
 * https://discord.com/developers/docs/resources/message#allowed-mentions-object
 */
export const SAFE_MENTIONS: MessageMentionOptions = { parse: [], repliedUser: true };

/**
 * The gateway intents chatgate asks for (https://discord.com/developers/docs/events/gateway#gateway-intents):
 * guilds and their channels, guild and DM messages (MESSAGE_CREATE, MESSAGE_DELETE and
 * MESSAGE_DELETE_BULK) and their text (MessageContent, privileged), bans (GuildModeration:
 * GUILD_BAN_ADD, not privileged); GuildMembers (privileged: member joins, and GUILD_MEMBER_UPDATE,
 * which carries timeouts) only when member-join greetings are on.
 */
export function intentsFor(config: Pick<DiscordConfig, 'memberJoinGreetings'>): GatewayIntentBits[] {
  const intents = [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildModeration,
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
 * before the first message. `Partials.Message` makes a deletion of a message no longer in the cache
 * (200 per channel by default) still an event, with its ids. Gateway traffic is plain JSON: discord.js only asks for zlib transport
 * compression when the optional `zlib-sync` package is installed, and chatgate does not install it.
 */
export function createDiscordClient(config: DiscordConfig, sharding: ShardingChoice = 'single'): Client {
  return new Client({
    intents: intentsFor(config),
    partials: [Partials.Channel, Partials.Message],
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
  /** First wait before retrying a start that failed for a passing reason (network, 5xx), ms; grows ×2 with jitter. Default 2000. */
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
  /** How long `stop()` (and a restart) waits for the client's destroy, ms. Default 5 000. */
  stopGraceMs?: number;
  /** The clock, ms since the epoch; `Date.now` by default. */
  now?: () => number;
}

/**
 * One bot connection over discord.js clients: status from the shard events, a bad token or refused
 * intent reported once and not retried, passing failures retried with backoff, and a watchdog that
 * judges health by traffic (dispatches and heartbeat ACKs) rather than by the library's word. One
 * client at a time; a restart destroys it and builds a new one.
 */
export class DiscordConnection {
  private client: Client | undefined;
  /** The last close code of the current attempt's gateway, to explain a failed login. */
  private closeCode: number | undefined;
  private readonly supervisor: SupervisedConnection;

  constructor(
    private readonly config: DiscordConfig,
    private readonly token: string,
    private readonly hooks: ConnectionHooks,
    private readonly options: ConnectionOptions = {},
  ) {
    this.supervisor = new SupervisedConnection(
      {
        connect: (attempt) => this.connect(attempt),
        disconnect: () => this.disconnect(),
        describeFailure: (error) =>
          describeLoginError(error, token, this.closeCode, config.memberJoinGreetings),
      },
      {
        label: 'discord',
        logger: hooks.logger,
        clock: { ...systemClock, now: options.now ?? Date.now },
        backoff: { initialMs: options.retryDelayMs ?? 2000, maxMs: options.retryMaxMs ?? 300_000 },
        startTimeoutMs: options.startWaitMs ?? 30_000,
        stopGraceMs: options.stopGraceMs ?? 5_000,
        watchdog: {
          silenceMs: options.watchdogMs ?? 600_000,
          traffic: 'gateway traffic',
          // discord.js records heartbeat ACKs on the shard without an event.
          heardAt: () =>
            Math.max(-1, ...(this.client?.ws.shards.map((shard) => shard.lastPingTimestamp) ?? [])),
        },
      },
    );
  }

  get status(): AdapterStatus {
    return this.supervisor.status;
  }

  /** Why the connection failed, until it is online again; no token. */
  get error(): string | undefined {
    return this.supervisor.error;
  }

  /** The live client, if any: its REST works while the gateway reconnects. */
  get current(): Client | undefined {
    return this.client;
  }

  /** When the last dispatch or heartbeat ACK arrived, ms since the epoch. */
  lastEventAt(): number | undefined {
    return this.supervisor.lastEventAt;
  }

  /** Logs in; returns when the first attempt has ended or after `startWaitMs`, never throws. */
  start(): Promise<void> {
    return this.supervisor.start();
  }

  /** Destroys the client (closes the gateway with 1000); no retry after this. */
  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  /** A new client, logged in; a rejected login is explained by `describeLoginError`. */
  private async connect(attempt: ConnectionAttempt): Promise<void> {
    this.closeCode = undefined;
    const client = createDiscordClient(this.config, this.options.sharding);
    this.client = client;
    const login = { pending: true };
    this.wire(client, attempt, login);
    this.hooks.attach(client);
    try {
      await client.login(this.token);
    } finally {
      login.pending = false;
    }
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.destroy();
  }

  private wire(client: Client, attempt: ConnectionAttempt, login: { pending: boolean }): void {
    const { logger } = this.hooks;
    client.on('raw', () => {
      if (attempt.current) this.supervisor.trafficSeen();
    });
    client.on(Events.ClientReady, (ready) => {
      if (!attempt.current) return;
      attempt.online();
      this.hooks.ready(ready);
    });
    client.on(Events.ShardReady, () => {
      if (client.isReady()) attempt.online();
    });
    client.on(Events.ShardResume, () => attempt.online());
    client.on(Events.ShardReconnecting, () => attempt.reconnecting());
    client.on(Events.ShardDisconnect, ({ code }) => {
      if (!attempt.current) return;
      this.closeCode = code;
      if (login.pending) return; // login() rejects next, and describeLoginError explains the code
      // discord.js gives up only on the codes Discord documents as final: so do we.
      const message = describeCloseCode(code, this.config.memberJoinGreetings) ?? `gateway closed (${code})`;
      attempt.failed({ message, fatal: true });
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
}
