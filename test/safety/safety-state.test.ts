/**
 * The safety state store (paused channels, moderation marks): the same contract in process, on
 * Redis (a key prefix of the run's own), and behind the failover switch, which answers from
 * memory while Redis is down.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { FailoverSafetyState, RedisSafetyState } from '../../src/safety/redis-safety-state.js';
import { MemorySafetyState, type SafetyStateStore } from '../../src/safety/safety-state.js';
import { createRedisConnection, type RedisConnection } from '../../src/stores/redis/redis-connection.js';
import { deleteByPrefix, keysByPrefix, randomPrefix } from '../stores/redis/support.js';
import { describeNeeding, TEST_REDIS_URL } from '../support/requirements.js';
import { waitFor } from '../support/wait-for.js';

const key = (label: string) => `test|${label}|${randomUUID()}`;

function describeContract(name: string, make: () => SafetyStateStore | Promise<SafetyStateStore>): void {
  describe(`SafetyStateStore contract: ${name}`, () => {
    it('stores, replaces, reads several at once, and deletes values', async () => {
      const store = await make();
      const [one, two, absent] = [key('one'), key('two'), key('absent')];
      await store.set(one, 'a');
      await store.set(two, '1:2', 60_000);
      await store.set(one, 'b');
      expect(await store.get(one)).toBe('b');
      expect(await store.getMany([one, absent, two])).toEqual(['b', undefined, '1:2']);
      expect(await store.getMany([])).toEqual([]);
      await store.delete(one);
      await store.delete(absent);
      expect(await store.get(one)).toBeUndefined();
    });

    it('forgets a value once its lifetime has passed, and keeps one set without a lifetime', async () => {
      const store = await make();
      const [short, lasting] = [key('short'), key('lasting')];
      await store.set(short, 'x', 300);
      await store.set(lasting, 'y', 300);
      // Set again without a lifetime: it no longer expires.
      await store.set(lasting, 'y');
      expect(await store.get(short)).toBe('x');
      await waitFor(async () => (await store.get(short)) === undefined, 5000, 'the value to expire');
      expect(await store.get(lasting)).toBe('y');
    });
  });
}

describeContract('memory', () => new MemorySafetyState());

describeNeeding(['redis'], 'the safety state on Redis', () => {
  const prefix = randomPrefix('safety-state');
  const connections: RedisConnection[] = [];
  const connect = async (url = TEST_REDIS_URL) => {
    const connection = createRedisConnection({ url, connectTimeoutMs: 500 });
    connections.push(connection);
    await connection.health.waitUntilUp(url === TEST_REDIS_URL ? 2000 : 50);
    return connection;
  };
  afterAll(async () => {
    const cleaner = await connect();
    await deleteByPrefix(cleaner.client, prefix);
    for (const connection of connections) await connection.close();
  });

  describeContract('redis', async () => new RedisSafetyState((await connect()).client, { prefix }));

  it('keeps its keys under `<prefix>safety:`, with a TTL only when given a lifetime', async () => {
    const { client } = await connect();
    const store = new RedisSafetyState(client, { prefix });
    const [lasting, expiring] = [key('lasting'), key('expiring')];
    await store.set(lasting, '1');
    await store.set(expiring, '1', 10_000);
    expect(await keysByPrefix(client, `${prefix}safety:${lasting}`)).toHaveLength(1);
    expect(await client.pttl(`${prefix}safety:${lasting}`)).toBe(-1);
    expect(await client.pttl(`${prefix}safety:${expiring}`)).toBeGreaterThan(5000);
  });

  it('answers from memory while Redis is down (failover)', async () => {
    const down = await connect('redis://127.0.0.1:1');
    const store = new FailoverSafetyState({
      redis: new RedisSafetyState(down.client, { prefix }),
      memory: new MemorySafetyState(),
      health: down.health,
      logger: createLogger('silent'),
    });
    expect(store.backend()).toBe('memory');
    const paused = key('paused');
    await store.set(paused, '1');
    expect(await store.getMany([paused])).toEqual(['1']);
    await store.delete(paused);
    expect(await store.get(paused)).toBeUndefined();
    store.dispose();
  });
});
