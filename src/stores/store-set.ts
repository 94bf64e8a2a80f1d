import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { FailoverSafetyState, RedisSafetyState } from '../safety/redis-safety-state.js';
import { MemorySafetyState, type SafetyStateStore } from '../safety/safety-state.js';
import { FailoverUsageCounters } from '../safety/usage/failover-usage-counters.js';
import { MemoryUsageCounters } from '../safety/usage/memory-usage-counters.js';
import { RedisUsageCounters } from '../safety/usage/redis-usage-counters.js';
import type { UsageCounters } from '../safety/usage/usage-counters.js';
import { type ChannelStore, MemoryChannelStore } from './channel-store.js';
import type { ChatterStore } from './chatter-store.js';
import type { ClientKeyStore } from './client-key-store.js';
import type { CommunityConfigStore } from './community-config-store.js';
import type { ContextStore } from './context-store.js';
import { FailoverChatterStore } from './failover/failover-chatter-store.js';
import { FailoverContextStore } from './failover/failover-context-store.js';
import { FailoverKeyStore } from './failover/failover-key-store.js';
import { type GrantStore, MemoryGrantStore } from './grant-store.js';
import type { InteractionLog } from './interaction-log.js';
import type { KeyStore } from './key-store.js';
import { MemoryChatterStore } from './memory/memory-chatter-store.js';
import { MemoryClientKeyStore } from './memory/memory-client-key-store.js';
import { MemoryCommunityConfigStore } from './memory/memory-community-config-store.js';
import { MemoryContextStore } from './memory/memory-context-store.js';
import { MemoryInteractionLog } from './memory/memory-interaction-log.js';
import { MemoryKeyStore } from './memory/memory-key-store.js';
import { MemoryUsageStore } from './memory/memory-usage-store.js';
import { migrate } from './postgres/migrate.js';
import { SqlChannelStore } from './postgres/sql-channel-store.js';
import { openSqlClient } from './postgres/sql-client.js';
import { SqlClientKeyStore } from './postgres/sql-client-key-store.js';
import { SqlCommunityConfigStore } from './postgres/sql-community-config-store.js';
import { SqlGrantStore } from './postgres/sql-grant-store.js';
import { SqlInteractionLog } from './postgres/sql-interaction-log.js';
import { SqlUsageStore } from './postgres/sql-usage-store.js';
import { RedisChatterStore } from './redis/redis-chatter-store.js';
import { createRedisConnection } from './redis/redis-connection.js';
import { RedisContextStore } from './redis/redis-context-store.js';
import { RedisKeyStore } from './redis/redis-key-store.js';
import type { UsageStore } from './usage-store.js';

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
  /** Channels joined at run time, rejoined after a restart. */
  channels: ChannelStore;
  /**
   * Paused channels and moderation marks (`src/safety/chat-moderation-state.ts`): on Redis when
   * `REDIS_URL` is set (shared, kept across restarts), in process otherwise or when absent.
   */
  safety?: SafetyStateStore;
  /** Daily token and cost totals (`usage_daily`), for `GET /api/v1/usage`. */
  usage: UsageStore;
  /**
   * The live usage counters budgets check, on Redis (with the in-process ones while it is down)
   * when `REDIS_URL` is set; unset = in process (the services build them).
   */
  usageCounters?: UsageCounters;
  /** Client keys of the gateway (`/api/v1/keys`), stored as hashes. */
  clientKeys: ClientKeyStore;
  /** Platform OAuth grants (`platform_grants`; refresh tokens sealed under `CHATGATE_SECRET_KEY`). */
  grants?: GrantStore;
  /**
   * Each channel's recent unaddressed chatter (background context): on Redis when `REDIS_URL` is
   * set (with the in-process store while it is down); unset = in process (the services build it).
   */
  chatter?: ChatterStore;
  status(): StoreStatus;
  /** The Redis client, when `REDIS_URL` is set (shared rate limits). */
  redis?: Redis;
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
    channels: new MemoryChannelStore(),
    safety: new MemorySafetyState(),
    usage: new MemoryUsageStore(),
    clientKeys: new MemoryClientKeyStore(),
    grants: new MemoryGrantStore(config.stores.secretKey),
    chatter: new MemoryChatterStore(),
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
export async function buildStores(config: Config, logger: Logger): Promise<StoreSet> {
  const memory = memoryStores(config);
  const sql = await sqlStores(config, logger);
  const fast = config.stores.redisUrl ? await redisStores(config, logger) : undefined;
  return {
    context: fast?.context ?? memory.context,
    keys: fast?.keys ?? memory.keys,
    safety: fast?.safety ?? memory.safety,
    chatter: fast?.chatter ?? memory.chatter,
    interactions: sql.interactions,
    communityConfigs: sql.communityConfigs,
    channels: sql.channels,
    usage: sql.usage,
    usageCounters: fast?.usageCounters,
    clientKeys: sql.clientKeys,
    grants: sql.grants,
    redis: fast?.client,
    status: () => ({
      context: fast?.context.backend() ?? 'memory',
      redis: fast ? fast.health() : 'off',
      database: sql.backend,
    }),
    close: async () => {
      await fast?.close();
      await sql.close();
    },
  };
}

/** Community config and the interaction log on PostgreSQL (`DATABASE_URL`) or PGlite, migrated. */
async function sqlStores(config: Config, logger: Logger) {
  const log = logger.child({ component: 'stores', store: 'sql' });
  const onError = (error: unknown) => log.warn({ err: error }, 'database error');
  const client = await openSqlClient({
    databaseUrl: config.stores.databaseUrl,
    dataDir: config.stores.dataDir,
    onError,
  });
  const applied = await migrate(client);
  if (applied.length > 0) log.info({ action: 'migrate', applied }, 'database migrated');
  const interactions = new SqlInteractionLog(client, {
    maxRows: config.interactions.logSize,
    maxAgeMs: config.interactions.retentionDays * 86_400_000,
    onError,
  });
  const usage = new SqlUsageStore(client, { onError });
  return {
    backend: client.backend,
    interactions,
    usage,
    communityConfigs: new SqlCommunityConfigStore(client, { secretKey: config.stores.secretKey }),
    channels: new SqlChannelStore(client),
    clientKeys: new SqlClientKeyStore(client),
    grants: new SqlGrantStore(client, { secretKey: config.stores.secretKey }),
    close: async () => {
      await Promise.all([interactions.close(), usage.close()]);
      await client.close();
    },
  };
}

/** Context and keys on Redis, each falling back to its in-process twin while Redis is down. */
async function redisStores(config: Config, logger: Logger) {
  const redis = createRedisConnection({ url: config.stores.redisUrl as string });
  // Give Redis a moment at start, so that the first events do not go to the in-process stores;
  // if it is down, chatgate starts anyway and moves to Redis when it comes up.
  await redis.health.waitUntilUp(2000);
  const log = logger.child({ component: 'stores' });
  const context = new FailoverContextStore({
    redis: new RedisContextStore({
      client: redis.client,
      maxTurns: config.context.maxTurns,
      ttlMs: config.context.ttlMs,
    }),
    memory: new MemoryContextStore(config.context),
    health: redis.health,
    logger: log,
  });
  const keys = new FailoverKeyStore({
    redis: new RedisKeyStore({ client: redis.client }),
    memory: new MemoryKeyStore(),
    health: redis.health,
    logger: log,
  });
  const safety = new FailoverSafetyState({
    redis: new RedisSafetyState(redis.client),
    memory: new MemorySafetyState(),
    health: redis.health,
    logger: log,
  });
  const chatter = new FailoverChatterStore({
    redis: new RedisChatterStore({ client: redis.client }),
    memory: new MemoryChatterStore(),
    health: redis.health,
    logger: log,
  });
  const usageCounters = new FailoverUsageCounters({
    redis: new RedisUsageCounters({ client: redis.client }),
    memory: new MemoryUsageCounters(),
    health: redis.health,
    logger: log,
  });
  return {
    context,
    keys,
    safety,
    chatter,
    usageCounters,
    client: redis.client,
    health: () => redis.health.status,
    close: async () => {
      context.dispose();
      keys.dispose();
      safety.dispose();
      chatter.dispose();
      usageCounters.dispose();
      await redis.close();
    },
  };
}
