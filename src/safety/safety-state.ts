import { LRUCache } from 'lru-cache';

/**
 * Small shared state of the chat moderation rules: which channels are paused (`!ai off`), which
 * users were banned or timed out and when, which messages were deleted. Plain string values under
 * string keys, optionally with a lifetime. Backends: in process (`MemorySafetyState`, below) and
 * Redis (`RedisSafetyState`, shared by every instance and kept across restarts), the latter behind
 * `FailoverSafetyState` so that a Redis outage falls back to this process's memory.
 */
export interface SafetyStateStore {
  /**
   * Stores `value` under `key`, replacing what was there.
   * @param ttlMs lifetime, ms; undefined = until deleted.
   */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** The value of `key`, undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** The values of `keys`, in order, in one round trip (Redis `MGET`). */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  delete(key: string): Promise<void>;
}

/**
 * In-process `SafetyStateStore`. Entries without a lifetime (pauses: one per channel) live in a
 * plain map and are never evicted, so that a flood of moderation marks cannot silently un-pause a
 * channel; entries with a lifetime live in an LRU bounded by `maxEntries` (oldest first out).
 */
export class MemorySafetyState implements SafetyStateStore {
  private readonly lasting = new Map<string, string>();
  private readonly expiring: LRUCache<string, string>;

  constructor(options: { maxEntries?: number } = {}) {
    this.expiring = new LRUCache({ max: options.maxEntries ?? 100_000, ttl: 1, ttlAutopurge: false });
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) {
      this.expiring.delete(key);
      this.lasting.set(key, value);
      return;
    }
    this.lasting.delete(key);
    this.expiring.set(key, value, { ttl: Math.max(1, Math.ceil(ttlMs)) });
  }

  async get(key: string): Promise<string | undefined> {
    return this.lasting.get(key) ?? this.expiring.get(key);
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((key) => this.lasting.get(key) ?? this.expiring.get(key));
  }

  async delete(key: string): Promise<void> {
    this.lasting.delete(key);
    this.expiring.delete(key);
  }
}
