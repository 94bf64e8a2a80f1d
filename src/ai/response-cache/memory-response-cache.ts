import { LRUCache } from 'lru-cache';
import type { CachedAnswer, ResponseCache } from './response-cache.js';

/** Bounds of the in-process cache: at most `maxEntries` answers and `maxBytes` of their JSON. */
export interface MemoryResponseCacheLimits {
  maxEntries: number;
  /** Counted as the UTF-16 length of each answer's JSON (an estimate of its size in bytes). */
  maxBytes: number;
}

/** 1,000 answers, 16 MiB. */
export const DEFAULT_MEMORY_CACHE_LIMITS: MemoryResponseCacheLimits = {
  maxEntries: 1000,
  maxBytes: 16 * 1024 * 1024,
};

/**
 * The response cache of one process (no `REDIS_URL`): an LRU bounded by entries and bytes, each
 * entry with its own TTL. An answer larger than `maxBytes` is not kept.
 */
export class MemoryResponseCache implements ResponseCache {
  private readonly entries: LRUCache<string, CachedAnswer>;

  constructor(limits: MemoryResponseCacheLimits = DEFAULT_MEMORY_CACHE_LIMITS) {
    this.entries = new LRUCache<string, CachedAnswer>({
      max: limits.maxEntries,
      maxSize: limits.maxBytes,
      sizeCalculation: (answer) => Math.max(1, JSON.stringify(answer).length),
    });
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void> {
    this.entries.set(key, answer, { ttl: ttlMs });
  }
}
