import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChatterStore, ChatterWindow, NewChatterLine } from '../../src/stores/chatter-store.js';
import { waitFor } from '../support/wait-for.js';

/** A clock the test moves: ms since the epoch. */
export interface TestClock {
  now: () => number;
  advance(ms: number): void;
}

export function testClock(start = 1_700_000_000_000): TestClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

/** Builds a fresh store on `now` (a backend with a server may share it; channels are unique per test). */
export type MakeChatterStore = (now: () => number) => ChatterStore | Promise<ChatterStore>;

/** A channel key no other test (or earlier run against a shared server) uses. */
export const uniqueChannel = (label: string): string => `test:${label}|${randomUUID()}`;

/** Line `n` of user `userId`. */
export const line = (n: number, userId = 'u1'): NewChatterLine => ({
  id: `api:line-${n}`,
  speaker: `Speaker ${userId}`,
  userId,
  login: `login-${userId}`,
  text: `line ${n}`,
});

const WINDOW: ChatterWindow = { messages: 5, maxAgeMs: 600_000 };

/** The `ChatterStore` contract: every backend (memory, Redis) passes these. */
export function describeChatterStoreContract(name: string, make: MakeChatterStore): void {
  describe(`ChatterStore contract: ${name}`, () => {
    const texts = async (store: ChatterStore, channel: string, window = WINDOW) =>
      (await store.recent(channel, window)).map((stored) => stored.text);

    it('returns nothing for an unknown channel', async () => {
      const store = await make(testClock().now);
      expect(await store.recent(uniqueChannel('unknown'), WINDOW)).toEqual([]);
    });

    it('returns lines oldest first, as given, stamped with the store clock', async () => {
      const clock = testClock();
      const store = await make(clock.now);
      const channel = uniqueChannel('order');
      await store.add(channel, line(1), WINDOW);
      clock.advance(1000);
      await store.add(channel, line(2, 'u2'), WINDOW);
      expect(await store.recent(channel, WINDOW)).toEqual([
        { ...line(1), at: clock.now() - 1000 },
        { ...line(2, 'u2'), at: clock.now() },
      ]);
    });

    it('keeps at most `messages` lines, the newest', async () => {
      const store = await make(testClock().now);
      const channel = uniqueChannel('count');
      for (let n = 1; n <= 8; n++) await store.add(channel, line(n), WINDOW);
      expect(await texts(store, channel)).toEqual(['line 4', 'line 5', 'line 6', 'line 7', 'line 8']);
      // A smaller window at read time returns fewer, still the newest.
      expect(await texts(store, channel, { messages: 2, maxAgeMs: 600_000 })).toEqual(['line 7', 'line 8']);
    });

    it('leaves out lines older than maxAgeMs', async () => {
      const clock = testClock();
      const store = await make(clock.now);
      const channel = uniqueChannel('age');
      const window = { messages: 10, maxAgeMs: 60_000 };
      await store.add(channel, line(1), window);
      clock.advance(30_000);
      await store.add(channel, line(2), window);
      clock.advance(30_001);
      expect(await texts(store, channel, window)).toEqual(['line 2']);
      await store.add(channel, line(3), window);
      expect(await texts(store, channel, window)).toEqual(['line 2', 'line 3']);
      clock.advance(60_001);
      expect(await texts(store, channel, window)).toEqual([]);
    });

    it('keeps and returns nothing when messages or maxAgeMs is 0', async () => {
      const store = await make(testClock().now);
      const channel = uniqueChannel('off');
      await store.add(channel, line(1), { messages: 0, maxAgeMs: 60_000 });
      await store.add(channel, line(2), { messages: 5, maxAgeMs: 0 });
      expect(await texts(store, channel)).toEqual([]);
      await store.add(channel, line(3), WINDOW);
      expect(await texts(store, channel, { messages: 0, maxAgeMs: 60_000 })).toEqual([]);
      expect(await texts(store, channel, { messages: 5, maxAgeMs: 0 })).toEqual([]);
    });

    it('keeps channels apart', async () => {
      const store = await make(testClock().now);
      const a = uniqueChannel('a');
      const b = uniqueChannel('b');
      await store.add(a, line(1), WINDOW);
      await store.add(b, line(2), WINDOW);
      expect(await texts(store, a)).toEqual(['line 1']);
      expect(await texts(store, b)).toEqual(['line 2']);
    });

    it("forget removes the users' lines and keeps the others'", async () => {
      const store = await make(testClock().now);
      const channel = uniqueChannel('forget');
      await store.add(channel, line(1, 'troll'), WINDOW);
      await store.add(channel, line(2, 'alice'), WINDOW);
      await store.add(channel, line(3, 'troll'), WINDOW);
      await store.add(channel, line(4, 'spammer'), WINDOW);
      await store.forget(channel, ['troll', 'spammer']);
      expect(await texts(store, channel)).toEqual(['line 2']);
      await store.forget(channel, ['alice']);
      expect(await texts(store, channel)).toEqual([]);
      await expect(store.forget(uniqueChannel('never'), ['x'])).resolves.toBeUndefined();
    });

    it('hands out copies', async () => {
      const store = await make(testClock().now);
      const channel = uniqueChannel('copy');
      await store.add(channel, line(1), WINDOW);
      const got = await store.recent(channel, WINDOW);
      (got[0] as { text: string }).text = 'changed';
      got.pop();
      expect(await texts(store, channel)).toEqual(['line 1']);
    });

    it('forgets a channel maxAgeMs after its last line (real time)', async () => {
      const store = await make(Date.now);
      const channel = uniqueChannel('ttl');
      const window = { messages: 5, maxAgeMs: 300 };
      await store.add(channel, line(1), window);
      // Read with a long window: only the store's own expiry can empty it.
      const long = { messages: 5, maxAgeMs: 600_000 };
      await waitFor(
        async () => (await store.recent(channel, long)).length === 0,
        5_000,
        'the channel to expire',
      );
    });
  });
}
