/**
 * Health judged by traffic, not by the library's word: a connection that claims to be open but has
 * delivered nothing (no line, no PING) for `silenceMs` is restarted. At half that time it is probed
 * with a PING, so a quiet but healthy connection answers (PONG) and is left alone. Twitch pings
 * every ~5 minutes and tmi.js every 60 s (https://dev.twitch.tv/docs/chat/irc/#keepalive-messages).
 */
import type { Clock } from './limits.js';

/** What the watchdog watches and acts on. */
export interface WatchdogTarget {
  /** A socket is open: the connection claims to be connected. */
  claimsConnected(): boolean;
  /** Whether a probe may be written now (logged in). */
  canProbe(): boolean;
  /** Writes a PING. */
  probe(): void;
  /** Replaces the connection. */
  restart(silentMs: number): void;
}

/**
 * Checks every quarter of `silenceMs`.
 *
 * @example
 * const watchdog = new SilenceWatchdog(600_000, systemClock, target);
 * watchdog.start(); // and on every line: watchdog.trafficSeen()
 */
export class SilenceWatchdog {
  private lastTraffic: number;
  private probeSent = false;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly silenceMs: number,
    private readonly clock: Clock,
    private readonly target: WatchdogTarget,
  ) {
    this.lastTraffic = clock.now();
  }

  /** When the last line arrived (or the connection was opened), ms since the epoch. */
  get lastTrafficAt(): number {
    return this.lastTraffic;
  }

  /** Notes a line from the server (or a fresh connection). */
  trafficSeen(): void {
    this.lastTraffic = this.clock.now();
    this.probeSent = false;
  }

  start(): void {
    this.stop();
    const period = Math.max(25, Math.floor(this.silenceMs / 4));
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
    const silentMs = this.clock.now() - this.lastTraffic;
    if (silentMs >= this.silenceMs) {
      this.trafficSeen(); // the replacement gets a full period
      this.target.restart(silentMs);
    } else if (silentMs >= this.silenceMs / 2 && !this.probeSent && this.target.canProbe()) {
      this.probeSent = true;
      this.target.probe();
    }
  }
}
