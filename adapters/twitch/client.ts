/**
 * One Twitch chat connection on tmi.js, supervised by the adapter kit (status, the traffic
 * watchdog, a refused login given up): joins through the join throttle with backoff, tmi.js's own
 * reconnect on RECONNECT or a dropped socket (we rejoin), a watchdog that restarts a connection
 * silent for `watchdogMs` (it probes with a PING at half that time; Twitch pings every ~5 minutes
 * and tmi.js every 60 s, https://dev.twitch.tv/docs/chat/irc/#keepalive-messages), and a graceful
 * PART + disconnect on stop. Health is judged by traffic: `lastEventAt` is the last line.
 */
import tmi, { type Client, type Events } from 'tmi.js';
import type { AdapterHost, AdapterState } from '../../src/core/adapter.js';
import type { Clock } from '../../src/core/adapter-kit/clock.js';
import {
  type ConnectionAttempt,
  SupervisedConnection,
} from '../../src/core/adapter-kit/supervised-connection.js';
import { settlesWithin } from '../../src/core/settles-within.js';
import { type JoinThrottle, joinWithBackoff } from './join-throttle.js';
import type { TmiModerationEvent, TwitchModerationLine } from './moderation.js';
import type { TmiEventName, TwitchInbound } from './normalize.js';
import { badgeNames, channelLogin } from './tags.js';
import {
  type ConnectionSettings,
  isLoginFailure,
  isRecord,
  logNotice,
  redactSecrets,
  tmiOptions,
} from './tmi-setup.js';

/** What the connection reports to the adapter. */
export interface ConnectionHandlers {
  inbound(inbound: TwitchInbound): void;
  /** A moderator's action in a channel: a ban, a timeout or a deleted message. */
  moderation(line: TwitchModerationLine): void;
  /** The bot's moderator (or broadcaster) status in a channel, from USERSTATE. */
  moderator(channel: string, moderator: boolean): void;
  /** Messages may flow again: online, or a channel was joined. */
  ready(): void;
  status(state: AdapterState): void;
}

/** The longest wait for a PART or the disconnect (tmi.js's command promises can wait long), ms. */
const PART_TIMEOUT_MS = 1_500;
/** tmi.js's longest reconnect delay, ms (its own reconnects grow ×1.5 up to this). */
const MAX_RECONNECT_MS = 30_000;
const WATCHDOG_PROBE = 'PING :chatgate-watchdog';

const noop = (): void => {};

/** A tmi.js client under the kit's supervision; see the file comment. */
export class TwitchConnection {
  private client: Client | undefined;
  private socketOpen = false;
  private currentLine: string | undefined;
  private readonly supervisor: SupervisedConnection;
  private readonly wanted = new Set<string>();
  private readonly joined = new Set<string>();
  private readonly roomIds = new Map<string, string>();

  constructor(
    private readonly settings: ConnectionSettings,
    channels: readonly string[],
    private readonly joins: JoinThrottle,
    private readonly clock: Clock,
    private readonly logger: AdapterHost['logger'],
    private readonly handlers: ConnectionHandlers,
  ) {
    for (const channel of channels) this.wanted.add(channelLogin(channel));
    this.supervisor = new SupervisedConnection(
      {
        connect: (attempt) => this.connect(attempt),
        disconnect: (ending) => this.disconnect(ending),
        describeFailure: (error) => ({ message: redactSecrets(String(error)), fatal: false }),
      },
      {
        label: 'twitch',
        logger,
        clock,
        // Used only when opening a client throws; tmi.js reconnects a dropped socket by itself.
        backoff: { initialMs: settings.reconnectIntervalMs, maxMs: MAX_RECONNECT_MS },
        startTimeoutMs: settings.watchdogMs,
        stopGraceMs: 2 * PART_TIMEOUT_MS,
        watchdog: {
          silenceMs: settings.watchdogMs,
          traffic: 'chat traffic',
          // While tmi.js logs in again the socket is open but not online: silence there counts too.
          claimsConnected: () => this.client !== undefined && this.socketOpen,
          probe: () => this.client?.raw(WATCHDOG_PROBE).catch(noop),
        },
        onStatus: () => this.handlers.status(this.state()),
      },
    );
  }

  /** Connects; resolves when the first attempt succeeded or failed (the status says which). */
  start(): Promise<void> {
    return this.supervisor.start();
  }

  /** PARTs the joined channels and disconnects. */
  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  state(): AdapterState {
    return { platform: 'twitch', ...this.supervisor.state() };
  }

  /** Writes a raw line now; throws when not online. */
  transmit(line: string): void {
    const client = this.client;
    if (!client || !this.online() || !this.socketOpen) throw new Error('Twitch chat offline');
    client.raw(line).catch((error: unknown) => this.logger.debug({ err: error }, 'twitch write failed'));
  }

  canSend(channel: string): boolean {
    return this.online() && this.joined.has(channel);
  }

  roomIdOf(channel: string): string | undefined {
    return this.roomIds.get(channel);
  }

  /** Adds a channel at run time and joins it (now when online, else on connect). */
  join(channel: string): void {
    const login = channelLogin(channel);
    this.wanted.add(login);
    if (this.client && this.online()) this.joinChannel(this.client, login);
  }

  /** Removes a channel at run time and PARTs it. */
  async part(channel: string): Promise<void> {
    const login = channelLogin(channel);
    this.wanted.delete(login);
    if (this.client && this.joined.has(login)) await settlesWithin(this.client.part(login), PART_TIMEOUT_MS);
    this.joined.delete(login);
  }

  private online(): boolean {
    return this.supervisor.status === 'online';
  }

  /**
   * Opens a tmi.js client; settles at its first outcome: logged in, refused, or dropped (tmi.js
   * then reconnects by itself). Its later outcomes go to `attempt` as they come.
   */
  private connect(attempt: ConnectionAttempt): Promise<void> {
    return new Promise((settled) => {
      const client = new tmi.Client(tmiOptions(this.settings, this.logger));
      this.client = client;
      this.attach(client, attempt, settled);
      client.connect().catch(noop); // the outcome arrives as 'connected' / 'disconnected'
    });
  }

  /**
   * Forgets the client; on `stop`, PARTs what it joined (when online) and closes the socket, each
   * within `PART_TIMEOUT_MS`. On a restart the old socket is closed without waiting: a deaf one may
   * never answer.
   */
  private async disconnect(ending: 'restart' | 'stop'): Promise<void> {
    const client = this.client;
    const socketOpen = this.socketOpen;
    const parting = ending === 'stop' && this.online() ? [...this.joined] : [];
    this.client = undefined;
    this.socketOpen = false;
    this.joined.clear();
    if (!client) return;
    if (ending === 'restart') {
      client.disconnect().catch(noop);
      return;
    }
    await Promise.all(parting.map((channel) => settlesWithin(client.part(channel), PART_TIMEOUT_MS)));
    if (socketOpen) await settlesWithin(client.disconnect(), PART_TIMEOUT_MS);
  }

  private attach(client: Client, attempt: ConnectionAttempt, settled: () => void): void {
    const on = (event: keyof Events, handle: (...args: unknown[]) => void): void => {
      client.on(event, (...args: unknown[]) => {
        if (client !== this.client) return; // a client we replaced
        try {
          handle(...args);
        } catch (error: unknown) {
          this.logger.warn({ err: error, event }, 'twitch event handling failed');
        }
      });
    };
    client.on('connecting', () => {
      if (client !== this.client) client.disconnect().catch(noop); // a replaced client's own reconnect
    });
    on('raw_message', (clone) => this.onLine(clone));
    on('connecting', () => {
      this.socketOpen = true;
    });
    on('connected', () => {
      this.onConnected(client, attempt);
      settled();
    });
    on('disconnected', (reason) => {
      this.onDisconnected(client, attempt, reason);
      settled();
    });
    on('reconnect', () => attempt.reconnecting());
    on('join', (channel, _login, self) => {
      if (self !== true || typeof channel !== 'string') return;
      const login = channelLogin(channel);
      // Parted while its JOIN was in flight: `part()` found nothing joined to leave, so leave now.
      if (!this.wanted.has(login)) {
        client.part(login).catch(noop);
        return;
      }
      this.joined.add(login);
      this.handlers.ready();
    });
    on('part', (channel, _login, self) => {
      if (self === true && typeof channel === 'string') this.joined.delete(channelLogin(channel));
    });
    on('notice', (channel, msgId, text) => logNotice(this.logger, channel, msgId, text));
    // Where tmi.js puts the channel, the tags and the text, per event (lib/client.js, v1.8.5).
    const inbound = (event: TmiEventName, tagsAt: number, textAt?: number): void =>
      on(event, (...args) =>
        this.onInbound(event, args[0], args[tagsAt], textAt === undefined ? null : args[textAt]),
      );
    inbound('message', 1, 2);
    inbound('cheer', 1, 2);
    inbound('subscription', 4, 3);
    inbound('resub', 4, 3);
    inbound('subgift', 5);
    inbound('anonsubgift', 4);
    inbound('submysterygift', 4);
    inbound('anonsubmysterygift', 3);
    inbound('raided', 3);
    // CLEARCHAT with a user and CLEARMSG: (channel, login, reason | text, [duration,] tags).
    const moderation = (event: TmiModerationEvent, tagsAt: number): void =>
      on(event, (...args) => this.onModeration(event, args[0], args[1], args[tagsAt]));
    moderation('ban', 3);
    moderation('timeout', 4);
    moderation('messagedeleted', 3);
  }

  private onModeration(event: TmiModerationEvent, channel: unknown, login: unknown, tags: unknown): void {
    if (typeof channel !== 'string' || !isRecord(tags)) return;
    this.handlers.moderation({ event, channel, login: typeof login === 'string' ? login : null, tags });
  }

  private onLine(clone: unknown): void {
    this.supervisor.trafficSeen();
    if (!isRecord(clone)) return;
    this.currentLine = typeof clone.raw === 'string' ? clone.raw : undefined;
    const params = Array.isArray(clone.params) ? clone.params : [];
    const channel = typeof params[0] === 'string' ? channelLogin(params[0]) : undefined;
    const tags = isRecord(clone.tags) ? clone.tags : {};
    if (!channel) return;
    if (clone.command === 'ROOMSTATE' && typeof tags['room-id'] === 'string') {
      this.roomIds.set(channel, tags['room-id']);
    } else if (clone.command === 'USERSTATE') {
      const badges = badgeNames(tags.badges);
      const owner = channel === this.settings.username;
      this.handlers.moderator(channel, owner || badges.has('moderator') || badges.has('broadcaster'));
    }
  }

  private onInbound(event: TmiEventName, channel: unknown, tags: unknown, text: unknown): void {
    if (typeof channel !== 'string' || !isRecord(tags)) return;
    this.handlers.inbound({
      event,
      channel,
      tags,
      text: typeof text === 'string' ? text : null,
      ...(this.currentLine !== undefined ? { rawLine: this.currentLine } : {}),
    });
  }

  private onConnected(client: Client, attempt: ConnectionAttempt): void {
    client.getChannels().length = 0; // tmi.js would rejoin by itself, past our join throttle
    this.joined.clear();
    attempt.online();
    this.logger.info({ channels: this.wanted.size }, 'twitch chat connected');
    for (const channel of this.wanted) this.joinChannel(client, channel);
    this.handlers.ready();
  }

  private onDisconnected(client: Client, attempt: ConnectionAttempt, reason: unknown): void {
    this.socketOpen = false;
    this.joined.clear();
    client.getChannels().length = 0;
    if (isLoginFailure(reason)) {
      // tmi.js does not retry a refused login, and neither do we.
      const message = `Twitch login failed for ${this.settings.username}: ${redactSecrets(String(reason))}`;
      attempt.failed({ message, fatal: true });
    } else {
      this.logger.warn(
        { reason: redactSecrets(String(reason ?? '')) },
        'twitch chat disconnected; reconnecting',
      );
      attempt.reconnecting();
    }
  }

  private joinChannel(client: Client, channel: string): void {
    void joinWithBackoff({
      join: () => client.join(channel),
      throttle: this.joins,
      clock: this.clock,
      stillWanted: () =>
        client === this.client && this.online() && this.wanted.has(channel) && !this.joined.has(channel),
      onFailure: (attempt, error) =>
        this.logger.warn({ channel, attempt, err: redactSecrets(String(error)) }, 'twitch join failed'),
    }).then((gaveUp) => gaveUp && this.logger.error({ channel }, 'twitch join given up'));
  }
}
