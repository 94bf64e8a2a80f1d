/**
 * Health judged by traffic, not by the library's word: a connection that claims to be up but has
 * delivered nothing for `silenceMs` is deaf (a half-open TCP socket, a long poll the server forgot)
 * and is restarted. A connection that can be asked (Twitch: `PING`) is probed once at half that
 * time, so a quiet but healthy one answers and is left alone.
 */
import type { Clock } from './clock.js';

/** What the watchdog watches and acts on. */
export interface WatchedConnection {
  /** The connection claims to be up, so silence means it is deaf. */
  claimsConnected(): boolean;
  /** A probe may be written now (logged in). */
  mayProbe(): boolean;
  /** Asks the server for an answer (Twitch: `PING`); absent where the protocol has none. */
  probe?(): void;
  /** Traffic the library notes without telling us (a gateway's heartbeat ACKs), ms since the epoch. */
  heardAt?(): number | undefined;
  /** Replaces the deaf connection. */
  restart(silentMs: number): void;
}

/** How often the silence is checked, ms: a quarter of the limit, at least 20 ms, at most 5 s. */
export function checkPeriodOf(silenceMs: number): number {
  return Math.max(20, Math.min(Math.floor(silenceMs / 4), 5_000));
}

/**
 * Restarts a connection silent for `silenceMs` while it claims to be connected; probes it once at
 * half that time when it can be probed.
 *
 * @example
 * const watchdog = new TrafficWatchdog(600_000, systemClock, target);
 * watchdog.start(); // and on every line from the server: watchdog.trafficSeen()
 */
export class TrafficWatchdog {
  private quietSince: number;
  private probeSent = false;
  private cancel: (() => void) | undefined;

  /** @param silenceMs the longest silence of a healthy connection, ms; 0 or less turns the watchdog off. */
  constructor(
    private readonly silenceMs: number,
    private readonly clock: Clock,
    private readonly target: WatchedConnection,
  ) {
    this.quietSince = clock.now();
  }

  /** Notes traffic from the server, or a fresh connection (which gets a full `silenceMs`). */
  trafficSeen(): void {
    this.quietSince = this.clock.now();
    this.probeSent = false;
  }

  /** Checks every `checkPeriodOf(silenceMs)` until `stop`; does nothing when the watchdog is off. */
  start(): void {
    this.stop();
    if (this.silenceMs <= 0) return;
    const period = checkPeriodOf(this.silenceMs);
    const tick = (): void => {
      this.check();
      this.cancel = this.clock.schedule(tick, period);
    };
    this.cancel = this.clock.schedule(tick, period);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private check(): void {
    if (!this.target.claimsConnected()) return;
    const heard = Math.max(this.quietSince, this.target.heardAt?.() ?? 0);
    const silentMs = this.clock.now() - heard;
    if (silentMs >= this.silenceMs) {
      this.trafficSeen(); // the replacement gets a full period
      this.target.restart(silentMs);
    } else if (
      silentMs >= this.silenceMs / 2 &&
      !this.probeSent &&
      this.target.probe &&
      this.target.mayProbe()
    ) {
      this.probeSent = true;
      this.target.probe();
    }
  }
}
