import { LRUCache } from 'lru-cache';
import type { KeyStore } from '../key-store.js';

/**
 * In-process `KeyStore`: an LRU with a TTL per key. Bounded (`maxKeys`) so that a flood of unique
 * event ids cannot grow memory without limit; the oldest keys go first.
 */
export class MemoryKeyStore implements KeyStore {
  private readonly keys: LRUCache<string, true>;

  constructor(options: { maxKeys?: number } = {}) {
    this.keys = new LRUCache({ max: options.maxKeys ?? 100_000, ttlAutopurge: false, ttl: 1 });
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
}
