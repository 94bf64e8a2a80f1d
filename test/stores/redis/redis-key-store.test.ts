import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../../src/stores/redis/redis-connection.js';
import { RedisKeyStore } from '../../../src/stores/redis/redis-key-store.js';
import { describeNeeding } from '../../support/requirements.js';
import { describeKeyStoreContract, uniqueKey } from '../key-store.contract.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describeNeeding(['redis'], 'RedisKeyStore on Redis', () => {
  const connection = createRedisConnection({ url: TEST_REDIS_URL });
  const { client } = connection;
  const run = randomPrefix('keys');
  const make = (): RedisKeyStore => new RedisKeyStore({ client, prefix: run });

  beforeAll(async () => {
    expect(await connection.health.waitUntilUp(5000)).toBe(true);
  });

  afterAll(async () => {
    await deleteByPrefix(client, run);
    // Nothing left: a second sweep over every SCAN page finds no key of this run.
    expect(await deleteByPrefix(client, run)).toBe(0);
    await connection.close();
  });

  describeKeyStoreContract('redis', make);

  describe('RedisKeyStore', () => {
    it('claims with SET PX NX under the prefix, and release deletes the key', async () => {
      const keys = make();
      const key = uniqueKey('claim');
      expect(await keys.claim(key, 10_000)).toBe(true);
      expect(keys.claimKey(key).startsWith(`${run}key:`)).toBe(true);
      expect(await client.get(keys.claimKey(key))).toBe('1');
      const pttl = await client.pttl(keys.claimKey(key));
      expect(pttl).toBeGreaterThan(9_000);
      expect(pttl).toBeLessThanOrEqual(10_000);
      await keys.release(key);
      expect(await client.exists(keys.claimKey(key))).toBe(0);
    });

    it('sets the window on the first hit only, and rounds a fractional window up', async () => {
      const keys = make();
      const key = uniqueKey('pttl');
      await keys.increment(key, 10_000.4);
      const first = await client.pttl(keys.counterKey(key));
      expect(first).toBeGreaterThan(9_000);
      expect(first).toBeLessThanOrEqual(10_001);
      await sleep(50);
      await keys.increment(key, 60_000);
      expect(await client.pttl(keys.counterKey(key))).toBeLessThanOrEqual(first);
    });

    it('gives a counter found without a TTL one, so that none lives forever', async () => {
      const keys = make();
      const key = uniqueKey('no-ttl');
      await client.set(keys.counterKey(key), '5');
      expect(await keys.increment(key, 10_000)).toBe(6);
      expect(await client.pttl(keys.counterKey(key))).toBeGreaterThan(9_000);
    });

    it('rejects a TTL that is not finite', async () => {
      const keys = make();
      await expect(keys.claim(uniqueKey('inf'), Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
      await expect(keys.increment(uniqueKey('nan'), Number.NaN)).rejects.toThrow(RangeError);
    });
  });
});
