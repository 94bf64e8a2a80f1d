import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextMessage } from '../../../src/stores/context-store.js';
import { createRedisConnection } from '../../../src/stores/redis/redis-connection.js';
import { RedisContextStore } from '../../../src/stores/redis/redis-context-store.js';
import { describeNeeding } from '../../support/requirements.js';
import { waitFor } from '../../support/wait-for.js';
import { describeContextStoreContract, turn, uniqueKey } from '../context-store.contract.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describeNeeding(['redis'], 'RedisContextStore on Redis', () => {
  const connection = createRedisConnection({ url: TEST_REDIS_URL });
  const { client } = connection;
  // Every store of this run lives under its own prefix below `run`, deleted at the end.
  const run = randomPrefix('ctx');
  let stores = 0;
  const nextPrefix = (): string => `${run}${stores++}:`;

  beforeAll(async () => {
    expect(await connection.health.waitUntilUp(5000)).toBe(true);
  });

  afterAll(async () => {
    await deleteByPrefix(client, run);
    // Nothing left: a second sweep over every SCAN page finds no key of this run.
    expect(await deleteByPrefix(client, run)).toBe(0);
    await connection.close();
  });

  describeContextStoreContract(
    'redis',
    (options) => new RedisContextStore({ client, ...options, prefix: nextPrefix() }),
  );

  describe('RedisContextStore', () => {
    it('trims and sets the TTL in the same MULTI as the push', async () => {
      const prefix = nextPrefix();
      const store = new RedisContextStore({ client, maxTurns: 2, ttlMs: 60_000, prefix });
      const key = uniqueKey('pipeline');
      const redisKey = store.redisKey(key);

      // MONITOR on a second connection shows what this client sends, in order.
      const monitor = await client.monitor();
      const seen: string[][] = [];
      const localPort = client.stream.localPort;
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source.endsWith(`:${localPort}`)) seen.push(args.map((arg) => arg.toLowerCase()));
      });
      try {
        for (let n = 1; n <= 4; n += 1) await store.append(key, turn(n));
        await client.ping('sync');
        // MONITOR reports commands as the server runs them, a moment after their replies.
        await waitFor(() => seen.some((args) => args[0] === 'ping' && args[1] === 'sync'), 5_000, 'MONITOR');
      } finally {
        monitor.disconnect();
      }

      const names = seen.map((args) => args[0]);
      const appends = names.filter((name) => name === 'rpush');
      expect(appends).toHaveLength(4);
      // Each RPUSH sits between a MULTI and its EXEC, with LTRIM and PEXPIRE of the same key.
      for (let i = 0; i < seen.length; i += 1) {
        if (seen[i]?.[0] !== 'rpush') continue;
        const multi = names.lastIndexOf('multi', i);
        const exec = names.indexOf('exec', i);
        expect(multi).toBeGreaterThanOrEqual(0);
        expect(exec).toBeGreaterThan(i);
        const inside = seen.slice(multi + 1, exec);
        expect(inside.map((args) => args[0])).toEqual(
          expect.arrayContaining(['rpush', 'ltrim', 'pexpire', 'zadd']),
        );
        expect(inside.find((args) => args[0] === 'ltrim')).toEqual([
          'ltrim',
          redisKey.toLowerCase(),
          '-4',
          '-1',
        ]);
        expect(inside.find((args) => args[0] === 'pexpire')).toEqual([
          'pexpire',
          redisKey.toLowerCase(),
          '60000',
        ]);
      }

      expect(await client.llen(redisKey)).toBe(4);
      const pttl = await client.pttl(redisKey);
      expect(pttl).toBeGreaterThan(55_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
      expect(await store.get(key)).toEqual([...turn(3), ...turn(4)]);
    });

    it('keeps its keys under the prefix: one list per conversation and the index', async () => {
      const prefix = nextPrefix();
      const store = new RedisContextStore({ client, maxTurns: 3, ttlMs: 60_000, prefix });
      await store.append('twitch:1|chan|alice', turn(1));
      await store.append('twitch:1|chan|bob', turn(1));
      // KEYS, not one SCAN page: a page may miss keys when the server holds many others.
      const keys = await client.keys(`${prefix}*`);
      expect(keys.sort()).toEqual(
        [`${prefix}ctx-index`, `${prefix}ctx:twitch:1|chan|alice`, `${prefix}ctx:twitch:1|chan|bob`].sort(),
      );
      expect(await client.pttl(`${prefix}ctx-index`)).toBeGreaterThan(55_000);
    });

    it('counts conversations until they expire, and prunes the index', async () => {
      const prefix = nextPrefix();
      const store = new RedisContextStore({ client, maxTurns: 3, ttlMs: 500, prefix });
      await store.append(uniqueKey('a'), turn(1));
      await store.append(uniqueKey('b'), turn(1));
      expect(await store.size()).toBe(2);
      await waitFor(async () => (await store.size()) === 0, 5_000, 'both conversations to expire');
      expect(await client.exists(`${prefix}ctx-index`)).toBe(0);
    });

    it('restarts the TTL on an append of no messages, and creates nothing for an unknown key', async () => {
      const prefix = nextPrefix();
      const store = new RedisContextStore({ client, maxTurns: 3, ttlMs: 1000, prefix });
      const key = uniqueKey('empty-append');
      await store.append(key, turn(1));
      await sleep(400);
      await store.append(key, []);
      // Not restarted, at most 600 ms would be left; restarted, close to 1000.
      expect(await client.pttl(store.redisKey(key))).toBeGreaterThan(600);
      await store.append(uniqueKey('never'), []);
      expect(await store.size()).toBe(1);
    });

    it('keeps fields a message carries beyond role, content and at', async () => {
      const store = new RedisContextStore({ client, maxTurns: 3, ttlMs: 60_000, prefix: nextPrefix() });
      const key = uniqueKey('fields');
      const labelled = { ...turn(1)[0], speaker: 'alice' } as ContextMessage;
      await store.append(key, [labelled]);
      expect(await store.get(key)).toEqual([labelled]);
    });

    it('skips malformed entries instead of failing the read', async () => {
      const store = new RedisContextStore({ client, maxTurns: 3, ttlMs: 60_000, prefix: nextPrefix() });
      const key = uniqueKey('malformed');
      await store.append(key, turn(1));
      await client.rpush(store.redisKey(key), 'not json', '{"role":"system","content":"x","at":1}', '42');
      expect(await store.get(key)).toEqual(turn(1));
    });

    it('rejects a negative maxTurns or a ttlMs below 1 ms', () => {
      expect(() => new RedisContextStore({ client, maxTurns: -1, ttlMs: 1000 })).toThrow(RangeError);
      expect(() => new RedisContextStore({ client, maxTurns: 1, ttlMs: 0 })).toThrow(RangeError);
    });
  });
});
