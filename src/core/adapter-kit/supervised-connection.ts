/**
 * The life of one platform connection, the same for every adapter: the status (satori's
 * `offline | connecting | online | reconnecting`), reconnecting with exponential backoff and
 * decorrelated jitter (cockatiel's `ExponentialBackoff`), a fatal failure (a refused token) that
 * stops for good, a traffic watchdog for deaf connections, and the time of the last traffic. The
 * platform side is a `ConnectionDriver`: `connect` one attempt, `disconnect`, and what a failure
 * means. Each attempt carries a generation, so callbacks of an attempt that was replaced or stopped
 * do nothing.
 */
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { Logger } from 'pino';
import type { AdapterState, AdapterStatus } from '../adapter.js';
import { type Clock, settlesOn, systemClock } from './clock.js';
import { TrafficWatchdog } from './traffic-watchdog.js';

/** Why an attempt ended, for `state().error` and the log (no secrets), and what to do next. */
export interface ConnectionFailure {
  message: string;
  /** Trying again cannot help (a refused token, a refused intent): stop for good. */
  fatal: boolean;
  /** The platform asked us to wait at least this long (Telegram's `retry_after`), ms. */
  retryAfterMs?: number;
}

/** One connection attempt, as the driver sees it; every method does nothing once the attempt is over. */
export interface ConnectionAttempt {
  /** 0 for the first attempt after `start`, then 1, 2 … */
  readonly number: number;
  /** False once this attempt failed, was replaced by a restart, or the connection stopped. */
  readonly current: boolean;
  /** The connection is up (logged in): status `online`, the error and the backoff cleared. */
  online(): void;
  /** The platform library reconnects by itself (an IRC or gateway client): status `reconnecting`, nothing else. */
  reconnecting(): void;
  /** The attempt ended: retried after a backoff, or, when fatal, given up. */
  failed(failure: ConnectionFailure): void;
}

/** The platform side of a supervised connection. */
export interface ConnectionDriver {
  /**
   * Makes one attempt. Resolves when it has settled for `start`'s sake (up, or handed to the
   * library's own reconnect); calls `attempt.online()` when up. A rejection is read by
   * `describeFailure` and handled as `attempt.failed`.
   */
  connect(attempt: ConnectionAttempt): Promise<void>;
  /**
   * Ends the current attempt's connection: before a retry or a restart (`'restart'`), after a fatal
   * failure and on `stop` (`'stop'`: a graceful close, e.g. Twitch's PARTs). Called also when
   * already disconnected, and must then do nothing.
   */
  disconnect(ending: 'restart' | 'stop'): Promise<void>;
  /** What a rejected `connect` means; the message carries no token. */
  describeFailure(error: unknown): ConnectionFailure;
}

/** The watchdog's settings; see traffic-watchdog.ts. */
export interface WatchdogSettings {
  /** Restart a connection silent this long while it claims to be connected, ms; 0 turns it off. */
  silenceMs: number;
  /** What counts as traffic, for the log line: "gateway traffic", "answer to getUpdates". */
  traffic: string;
  /** Whether the connection claims to be up; default: the status is `online`. */
  claimsConnected?(): boolean;
  /** Asks the server for an answer at half `silenceMs` (only while `online`). */
  probe?(): void;
  /** Traffic the library notes without an event (a gateway's heartbeat ACKs), ms since the epoch. */
  heardAt?(): number | undefined;
}

/** How the connection is supervised. */
export interface SupervisedConnectionOptions {
  /** The platform, as the log lines start: `twitch`, `telegram`, `discord`. */
  label: string;
  logger: Logger;
  /** The first retry delay and the cap, ms; the delays between grow ×2 with decorrelated jitter. */
  backoff: { initialMs: number; maxMs: number };
  /** `start` resolves after this long even while the first attempt goes on, ms. */
  startTimeoutMs: number;
  /** The longest wait for `disconnect` on `stop` or before a restart, ms. */
  stopGraceMs: number;
  watchdog?: WatchdogSettings;
  /** Default: the process clock. */
  clock?: Clock;
  /** Called after every status change, with the new state. */
  onStatus?(state: ConnectionState): void;
}

/** The connection's facts: an `AdapterState` without the platform. */
export type ConnectionState = Omit<AdapterState, 'platform'>;

const noop = (): void => {};

/**
 * Supervises one platform connection; see the file comment.
 *
 * @example
 * const connection = new SupervisedConnection(driver, {
 *   label: 'telegram', logger, backoff: { initialMs: 1_000, maxMs: 60_000 },
 *   startTimeoutMs: 10_000, stopGraceMs: 5_000, watchdog: { silenceMs: 90_000, traffic: 'polls' },
 * });
 * await connection.start(); // never throws; connection.state() tells how it went
 * connection.trafficSeen(); // on every message or heartbeat from the platform
 */
export class SupervisedConnection {
  private currentStatus: AdapterStatus = 'offline';
  private lastError: string | undefined;
  private lastTraffic: number | undefined;
  private running = false;
  /** Bumped by every attempt, failure, restart and stop; an attempt is current while it matches. */
  private generation = 0;
  private attempts = 0;
  private delays: IBackoff<unknown> | undefined;
  private cancelRetry: () => void = noop;
  private releaseStart: () => void = noop;
  private readonly backoff: ExponentialBackoff<unknown>;
  private readonly clock: Clock;
  private readonly watchdog: TrafficWatchdog | undefined;

  constructor(
    private readonly driver: ConnectionDriver,
    private readonly options: SupervisedConnectionOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.backoff = new ExponentialBackoff({
      initialDelay: options.backoff.initialMs,
      maxDelay: options.backoff.maxMs,
    });
    const watch = options.watchdog;
    if (watch && watch.silenceMs > 0) {
      this.watchdog = new TrafficWatchdog(watch.silenceMs, this.clock, {
        claimsConnected: watch.claimsConnected ?? (() => this.currentStatus === 'online'),
        mayProbe: () => this.currentStatus === 'online',
        ...(watch.probe && { probe: watch.probe }),
        ...(watch.heardAt && { heardAt: watch.heardAt }),
        restart: (silentMs) => this.restart(silentMs, watch.traffic),
      });
    }
  }

  get status(): AdapterStatus {
    return this.currentStatus;
  }

  /** Why the last attempt failed, until the connection is online again. No secrets. */
  get error(): string | undefined {
    return this.lastError;
  }

  /** When the last traffic arrived (`trafficSeen`, or the library's own record), ms since the epoch. */
  get lastEventAt(): number | undefined {
    const heard = this.options.watchdog?.heardAt?.();
    if (heard === undefined || heard <= 0) return this.lastTraffic;
    return Math.max(this.lastTraffic ?? 0, heard);
  }

  /** Between `start` and `stop` (also after a fatal failure, which leaves it offline). */
  get started(): boolean {
    return this.running;
  }

  state(): ConnectionState {
    const lastEventAt = this.lastEventAt;
    return {
      status: this.currentStatus,
      ...(lastEventAt !== undefined && { lastEventAt }),
      ...(this.lastError !== undefined && { error: this.lastError }),
    };
  }

  /** Notes traffic from the platform: a message, an answered poll, a heartbeat. */
  trafficSeen(): void {
    this.lastTraffic = this.clock.now();
    this.watchdog?.trafficSeen();
  }

  /**
   * Makes the first attempt; resolves when it has settled (online, failed, handed to the library's
   * reconnect), after `startTimeoutMs` (the attempt goes on), or on `stop`. Never throws: failures
   * show in `state()`. Does nothing when already started.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.attempts = 0;
    this.delays = undefined;
    this.watchdog?.start();
    const released = new Promise<void>((resolve) => {
      this.releaseStart = resolve;
    });
    await settlesOn(
      this.clock,
      Promise.race([this.attempt('connecting'), released]),
      this.options.startTimeoutMs,
    );
    this.releaseStart = noop;
  }

  /**
   * Stops for good: no retry, no restart, callbacks of the open attempt ignored; waits at most
   * `stopGraceMs` for `disconnect('stop')`, then is offline. Idempotent.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    this.cancelRetry();
    this.watchdog?.stop();
    this.releaseStart();
    await this.disconnect('stop');
    this.setStatus('offline');
  }

  private attempt(status: 'connecting' | 'reconnecting'): Promise<void> {
    const generation = ++this.generation;
    const attempt = this.attemptHandle(generation, this.attempts++);
    this.setStatus(status);
    this.watchdog?.trafficSeen(); // a fresh connection gets a full silence period
    let connecting: Promise<void>;
    try {
      connecting = this.driver.connect(attempt);
    } catch (error: unknown) {
      connecting = Promise.reject(error);
    }
    return connecting.catch((error: unknown) => {
      if (attempt.current) this.fail(this.driver.describeFailure(error));
    });
  }

  private attemptHandle(generation: number, number: number): ConnectionAttempt {
    const current = (): boolean => this.running && generation === this.generation;
    return {
      number,
      get current() {
        return current();
      },
      online: () => {
        if (!current()) return;
        this.lastError = undefined;
        this.delays = undefined;
        this.setStatus('online');
      },
      reconnecting: () => {
        if (current()) this.setStatus('reconnecting');
      },
      failed: (failure) => {
        if (current()) this.fail(failure);
      },
    };
  }

  private fail(failure: ConnectionFailure): void {
    const generation = ++this.generation;
    const { label, logger } = this.options;
    this.lastError = failure.message;
    if (failure.fatal) {
      logger.error({ error: failure.message }, `${label}: connection failed; not retrying`);
      this.setStatus('offline');
      void this.disconnect('stop');
      return;
    }
    this.delays = (this.delays ?? this.backoff).next(undefined);
    const delayMs = Math.max(this.delays.duration, failure.retryAfterMs ?? 0);
    logger.warn({ error: failure.message, delayMs }, `${label}: connection failed; retrying`);
    this.setStatus('reconnecting');
    const disconnected = this.disconnect('restart');
    this.cancelRetry = this.clock.schedule(() => {
      void disconnected.then(() => this.retry(generation));
    }, delayMs);
  }

  /** The watchdog found the connection deaf: replace it now, without a backoff. */
  private restart(silentMs: number, traffic: string): void {
    const generation = ++this.generation;
    const { label, logger } = this.options;
    logger.warn({ silentMs }, `${label}: no ${traffic} for ${silentMs} ms; restarting the connection`);
    this.setStatus('reconnecting');
    void this.disconnect('restart').then(() => this.retry(generation));
  }

  /** A new attempt, unless something else (a stop, another failure) happened since `generation`. */
  private retry(generation: number): void {
    if (this.running && generation === this.generation) void this.attempt('reconnecting');
  }

  /**
   * The driver's disconnect, called at once (so that its client is gone before anything else runs)
   * and awaited within the grace; its failures are the driver's to log.
   */
  private async disconnect(ending: 'restart' | 'stop'): Promise<void> {
    let closing: Promise<void>;
    try {
      closing = this.driver.disconnect(ending);
    } catch {
      return;
    }
    await settlesOn(this.clock, closing.catch(noop), this.options.stopGraceMs);
  }

  private setStatus(status: AdapterStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    const { label, logger } = this.options;
    logger.info({ status, ...(this.lastError && { error: this.lastError }) }, `${label}: connection status`);
    this.options.onStatus?.(this.state());
  }
}
