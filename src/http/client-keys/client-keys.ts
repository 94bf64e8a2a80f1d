import type { Logger } from '../../observability/logger.js';
import type { ClientKeyStore } from '../../stores/client-key-store.js';
import type { KeyStore } from '../../stores/key-store.js';
import { ClientKeyLookup } from './key-lookup.js';
import { ClientKeyQuotas } from './quotas.js';

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
  /**
   * Prompt + completion tokens a key used this UTC day: the usage meter's count for the key
   * (`UsageMeter.keyUsageToday`), shared through Redis when `REDIS_URL` is set.
   */
  tokensToday: (keyId: string) => Promise<number>;
  /** How long look-ups are cached, ms (`auth.clientKeyCacheMs`). */
  cacheMs: number;
  logger?: Logger;
}

/** Builds the client keys' look-up (with its cache) and quotas on the services' stores. */
export function clientKeys(options: ClientKeysOptions): ClientKeys {
  const logger = options.logger?.child({ component: 'client_keys' });
  return {
    store: options.store,
    lookup: new ClientKeyLookup(options.store, { cacheMs: options.cacheMs, logger }),
    quotas: new ClientKeyQuotas(options.counters, options.tokensToday),
  };
}
