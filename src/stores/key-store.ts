/**
 * Short-lived keys with a TTL, for dedupe, cooldowns and reply caps. `claim` is atomic (Redis
 * `SET NX PX` in `redis/`, a map in `memory/`): exactly one caller claims a free key, across every
 * instance that shares the Redis.
 */
export interface KeyStore {
  /** Takes `key` for `ttlMs`; true when it was free, false when someone holds it. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Frees `key` (an interaction that could not be queued gives back its dedupe key). */
  release(key: string): Promise<void>;
  /**
   * Counts one more hit in the window that started with the first hit (Redis `INCR` + `PEXPIRE`
   * on the first, atomic); returns the count so far. For reply caps per window.
   */
  increment(key: string, windowMs: number): Promise<number>;
}
