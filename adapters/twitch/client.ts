/**
 * One Twitch chat connection on tmi.js: status (offline → connecting → online ⇄ reconnecting),
 * joins through the join throttle with backoff, tmi.js's own reconnect on RECONNECT or a dropped
 * socket (we rejoin), a failed login reported once and not retried, a watchdog that restarts a
 * connection that has been silent for `watchdogMs` (it probes with a PING at half that time), and a
 * graceful PART + disconnect on stop. Health is judged by traffic: `lastEventAt` is the last line.
 */
import tmi, { type Client, type Events } from 'tmi.js';
import type { AdapterHost, AdapterState, AdapterStatus } from '../../src/core/adapter.js';
import { settlesWithin } from '../../src/core/settles-within.js';
import { type JoinThrottle, joinWithBackoff } from './join-throttle.js';
import type { Clock } from './limits.js';
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
import { SilenceWatchdog } from './watchdog.js';

/** What the connection reports to the adapter. */
export interface ConnectionHandlers {
  inbound(inbound: TwitchInbound): void;
  /** The bot's moderator (or broadcaster) status in a channel, from USERSTATE. */
  moderator(channel: string, moderator: boolean): void;
  /** Messages may flow again: online, or a channel was joined. */
  ready(): void;
  status(state: AdapterState): void;
}

/** The longest wait for a PART or the disconnect (tmi.js's command promises can wait long), ms. */
const PART_TIMEOUT_MS = 1_500;
const WATCHDOG_PROBE = 'PING :chatgate-watchdog';

const noop = (): void => {};

/** A tmi.js client with our status tracking; see the file comment. */
export class TwitchConnection {
  private client: Client | undefined;
  private status: AdapterStatus = 'offline';
  private error: string | undefined;
  private socketOpen = false;
  private stopping = false;
  private currentLine: string | undefined;
  private readonly watchdog: SilenceWatchdog;
  private settleFirstAttempt: () => void = noop;
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
    this.watchdog = new SilenceWatchdog(settings.watchdogMs, clock, {
      claimsConnected: () => !this.stopping && this.client !== undefined && this.socketOpen,
      canProbe: () => this.status === 'online',
      probe: () => this.client?.raw(WATCHDOG_PROBE).catch(noop),
      restart: (silentMs) => this.restart(silentMs),
    });
  }

  /** Connects; resolves when the first attempt succeeded or failed (the status says which). */
  async start(): Promise<void> {
    this.stopping = false;
    const firstAttempt = new Promise<void>((resolve) => {
      this.settleFirstAttempt = resolve;
    });
    this.setStatus('connecting');
    this.open();
    this.watchdog.start();
    let cancelBound = noop;
    const bound = new Promise<void>((resolve) => {
      cancelBound = this.clock.schedule(resolve, this.settings.watchdogMs);
    });
    await Promise.race([firstAttempt, bound]);
    cancelBound();
  }

  /** PARTs the joined channels and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.watchdog.stop();
    const client = this.client;
    if (client && this.status === 'online') {
      await Promise.all(
        [...this.joined].map((channel) => settlesWithin(client.part(channel), PART_TIMEOUT_MS)),
      );
    }
    if (client && this.socketOpen) await settlesWithin(client.disconnect(), PART_TIMEOUT_MS);
    this.client = undefined;
    this.socketOpen = false;
    this.joined.clear();
    this.setStatus('offline');
  }

  state(): AdapterState {
    return {
      platform: 'twitch',
      status: this.status,
      ...(this.client ? { lastEventAt: this.watchdog.lastTrafficAt } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  /** Writes a raw line now; throws when not online. */
  transmit(line: string): void {
    const client = this.client;
    if (!client || this.status !== 'online' || !this.socketOpen) throw new Error('Twitch chat offline');
    client.raw(line).catch((error: unknown) => this.logger.debug({ err: error }, 'twitch write failed'));
  }

  canSend(channel: string): boolean {
    return this.status === 'online' && this.joined.has(channel);
  }

  roomIdOf(channel: string): string | undefined {
    return this.roomIds.get(channel);
  }

  /** Adds a channel at run time and joins it (now when online, else on connect). */
  join(channel: string): void {
    const login = channelLogin(channel);
    this.wanted.add(login);
    if (this.client && this.status === 'online') this.joinChannel(this.client, login);
  }

  /** Removes a channel at run time and PARTs it. */
  async part(channel: string): Promise<void> {
    const login = channelLogin(channel);
    this.wanted.delete(login);
    if (this.client && this.joined.has(login)) await settlesWithin(this.client.part(login), PART_TIMEOUT_MS);
    this.joined.delete(login);
  }

  private open(): void {
    const client = new tmi.Client(tmiOptions(this.settings, this.logger));
    this.client = client;
    this.watchdog.trafficSeen();
    this.attach(client);
    client.connect().catch(noop); // the outcome arrives as 'connected' / 'disconnected'
  }

  private attach(client: Client): void {
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
      if (this.status !== 'reconnecting') this.setStatus('connecting');
    });
    on('connected', () => this.onConnected(client));
    on('disconnected', (reason) => this.onDisconnected(client, reason));
    on('reconnect', () => this.setStatus('reconnecting'));
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
  }

  private onLine(clone: unknown): void {
    this.watchdog.trafficSeen();
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

  private onConnected(client: Client): void {
    client.getChannels().length = 0; // tmi.js would rejoin by itself, past our join throttle
    this.joined.clear();
    this.error = undefined;
    this.setStatus('online');
    this.settleFirstAttempt();
    this.logger.info({ channels: this.wanted.size }, 'twitch chat connected');
    for (const channel of this.wanted) this.joinChannel(client, channel);
    this.handlers.ready();
  }

  private onDisconnected(client: Client, reason: unknown): void {
    this.socketOpen = false;
    this.joined.clear();
    client.getChannels().length = 0;
    if (this.stopping) {
      this.setStatus('offline');
      return;
    }
    if (isLoginFailure(reason)) {
      this.error = `Twitch login failed for ${this.settings.username}: ${redactSecrets(String(reason))}`;
      this.logger.error({ username: this.settings.username }, this.error);
      this.watchdog.stop(); // nothing to watch: tmi.js will not retry a refused login
      this.setStatus('offline');
    } else {
      this.logger.warn(
        { reason: redactSecrets(String(reason ?? '')) },
        'twitch chat disconnected; reconnecting',
      );
      this.setStatus('reconnecting');
    }
    this.settleFirstAttempt();
  }

  private joinChannel(client: Client, channel: string): void {
    void joinWithBackoff({
      join: () => client.join(channel),
      throttle: this.joins,
      clock: this.clock,
      stillWanted: () =>
        client === this.client &&
        this.status === 'online' &&
        this.wanted.has(channel) &&
        !this.joined.has(channel),
      onFailure: (attempt, error) =>
        this.logger.warn({ channel, attempt, err: redactSecrets(String(error)) }, 'twitch join failed'),
    }).then((gaveUp) => gaveUp && this.logger.error({ channel }, 'twitch join given up'));
  }

  /** Replaces a connection that has been silent for `watchdogMs` (see watchdog.ts). */
  private restart(silentMs: number): void {
    this.logger.warn({ silentMs }, 'twitch chat silent; restarting the connection');
    const old = this.client;
    this.client = undefined;
    this.socketOpen = false;
    this.joined.clear();
    old?.disconnect().catch(noop);
    this.setStatus('reconnecting');
    this.open();
  }

  private setStatus(status: AdapterStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.handlers.status(this.state());
  }
}
