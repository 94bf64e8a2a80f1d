import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KeyStore } from '../../src/stores/key-store.js';
import { waitFor } from '../support/wait-for.js';

/** Builds a fresh store; a backend with a server (Redis) may share it, keys are unique per test. */
export type MakeKeyStore = () => KeyStore | Promise<KeyStore>;

/** A key no other test (or earlier run against a shared server) uses. */
export const uniqueKey = (label: string): string => `test:${label}:${randomUUID()}`;

/** The `KeyStore` contract (dedupe keys, cooldowns, reply caps): every backend passes these. */
export function describeKeyStoreContract(name: string, make: MakeKeyStore): void {
  describe(`KeyStore contract: ${name}`, () => {
    it('claims a free key once; a second claim fails while the first holds it', async () => {
      const keys = await make();
      const key = uniqueKey('dedupe');
      expect(await keys.claim(key, 60_000)).toBe(true);
      expect(await keys.claim(key, 60_000)).toBe(false);
      expect(await keys.claim(key, 1)).toBe(false);
    });

    it('lets exactly one of many concurrent claims win', async () => {
      const keys = await make();
      const key = uniqueKey('race');
      const results = await Promise.all(Array.from({ length: 20 }, () => keys.claim(key, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps keys apart', async () => {
      const keys = await make();
      const a = uniqueKey('a');
      expect(await keys.claim(a, 60_000)).toBe(true);
      expect(await keys.claim(uniqueKey('b'), 60_000)).toBe(true);
      expect(await keys.claim(a, 60_000)).toBe(false);
    });

    // TTLs run on the store's own clock (Redis's for the Redis store): a test waits for a key to
    // come free (waitFor) instead of sleeping past it, and a TTL is long enough (500 ms) that the
    // next statement still finds it held on a loaded machine.
    it('frees a key once its ttl has passed', async () => {
      const keys = await make();
      const key = uniqueKey('ttl');
      expect(await keys.claim(key, 500)).toBe(true);
      expect(await keys.claim(key, 500)).toBe(false);
      await waitFor(() => keys.claim(key, 60_000), 5_000, 'the claim to lapse');
      expect(await keys.claim(key, 60_000)).toBe(false);
    });

    it('does not extend a held key when a claim fails', async () => {
      const keys = await make();
      const key = uniqueKey('no-extend');
      expect(await keys.claim(key, 500)).toBe(true);
      expect(await keys.claim(key, 60_000)).toBe(false);
      // Free after the first claim's 500 ms; had the failed claim extended it, only after 60 s.
      await waitFor(() => keys.claim(key, 60_000), 5_000, 'the first claim to lapse');
    });

    it('release frees a held key at once', async () => {
      const keys = await make();
      const key = uniqueKey('release');
      expect(await keys.claim(key, 60_000)).toBe(true);
      await keys.release(key);
      expect(await keys.claim(key, 60_000)).toBe(true);
      expect(await keys.claim(key, 60_000)).toBe(false);
    });

    it('release of a free key is a no-op', async () => {
      const keys = await make();
      const key = uniqueKey('free');
      await expect(keys.release(key)).resolves.toBeUndefined();
      expect(await keys.claim(key, 60_000)).toBe(true);
    });

    it('always claims with ttlMs 0, and holds nothing afterwards', async () => {
      const keys = await make();
      const key = uniqueKey('zero');
      expect(await keys.claim(key, 0)).toBe(true);
      expect(await keys.claim(key, 0)).toBe(true);
      expect(await keys.claim(key, 60_000)).toBe(true);
      expect(await keys.claim(key, 0)).toBe(true);
    });

    it('counts hits in a window, per key', async () => {
      const keys = await make();
      const a = uniqueKey('cap');
      expect(await keys.increment(a, 60_000)).toBe(1);
      expect(await keys.increment(a, 60_000)).toBe(2);
      expect(await keys.increment(uniqueKey('other'), 60_000)).toBe(1);
      expect(await keys.increment(a, 60_000)).toBe(3);
    });

    it('starts the window with the first hit: later hits do not extend it', async () => {
      const keys = await make();
      const key = uniqueKey('window');
      expect(await keys.increment(key, 500)).toBe(1);
      expect(await keys.increment(key, 500)).toBe(2);
      // A hit every 10 ms until one starts a new window (count 1): if hits extended the window,
      // none ever would.
      await waitFor(async () => (await keys.increment(key, 500)) === 1, 5_000, 'a new window');
    });

    it('counts every one of many concurrent hits exactly once', async () => {
      const keys = await make();
      const key = uniqueKey('concurrent');
      const counts = await Promise.all(Array.from({ length: 50 }, () => keys.increment(key, 60_000)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });
  });
}
