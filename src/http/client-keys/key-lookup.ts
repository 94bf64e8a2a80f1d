import { LRUCache } from 'lru-cache';
import PQueue from 'p-queue';
import type { Logger } from '../../observability/logger.js';
import type { ClientKey, ClientKeyStore } from '../../stores/client-key-store.js';
import { hashKey, isClientKeyShaped } from './key-material.js';

/** What a Bearer token that looks like a client key is: a live key, or why it is refused. */
export type KeyVerdict =
  | { ok: true; key: ClientKey }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'expired'; expiredAt: number };

/** Options of ClientKeyLookup. */
export interface ClientKeyLookupOptions {
  /**
   * How long a look-up's answer (a key, or "no such key") is reused, ms: what a DELETE on another
   * instance takes at most to be seen here. 5000 by default.
   */
  cacheMs?: number;
  /** Digests remembered at most (positive and negative together); 10,000 by default. */
  maxEntries?: number;
  /** How often a key's `last_used_at` is written at most, ms; 60,000 by default. */
  touchEveryMs?: number;
  /**
   * Database look-ups in flight at most; the rest wait their turn. 8 by default: a flood of
   * distinct made-up keys (with a correct checksum) queues here instead of taking the pool.
   */
  lookupConcurrency?: number;
  /** ms since the epoch (tests: a manual clock). */
  now?: () => number;
  logger?: Logger;
}

/**
 * Finds the stored client key of a Bearer token, by its SHA-256 digest, with a short in-process
 * cache of answers, so that neither a busy key nor a flood of bad ones hits the database per request:
 * - a token without a client key's shape or checksum (`isClientKeyShaped`) is `unknown` at once;
 * - answers, found or not, are kept `cacheMs` (bounded, least recently used out first);
 * - concurrent look-ups of one digest share one query, and at most `lookupConcurrency` queries run
 *   at once;
 * - `forget(id)` (a DELETE here) drops the key at once; other instances see it within `cacheMs`.
 * Expiry is checked on every use, cached or not. Store errors (StoreUnavailableError) propagate
 * and are not cached.
 */
export class ClientKeyLookup {
  private readonly cache: LRUCache<string, ClientKey | false>;
  private readonly pending = new Map<string, Promise<ClientKey | undefined>>();
  private readonly touched: LRUCache<string, number>;
  private readonly now: () => number;
  private readonly touchEveryMs: number;
  /** Keys deleted here lately: a look-up that was under way during the DELETE must not bring one back. */
  private readonly forgotten: LRUCache<string, true>;
  private readonly queries: PQueue;

  constructor(
    private readonly store: ClientKeyStore,
    private readonly options: ClientKeyLookupOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
    const max = options.maxEntries ?? 10_000;
    // `perf` is the clock lru-cache's TTLs read: the injected one, so that tests can move time.
    const perf = { now: this.now };
    this.cache = new LRUCache({ max, ttl: Math.max(1, options.cacheMs ?? 5000), perf });
    this.touched = new LRUCache({ max, ttl: this.touchEveryMs, perf });
    this.forgotten = new LRUCache({ max: 1000, ttl: 60_000, perf });
    this.queries = new PQueue({ concurrency: options.lookupConcurrency ?? 8 });
  }

  /**
   * The verdict on `token`: synchronous when the cache knows its digest (the common case), else a
   * promise of one database look-up.
   * @throws StoreUnavailableError (the promise rejects) when the database is down.
   */
  check(token: string): KeyVerdict | Promise<KeyVerdict> {
    if (!isClientKeyShaped(token)) return { ok: false, reason: 'unknown' };
    const digest = hashKey(token);
    const cached = this.cache.get(digest);
    if (cached !== undefined) return this.verdict(cached || undefined);
    let query = this.pending.get(digest);
    if (!query) {
      query = this.queries
        .add(() => this.store.findByHash(digest))
        .then((found) => {
          this.pending.delete(digest);
          const key = found && !this.forgotten.has(found.id) ? found : undefined;
          this.cache.set(digest, key ?? false);
          return key;
        });
      query.catch(() => this.pending.delete(digest));
      this.pending.set(digest, query);
    }
    return query.then((key) => this.verdict(key));
  }

  /** Drops key `id` from the cache: a DELETE takes effect at once on this instance. */
  forget(id: string): void {
    this.forgotten.set(id, true);
    for (const [digest, key] of this.cache.entries()) {
      if (key && key.id === id) this.cache.set(digest, false);
    }
    this.touched.delete(id);
  }

  private verdict(key: ClientKey | undefined): KeyVerdict {
    if (!key) return { ok: false, reason: 'unknown' };
    const now = this.now();
    if (key.expiresAt !== undefined && key.expiresAt <= now) {
      return { ok: false, reason: 'expired', expiredAt: key.expiresAt };
    }
    this.touch(key.id, now);
    return { ok: true, key };
  }

  /** Writes `last_used_at` at most once per `touchEveryMs` per key; a failure is logged, not thrown. */
  private touch(id: string, now: number): void {
    if (this.touched.has(id)) return;
    this.touched.set(id, now);
    this.store.touch(id, now).catch((error: unknown) => {
      this.options.logger?.warn({ err: error, client_key: id }, 'could not record a client key use');
    });
  }
}
