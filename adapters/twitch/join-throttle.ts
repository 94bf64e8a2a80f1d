/**
 * JOIN pacing: Twitch allows a regular account 20 join attempts per 10 s
 * (https://dev.twitch.tv/docs/chat/#rate-limits); past that it drops the connection.
 */
import { ExponentialBackoff, type IBackoff, noJitterGenerator } from 'cockatiel';
import type { Clock } from '../../src/core/adapter-kit/clock.js';
import type { TwitchLimits } from './limits.js';

/**
 * Paces JOINs: at most `limits.joins` per `limits.joinWindowMs` (20 per 10 s,
 * https://dev.twitch.tv/docs/chat/#rate-limits), sliding window with the margin.
 *
 * @example
 * const joins = new JoinThrottle(TWITCH_LIMITS, systemClock);
 * await joins.acquire(); // then send JOIN
 */
export class JoinThrottle {
  private readonly joinedAt: number[] = [];

  constructor(
    private readonly limits: TwitchLimits,
    private readonly clock: Clock,
  ) {}

  /** Resolves when one more JOIN may be sent, and counts it. */
  async acquire(): Promise<void> {
    const window = this.limits.joinWindowMs + this.limits.marginMs;
    for (;;) {
      const now = this.clock.now();
      while (this.joinedAt.length > 0 && (this.joinedAt[0] ?? now) <= now - window) this.joinedAt.shift();
      if (this.joinedAt.length < this.limits.joins) {
        this.joinedAt.push(now);
        return;
      }
      const wait = (this.joinedAt[0] ?? now) + window - now;
      await new Promise<void>((resolve) => this.clock.schedule(resolve, wait));
    }
  }
}

/** How a join is retried. */
export interface JoinAttempt {
  /** Sends the JOIN; resolves when Twitch confirmed it (ROOMSTATE). */
  join(): Promise<unknown>;
  throttle: JoinThrottle;
  clock: Clock;
  /** Checked before each attempt: still connected, still wanted, not yet joined. */
  stillWanted(): boolean;
  onFailure(attempt: number, error: unknown): void;
}

/** Attempts before a join is given up. */
const MAX_JOIN_ATTEMPTS = 6;
/** Waits between join attempts: 1 s, doubling, at most 60 s; no jitter (the throttle spaces joins). */
const JOIN_RETRY_DELAYS = new ExponentialBackoff({
  initialDelay: 1_000,
  maxDelay: 60_000,
  generator: noJitterGenerator,
});

/**
 * Joins through the throttle, retrying with backoff (1 s, 2 s, 4 s … 60 s) up to 6 attempts.
 * Resolves `true` when it gave up, `false` when joined or no longer wanted.
 */
export async function joinWithBackoff(attempt: JoinAttempt): Promise<boolean> {
  let delays: IBackoff<undefined> | undefined;
  for (let count = 1; count <= MAX_JOIN_ATTEMPTS; count += 1) {
    await attempt.throttle.acquire();
    if (!attempt.stillWanted()) return false;
    try {
      await attempt.join();
      return false;
    } catch (error: unknown) {
      attempt.onFailure(count, error);
      delays = (delays ?? JOIN_RETRY_DELAYS).next(undefined);
      const wait = delays.duration;
      await new Promise<void>((resolve) => attempt.clock.schedule(resolve, wait));
    }
  }
  return true;
}
