import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/logger.js';
import type { ClientKeyStore } from '../../stores/client-key-store.js';
import type { KeyStore } from '../../stores/key-store.js';
import { ClientKeyLookup } from './key-lookup.js';
import { ClientKeyQuotas } from './quotas.js';
import { MemoryTokenCounter, RedisTokenCounter } from './token-counter.js';

/** The stored client keys of the gateway: where they live, how a token finds its key, their limits. */
export interface ClientKeys {
  store: ClientKeyStore;
  lookup: ClientKeyLookup;
  quotas: ClientKeyQuotas;
}

/** What `clientKeys` builds on. */
export interface ClientKeysOptions {
  store: ClientKeyStore;
  /** Window counters for `rpm` (the services' KeyStore: Redis when `REDIS_URL` is set). */
  counters: KeyStore;
  /** Redis for the daily token counters, when `REDIS_URL` is set; in process otherwise. */
  redis?: Redis;
  /** How long look-ups are cached, ms (`auth.clientKeyCacheMs`). */
  cacheMs: number;
  logger?: Logger;
}

/** Builds the client keys' look-up (with its cache) and quotas on the services' stores. */
export function clientKeys(options: ClientKeysOptions): ClientKeys {
  const logger = options.logger?.child({ component: 'client_keys' });
  const tokens = options.redis ? new RedisTokenCounter(options.redis, { logger }) : new MemoryTokenCounter();
  return {
    store: options.store,
    lookup: new ClientKeyLookup(options.store, { cacheMs: options.cacheMs, logger }),
    quotas: new ClientKeyQuotas(options.counters, tokens),
  };
}
