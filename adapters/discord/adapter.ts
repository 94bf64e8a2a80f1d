/**
 * The Discord adapter: the bot in servers and DMs over discord.js (issue 7). It hands guild and DM
 * messages and, when greetings are on, member joins to the router; replies as a reply to the
 * message, in the same channel or thread, with mentions locked down; shows typing while a reply is
 * produced; reports bans, timeouts and deleted messages to chatgate (moderation.ts). Configuration:
 * `platforms.discord` (`DISCORD_TOKEN`, `DISCORD_API_URL`, `DISCORD_ALLOWED_CHANNELS`,
 * `DISCORD_ALLOWED_ROLES`, `DISCORD_MODERATOR_ROLE_IDS`, `DISCORD_VIP_ROLE_IDS`,
 * `DISCORD_SUBSCRIBER_ROLE_IDS`).
 *
 * @example
 * const adapter = createDiscordAdapter(config.platforms.discord);
 * if (adapter) await adapter.start(host);
 */
import { type Client, DiscordAPIError, Events, type GuildMember, HTTPError, type Message } from 'discord.js';
import type {
  AdapterHost,
  AdapterState,
  OutgoingReply,
  PlatformAdapter,
  PlatformModeration,
  ReplyStream,
} from '../../src/core/adapter.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { ChatgateError } from '../../src/core/errors.js';
import { type AllowLists, allowListsOf, memberJoinAllowed, messageAllowed } from './allow-list.js';
import { type ConnectionOptions, DiscordConnection, type RateLimitInfo } from './client.js';
import type { DiscordConfig } from './config.js';
import { redact } from './errors.js';
import { banModeration, deletionModeration, timeoutModeration } from './moderation.js';
import { normalizeMemberJoin, normalizeMessage } from './normalize.js';
import { type RoleIds, roleIdsOf } from './roles.js';
import { keepTyping, postReply, TYPING_INTERVAL_MS, targetOf } from './send.js';
import { DiscordReplyStream } from './stream.js';

export type { RateLimitInfo } from './client.js';
export type { DiscordConfig } from './config.js';

/** Knobs the config file does not carry (yet); the defaults suit discord.com. */
export interface DiscordAdapterOptions extends ConnectionOptions {
  /** Most messages one reply becomes, 2000 characters each; the last one ends with '…' when cut. Default 5. */
  maxReplyParts?: number;
  /** How often typing is renewed, ms; default 8000 (Discord shows it for about 10 s). */
  typingIntervalMs?: number;
  /** Least time between two calls of a streamed reply (its post and edits), ms. Default 1000. */
  streamIntervalMs?: number;
  /** Called for each REST rate limit discord.js waits out (for a metrics counter); it is also logged. */
  onRateLimited?(info: RateLimitInfo): void;
}

/**
 * The Discord adapter for `config`, or `undefined` when `config.token` is unset (the adapter then
 * does not start).
 *
 * @param config `platforms.discord`: token, REST base (`apiUrl`; the gateway URL comes from its
 *   `/gateway/bot`), allow lists, member-join greetings.
 * @param options sharding (`'auto'` follows Discord's recommended shard count), retry and watchdog
 *   timing, reply parts, typing interval, a rate-limit hook.
 */
export function createDiscordAdapter(
  config: DiscordConfig,
  options: DiscordAdapterOptions = {},
): PlatformAdapter | undefined {
  if (!config.token) return undefined;
  return new DiscordAdapter(config, config.token, options);
}

class DiscordAdapter implements PlatformAdapter {
  readonly platform = 'discord' as const;
  private connection: DiscordConnection | undefined;
  private host: AdapterHost | undefined;
  private readonly lists: AllowLists;
  private readonly roleIds: RoleIds;
  private readonly typers = new Set<() => void>();
  private readonly now: () => number;

  constructor(
    private readonly config: DiscordConfig,
    private readonly token: string,
    private readonly options: DiscordAdapterOptions,
  ) {
    this.lists = allowListsOf(config);
    this.roleIds = roleIdsOf(config);
    this.now = options.now ?? Date.now;
  }

  state(): AdapterState {
    const lastEventAt = this.connection?.lastEventAt();
    const error = this.connection?.error;
    return {
      platform: 'discord',
      status: this.connection?.status ?? 'offline',
      ...(lastEventAt !== undefined && { lastEventAt }),
      ...(error !== undefined && { error }),
    };
  }

  async start(host: AdapterHost): Promise<void> {
    await this.connection?.stop();
    this.host = host;
    const hooks = {
      logger: host.logger,
      attach: (client: Client) => this.attach(client, host),
      ready: (client: Client<true>) => {
        host.addBotName(client.user.username);
        if (client.user.globalName) host.addBotName(client.user.globalName);
      },
      ...(this.options.onRateLimited && { rateLimited: this.options.onRateLimited }),
    };
    this.connection = new DiscordConnection(this.config, this.token, hooks, this.options);
    await this.connection.start();
  }

  async send(reply: OutgoingReply): Promise<void> {
    const client = this.connection?.current;
    if (!client) throw notConnected();
    try {
      await postReply(client.rest, reply, this.options.maxReplyParts ?? 5);
    } catch (error) {
      throw this.refused(error);
    }
  }

  typing(event: ChatEvent): () => void {
    const client = this.connection?.current;
    if (!client) return () => {};
    const interval = this.options.typingIntervalMs ?? TYPING_INTERVAL_MS;
    const stop = keepTyping(client.rest, targetOf(event), interval, (error) => {
      const reason = redact(error instanceof Error ? error.message : String(error), this.token);
      this.host?.logger.debug({ eventId: event.id, error: reason }, 'discord: typing failed');
    });
    const done = (): void => {
      stop();
      this.typers.delete(done);
    };
    this.typers.add(done);
    return done;
  }

  /** The reply posted with its first chunk, then edited as it grows (stream.ts). */
  openStream(event: ChatEvent): ReplyStream {
    return new DiscordReplyStream(event, {
      rest: () => {
        const client = this.connection?.current;
        if (!client) throw notConnected();
        return client.rest;
      },
      intervalMs: this.options.streamIntervalMs ?? 1000,
      maxParts: this.options.maxReplyParts ?? 5,
      refused: (error) => this.refused(error),
      warn: (error, message) => this.host?.logger.warn({ eventId: event.id, error: error.message }, message),
    });
  }

  async stop(): Promise<void> {
    for (const done of [...this.typers]) done();
    await this.connection?.stop();
  }

  /** Listens to what becomes events or moderation actions on a (new) client. */
  private attach(client: Client, host: AdapterHost): void {
    client.on(Events.MessageCreate, (message) => this.onMessage(client, host, message));
    if (this.config.memberJoinGreetings) {
      client.on(Events.GuildMemberAdd, (member) => this.onMemberJoin(host, member));
    }
    client.on(Events.GuildBanAdd, (ban) => this.report(host, banModeration(ban)));
    client.on(Events.MessageDelete, (message) => this.report(host, deletionModeration(message)));
    client.on(Events.MessageBulkDelete, (messages) => {
      for (const message of messages.values()) this.report(host, deletionModeration(message));
    });
    // GUILD_MEMBER_UPDATE (GuildMembers intent): an update of a cached member, or of one not cached.
    // A timeout's end is wall-clock time, so it is measured against Date.now, not the adapter's clock.
    client.on(Events.GuildMemberUpdate, (previous, member) =>
      this.report(host, timeoutModeration(previous, member, Date.now())),
    );
    client.on(Events.GuildMemberAvailable, (member) => {
      if (!member.partial) this.report(host, timeoutModeration(undefined, member, Date.now()));
    });
  }

  /** Tells chatgate of a moderation action (none: nothing to tell). */
  private report(host: AdapterHost, action: PlatformModeration | undefined): void {
    if (!action) return;
    host.moderated(action).catch((error: unknown) => {
      host.logger.warn({ kind: action.kind, error: String(error) }, 'discord: moderation not reported');
    });
  }

  private onMessage(client: Client, host: AdapterHost, message: Message): void {
    const botId = client.user?.id;
    if (!botId) return;
    const event = normalizeMessage(message, botId, this.now(), this.roleIds);
    if (event) this.hand(host, event, messageAllowed(message, this.lists));
  }

  private onMemberJoin(host: AdapterHost, member: GuildMember): void {
    const event = normalizeMemberJoin(member, this.now(), this.roleIds);
    if (event) this.hand(host, event, memberJoinAllowed(member, this.lists));
  }

  /** Hands `event` to the router when the allow lists let it through; logs it otherwise. */
  private hand(host: AdapterHost, event: ChatEvent, allowed: boolean): void {
    if (!allowed) {
      host.logger.debug(
        { eventId: event.id, channelId: event.channelId },
        'discord: outside the allow lists',
      );
      return;
    }
    host.ingest(event).catch((error: unknown) => {
      host.logger.error({ eventId: event.id, error: String(error) }, 'discord: ingest failed');
    });
  }

  /** A send failure as our error, with Discord's status and reason but never the token. */
  private refused(error: unknown): ChatgateError {
    if (error instanceof ChatgateError) return error;
    const status =
      error instanceof DiscordAPIError || error instanceof HTTPError ? ` (HTTP ${error.status})` : '';
    const reason = redact(error instanceof Error ? error.message : String(error), this.token);
    return new ChatgateError(`Discord refused the reply${status}: ${reason}`, 'platform_refused', 502);
  }
}

/** The error of a send while the client is gone (a restart in progress). */
function notConnected(): ChatgateError {
  return new ChatgateError('Discord is not connected; the reply was not sent', 'platform_unavailable', 503);
}
