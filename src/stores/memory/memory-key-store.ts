import { LRUCache } from 'lru-cache';
import type { KeyStore } from '../key-store.js';

/**
 * In-process `KeyStore`: an LRU with a TTL per key. Bounded (`maxKeys`) so that a flood of unique
 * event ids cannot grow memory without limit; the oldest keys go first.
 */
export class MemoryKeyStore implements KeyStore {
  private readonly keys: LRUCache<string, true>;
  private readonly counters: LRUCache<string, number>;

  constructor(options: { maxKeys?: number } = {}) {
    this.keys = new LRUCache({ max: options.maxKeys ?? 100_000, ttlAutopurge: false, ttl: 1 });
    this.counters = new LRUCache({ max: options.maxKeys ?? 100_000, ttlAutopurge: false, ttl: 1 });
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (ttlMs <= 0) return true;
    if (this.keys.has(key)) return false;
    this.keys.set(key, true, { ttl: ttlMs });
    return true;
  }

  async release(key: string): Promise<void> {
    this.keys.delete(key);
  }

  async increment(key: string, windowMs: number): Promise<number> {
    const count = (this.counters.get(key) ?? 0) + 1;
    // The window starts with the first hit: later hits keep its remaining time.
    const remaining = count === 1 ? windowMs : this.counters.getRemainingTTL(key);
    this.counters.set(key, count, { ttl: Math.max(1, remaining) });
    return count;
  }
}
