import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { FailoverChatterStore } from '../../../src/stores/failover/failover-chatter-store.js';
import { MemoryChatterStore } from '../../../src/stores/memory/memory-chatter-store.js';
import { RedisChatterStore } from '../../../src/stores/redis/redis-chatter-store.js';
import { createRedisConnection } from '../../../src/stores/redis/redis-connection.js';
import { describeNeeding } from '../../support/requirements.js';
import { waitFor } from '../../support/wait-for.js';
import { describeChatterStoreContract, line, testClock, uniqueChannel } from '../chatter-store.contract.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from './support.js';

describeNeeding(['redis'], 'RedisChatterStore on Redis', () => {
  const connection = createRedisConnection({ url: TEST_REDIS_URL });
  const { client } = connection;
  const run = randomPrefix('chatter');
  let stores = 0;
  const nextPrefix = (): string => `${run}${stores++}:`;

  beforeAll(async () => {
    expect(await connection.health.waitUntilUp(5000)).toBe(true);
  });

  afterAll(async () => {
    await deleteByPrefix(client, run);
    expect(await deleteByPrefix(client, run)).toBe(0);
    await connection.close();
  });

  describeChatterStoreContract(
    'redis',
    (now) => new RedisChatterStore({ client, prefix: nextPrefix(), now }),
  );

  describe('RedisChatterStore', () => {
    it('keeps each line under a key of its own with a TTL of the window, indexed newest first, trimmed', async () => {
      const prefix = nextPrefix();
      const store = new RedisChatterStore({ client, prefix });
      const channel = uniqueChannel('list');
      const window = { messages: 3, maxAgeMs: 60_000 };
      for (let n = 1; n <= 5; n++) await store.add(channel, line(n), window);
      const lineKeys = [5, 4, 3].map((n) => store.lineKey(channel, line(n).id));
      expect(await client.lrange(store.redisKey(channel), 0, -1)).toEqual(lineKeys);
      // The trimmed lines are deleted, not only unlisted.
      expect((await client.keys(`${prefix}*`)).sort()).toEqual([store.redisKey(channel), ...lineKeys].sort());
      for (const key of [store.redisKey(channel), ...lineKeys]) {
        const pttl = await client.pttl(key);
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(60_000);
      }
      expect(JSON.parse((await client.get(lineKeys[0] as string)) ?? '{}').text).toBe('line 5');
    });

    it('deletes lines past the window at the next write', async () => {
      const clock = testClock();
      const prefix = nextPrefix();
      const store = new RedisChatterStore({ client, prefix, now: clock.now });
      const channel = uniqueChannel('pop');
      const window = { messages: 10, maxAgeMs: 60_000 };
      await store.add(channel, line(1), window);
      await store.add(channel, line(2), window);
      clock.advance(60_001);
      await store.add(channel, line(3), window);
      const lineKey = store.lineKey(channel, line(3).id);
      expect(await client.lrange(store.redisKey(channel), 0, -1)).toEqual([lineKey]);
      expect((await client.keys(`${prefix}*`)).sort()).toEqual([store.redisKey(channel), lineKey].sort());
    });

    it("lets Redis delete a line's text when its window ends, with no later write", async () => {
      const store = new RedisChatterStore({ client, prefix: nextPrefix() });
      const channel = uniqueChannel('quiet');
      const window = { messages: 10, maxAgeMs: 150 };
      await store.add(channel, line(1), window);
      const key = store.lineKey(channel, line(1).id);
      expect(await client.exists(key)).toBe(1);
      await waitFor(async () => (await client.exists(key)) === 0, 5000, 'the line to expire');
      expect(await store.recent(channel, window)).toEqual([]);
    });

    it('behind the failover store: reads and writes Redis while it is up, forgets on both', async () => {
      const redis = new RedisChatterStore({ client, prefix: nextPrefix() });
      const memory = new MemoryChatterStore();
      const store = new FailoverChatterStore({
        redis,
        memory,
        health: connection.health,
        logger: createLogger('silent'),
      });
      try {
        const channel = uniqueChannel('failover');
        const window = { messages: 10, maxAgeMs: 60_000 };
        // A line kept in memory during an earlier outage, and one written now (to Redis).
        await memory.add(channel, line(1, 'troll'), window);
        await store.add(channel, line(2, 'troll'), window);
        expect(store.backend()).toBe('redis');
        expect((await redis.recent(channel, window)).map((kept) => kept.text)).toEqual(['line 2']);
        expect((await store.recent(channel, window)).map((kept) => kept.text)).toEqual(['line 2']);
        await store.forget(channel, ['troll']);
        expect(await redis.recent(channel, window)).toEqual([]);
        expect(await memory.recent(channel, window)).toEqual([]);
      } finally {
        store.dispose();
      }
    });

    it('skips and pops entries that are not lines', async () => {
      const store = new RedisChatterStore({ client, prefix: nextPrefix() });
      const channel = uniqueChannel('malformed');
      const window = { messages: 10, maxAgeMs: 60_000 };
      await client.rpush(store.redisKey(channel), 'not json', JSON.stringify({ text: 'no fields' }));
      expect(await store.recent(channel, window)).toEqual([]);
      await store.add(channel, line(1), window);
      expect((await store.recent(channel, window)).map((kept) => kept.text)).toEqual(['line 1']);
      expect(await client.llen(store.redisKey(channel))).toBe(1);
    });
  });
});
