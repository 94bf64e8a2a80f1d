/**
 * The backends the budget tests run on: the embedded defaults (memory stores, PGlite), PostgreSQL,
 * and PostgreSQL with the usage counters and keys on Redis (a prefix of the run's own), as
 * chatgate runs with `REDIS_URL` and `DATABASE_URL` set.
 */
import type { Redis } from 'ioredis';
import { RedisUsageCounters } from '../../../src/safety/usage/redis-usage-counters.js';
import { createRedisConnection } from '../../../src/stores/redis/redis-connection.js';
import { RedisKeyStore } from '../../../src/stores/redis/redis-key-store.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../../stores/redis/support.js';
import { type StoreBackend, storeBackends } from '../../support/store-backends.js';

/** A shared Redis client for the suites of one file; `close` deletes what they wrote. */
export function sharedRedis(label: string) {
  let connection: ReturnType<typeof createRedisConnection> | undefined;
  const prefix = randomPrefix(label);
  return {
    prefix,
    async client(): Promise<Redis> {
      connection ??= createRedisConnection({ url: TEST_REDIS_URL, commandTimeoutMs: 5000 });
      await connection.health.waitUntilUp(2000);
      return connection.client;
    },
    async close() {
      if (!connection) return;
      await deleteByPrefix(connection.client, prefix);
      await connection.close();
    },
  };
}

/** `storeBackends(label)`, and PostgreSQL with Redis counters and keys. */
export function budgetBackends(label: string, redis: ReturnType<typeof sharedRedis>): StoreBackend[] {
  const backends = storeBackends(label);
  const postgres = backends.find((backend) => backend.name === 'PostgreSQL') as StoreBackend;
  return [
    ...backends,
    {
      name: 'PostgreSQL and Redis',
      needs: [...postgres.needs, 'redis'],
      memory: false,
      async open(config) {
        const opened = await postgres.open(config);
        const client = await redis.client();
        return {
          stores: {
            ...opened.stores,
            keys: new RedisKeyStore({ client, prefix: redis.prefix }),
            usageCounters: new RedisUsageCounters({ client, prefix: redis.prefix }),
          },
          close: opened.close,
        };
      },
    },
  ];
}
