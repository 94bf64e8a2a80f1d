/**
 * One EventSub WebSocket session (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/),
 * on the `ws` package, supervised by the adapter kit (status, reconnect with backoff, a refused
 * token given up):
 * - `session_welcome` on a fresh connection: the session id is handed to `welcome`, which creates
 *   the subscriptions on it (within the welcome's `keepalive_timeout_seconds`, or Twitch closes the
 *   socket with 4003); then the connection is online;
 * - keepalive watchdog: no message at all (keepalive or event) for `keepalive_timeout_seconds` plus
 *   a margin means the connection is lost: it is replaced, subscriptions created anew;
 * - `session_reconnect`: a second socket is opened to `reconnect_url`; the old one keeps
 *   delivering until the new one's welcome, then is closed. Subscriptions move with the session,
 *   so none are created. Events are deduplicated on `metadata.message_id` (Twitch delivers at
 *   least once, and both sockets may carry one around the hand-off);
 * - `revocation`: handed on (the adapter logs it);
 * - a close (Twitch's 4000–4007 codes, a dropped network) or a failed hand-off: reconnect with
 *   backoff to the configured URL, on a new session.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Clock } from '../../../src/core/adapter-kit/clock.js';
import {
  type ConnectionAttempt,
  type ConnectionState,
  SupervisedConnection,
} from '../../../src/core/adapter-kit/supervised-connection.js';
import { TwitchAuthError } from './tokens.js';

/** A notification as the session hands it on. */
export interface EventSubNotification {
  /** `metadata.message_id`: the same on a redelivery. */
  messageId: string;
  /** `metadata.subscription_type`, e.g. `channel.chat.message`. */
  type: string;
  /** `payload.event`. */
  event: Record<string, unknown>;
}

/** What the session reports. */
export interface SessionHandlers {
  /**
   * A fresh session is up: create the subscriptions on `sessionId`. A rejection with a fatal
   * TwitchAuthError stops the connection for good; any other rejection is retried.
   */
  welcome(sessionId: string): Promise<void>;
  notification(notification: EventSubNotification): void;
  /** A subscription Twitch revoked (`payload.subscription`, with `status` saying why). */
  revocation(subscription: Record<string, unknown>): void;
  status(state: ConnectionState): void;
}

export interface SessionOptions {
  /** The EventSub WebSocket URL, e.g. `wss://eventsub.wss.twitch.tv/ws`. */
  url: string;
  logger: Logger;
  clock: Clock;
  /** First retry delay and cap, ms. */
  backoff: { initialMs: number; maxMs: number };
  /** Added to `keepalive_timeout_seconds` before the connection counts as lost, ms. */
  keepaliveMarginMs: number;
  /** `start` resolves after this long even while the first attempt goes on, ms. */
  startTimeoutMs: number;
}

/** How many message ids are remembered for the dedupe, and for how long (ms). */
const DEDUPE_MAX = 10_000;
const DEDUPE_TTL_MS = 10 * 60_000;

/** One socket and what its welcome said. */
interface Link {
  socket: WebSocket;
  /** Opened to a `reconnect_url`: its welcome promotes it, with the session's subscriptions. */
  handoff: boolean;
  sessionId?: string;
  keepaliveMs?: number;
}

/** An EventSub WebSocket session under supervision; see the file comment. */
export class EventSubSession {
  private readonly supervisor: SupervisedConnection;
  private readonly seen = new LRUCache<string, true>({ max: DEDUPE_MAX, ttl: DEDUPE_TTL_MS });
  private attempt: ConnectionAttempt | undefined;
  private current: Link | undefined;
  private next: Link | undefined;
  private cancelKeepalive: (() => void) | undefined;

  constructor(
    private readonly options: SessionOptions,
    private readonly handlers: SessionHandlers,
  ) {
    this.supervisor = new SupervisedConnection(
      {
        connect: (attempt) => this.connect(attempt),
        disconnect: async () => this.closeAll(),
        describeFailure: (error) => ({
          message: error instanceof Error ? error.message : String(error),
          fatal: error instanceof TwitchAuthError && error.fatal,
        }),
      },
      {
        label: 'twitch eventsub',
        logger: options.logger,
        clock: options.clock,
        backoff: options.backoff,
        startTimeoutMs: options.startTimeoutMs,
        stopGraceMs: 1_000,
        onStatus: (state) => handlers.status(state),
      },
    );
  }

  start(): Promise<void> {
    return this.supervisor.start();
  }

  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  state(): ConnectionState {
    return this.supervisor.state();
  }

  /** The live session's id, when one is welcomed. */
  sessionId(): string | undefined {
    return this.current?.sessionId;
  }

  online(): boolean {
    return this.supervisor.status === 'online';
  }

  /** Opens a socket to the configured URL; resolves once its session is welcomed and subscribed. */
  private connect(attempt: ConnectionAttempt): Promise<void> {
    this.attempt = attempt;
    return new Promise<void>((resolve, reject) => {
      const link = this.open(this.options.url, false, (error) => {
        if (error) reject(error);
        else resolve();
      });
      this.current = link;
    });
  }

  /**
   * Opens a socket; `settled` is called once: without an error after the welcome (and, on a fresh
   * link, the subscriptions), with one when the socket fails or closes before.
   */
  private open(url: string, handoff: boolean, settled: (error?: unknown) => void): Link {
    const socket = new WebSocket(url);
    const link: Link = { socket, handoff };
    let done = false;
    const settle = (error?: unknown): void => {
      if (done) return;
      done = true;
      settled(error);
    };
    socket.on('message', (data: WebSocket.RawData) => {
      void this.onMessage(link, data.toString(), settle).catch((error: unknown) => settle(error));
    });
    socket.on('error', (error: Error) => {
      this.options.logger.debug({ err: error }, 'twitch eventsub: socket error');
      settle(error);
    });
    socket.on('close', (code: number, reason: Buffer) => {
      const why = `closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
      if (!done) settle(new Error(`EventSub socket ${why} before its welcome`));
      else this.onClose(link, why);
    });
    return link;
  }

  private async onMessage(link: Link, text: string, settle: (error?: unknown) => void): Promise<void> {
    if (link !== this.current && link !== this.next) return;
    let message: { metadata?: Record<string, unknown>; payload?: Record<string, unknown> };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.options.logger.debug('twitch eventsub: a frame that is not JSON; ignored');
      return;
    }
    const metadata = message.metadata ?? {};
    const payload = message.payload ?? {};
    if (link === this.current) this.heard(link);
    switch (metadata.message_type) {
      case 'session_welcome':
        await this.onWelcome(link, payload, settle);
        return;
      case 'session_keepalive':
        return;
      case 'notification':
        this.onNotification(metadata, payload);
        return;
      case 'session_reconnect':
        this.onReconnect(payload);
        return;
      case 'revocation':
        this.handlers.revocation((payload.subscription ?? {}) as Record<string, unknown>);
        return;
      default:
        this.options.logger.debug(
          { messageType: metadata.message_type },
          'twitch eventsub: unknown message type; ignored',
        );
    }
  }

  private async onWelcome(
    link: Link,
    payload: Record<string, unknown>,
    settle: (error?: unknown) => void,
  ): Promise<void> {
    const session = (payload.session ?? {}) as Record<string, unknown>;
    if (typeof session.id !== 'string') throw new Error('EventSub welcome without a session id');
    link.sessionId = session.id;
    const seconds =
      typeof session.keepalive_timeout_seconds === 'number' ? session.keepalive_timeout_seconds : 10;
    link.keepaliveMs = seconds * 1000;
    if (link.handoff) {
      // The hand-off is complete: the new socket carries the session (and its subscriptions).
      const old = this.current;
      this.current = link;
      this.next = undefined;
      old?.socket.close(1000);
      this.heard(link);
      this.options.logger.info('twitch eventsub: moved to the reconnect URL');
      settle();
      return;
    }
    this.heard(link);
    await this.handlers.welcome(session.id);
    if (link !== this.current || !this.attempt?.current) return;
    this.attempt.online();
    settle();
  }

  private onNotification(metadata: Record<string, unknown>, payload: Record<string, unknown>): void {
    const messageId = typeof metadata.message_id === 'string' ? metadata.message_id : '';
    if (messageId !== '') {
      if (this.seen.has(messageId)) {
        this.options.logger.debug({ messageId }, 'twitch eventsub: notification seen before; dropped');
        return;
      }
      this.seen.set(messageId, true);
    }
    const subscription = (payload.subscription ?? {}) as Record<string, unknown>;
    const type =
      typeof metadata.subscription_type === 'string'
        ? metadata.subscription_type
        : String(subscription.type ?? '');
    const event = payload.event;
    if (event === null || typeof event !== 'object') return;
    this.handlers.notification({ messageId, type, event: event as Record<string, unknown> });
  }

  private onReconnect(payload: Record<string, unknown>): void {
    const session = (payload.session ?? {}) as Record<string, unknown>;
    const url = session.reconnect_url;
    if (typeof url !== 'string' || this.next) return;
    this.options.logger.info('twitch eventsub: Twitch asked to reconnect; opening the new socket');
    const attempt = this.attempt;
    this.next = this.open(url, true, (error) => {
      if (!error) return;
      this.next = undefined;
      attempt?.failed({ message: `EventSub reconnect failed: ${describe(error)}`, fatal: false });
    });
  }

  private onClose(link: Link, why: string): void {
    if (link === this.next) {
      this.next = undefined;
      this.attempt?.failed({ message: `EventSub reconnect socket ${why}`, fatal: false });
      return;
    }
    if (link !== this.current) return;
    // Twitch may close the old socket before the new one is welcomed: the hand-off goes on.
    if (this.next) return;
    this.current = undefined;
    this.attempt?.failed({ message: `EventSub socket ${why}`, fatal: false });
  }

  /** Traffic on the live socket: the keepalive watchdog starts over. */
  private heard(link: Link): void {
    this.supervisor.trafficSeen();
    this.cancelKeepalive?.();
    const limitMs = (link.keepaliveMs ?? 10_000) + this.options.keepaliveMarginMs;
    const attempt = this.attempt;
    this.cancelKeepalive = this.options.clock.schedule(() => {
      if (link !== this.current) return;
      attempt?.failed({ message: `no EventSub message for ${limitMs} ms (keepalive)`, fatal: false });
    }, limitMs);
  }

  private closeAll(): void {
    this.cancelKeepalive?.();
    this.cancelKeepalive = undefined;
    for (const link of [this.current, this.next]) {
      if (!link) continue;
      link.socket.removeAllListeners('message');
      link.socket.on('error', () => {});
      if (link.socket.readyState === WebSocket.CONNECTING) link.socket.terminate();
      else link.socket.close(1000);
    }
    this.current = undefined;
    this.next = undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
