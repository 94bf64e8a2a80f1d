import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ContextMessage, ContextStore } from '../../src/stores/context-store.js';
import { waitFor } from '../support/wait-for.js';

/** What a context store is built from in these tests. */
export interface ContextStoreOptions {
  maxTurns: number;
  ttlMs: number;
  maxConversations: number;
}

/** Builds a fresh store; a backend with a server (Redis) may share it, keys are unique per test. */
export type MakeContextStore = (options: ContextStoreOptions) => ContextStore | Promise<ContextStore>;

const DEFAULTS: ContextStoreOptions = { maxTurns: 3, ttlMs: 60_000, maxConversations: 100 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A conversation key no other test (or earlier run against a shared server) uses. */
export const uniqueKey = (label: string): string => `test|${label}|${randomUUID()}`;

/** One turn: the user's message `n` and the bot's reply to it. */
export function turn(n: number): ContextMessage[] {
  return [
    { role: 'user', content: `question ${n}`, at: 1_000 + n * 10 },
    { role: 'assistant', content: `answer ${n}`, at: 1_000 + n * 10 + 1 },
  ];
}

/** The `ContextStore` contract: every backend (memory, Redis) passes these. */
export function describeContextStoreContract(name: string, make: MakeContextStore): void {
  const store = (options: Partial<ContextStoreOptions> = {}) => make({ ...DEFAULTS, ...options });

  describe(`ContextStore contract: ${name}`, () => {
    it('returns no messages for an unknown conversation', async () => {
      expect(await (await store()).get(uniqueKey('unknown'))).toEqual([]);
    });

    it('returns appended messages oldest first, as given', async () => {
      const context = await store();
      const key = uniqueKey('order');
      await context.append(key, turn(1));
      await context.append(key, turn(2));
      expect(await context.get(key)).toEqual([...turn(1), ...turn(2)]);
    });

    it('keeps at most maxTurns × 2 messages, dropping the oldest first', async () => {
      const context = await store({ maxTurns: 3 });
      const key = uniqueKey('trim');
      for (let n = 1; n <= 5; n += 1) await context.append(key, turn(n));
      const kept = await context.get(key);
      expect(kept).toHaveLength(6);
      expect(kept).toEqual([...turn(3), ...turn(4), ...turn(5)]);
    });

    it('trims within one append that is longer than the cap', async () => {
      const context = await store({ maxTurns: 1 });
      const key = uniqueKey('one-append');
      await context.append(key, [...turn(1), ...turn(2), ...turn(3)]);
      expect(await context.get(key)).toEqual(turn(3));
    });

    it('keeps nothing when maxTurns is 0', async () => {
      const context = await store({ maxTurns: 0 });
      const key = uniqueKey('none');
      await context.append(key, turn(1));
      expect(await context.get(key)).toEqual([]);
    });

    it('keeps conversations apart', async () => {
      const context = await store();
      const alice = uniqueKey('alice');
      const bob = uniqueKey('bob');
      await context.append(alice, turn(1));
      await context.append(bob, turn(2));
      await context.append(alice, turn(3));
      expect(await context.get(alice)).toEqual([...turn(1), ...turn(3)]);
      expect(await context.get(bob)).toEqual(turn(2));
    });

    it('clear forgets one conversation and leaves the others', async () => {
      const context = await store();
      const alice = uniqueKey('alice');
      const bob = uniqueKey('bob');
      await context.append(alice, turn(1));
      await context.append(bob, turn(2));
      await context.clear(alice);
      expect(await context.get(alice)).toEqual([]);
      expect(await context.get(bob)).toEqual(turn(2));
      await context.append(alice, turn(4));
      expect(await context.get(alice)).toEqual(turn(4));
    });

    it('clear of an unknown conversation is a no-op', async () => {
      const context = await store();
      await expect(context.clear(uniqueKey('never'))).resolves.toBeUndefined();
    });

    it('counts the conversations it holds', async () => {
      const context = await store();
      const before = await context.size();
      const alice = uniqueKey('alice');
      await context.append(alice, turn(1));
      await context.append(uniqueKey('bob'), turn(1));
      await context.append(alice, turn(2));
      expect(await context.size()).toBe(before + 2);
      await context.clear(alice);
      expect(await context.size()).toBe(before + 1);
    });

    it('hands out copies: changing a returned array does not change the store', async () => {
      const context = await store();
      const key = uniqueKey('copy');
      await context.append(key, turn(1));
      const got = await context.get(key);
      got.push({ role: 'user', content: 'injected', at: 0 });
      got.shift();
      expect(await context.get(key)).toEqual(turn(1));
    });

    it('forgets a conversation ttlMs after its last write', async () => {
      const context = await store({ ttlMs: 500 });
      const key = uniqueKey('ttl');
      await context.append(key, turn(1));
      expect(await context.get(key)).toEqual(turn(1));
      await waitFor(async () => (await context.get(key)).length === 0, 5_000, 'the conversation to expire');
    });

    it('restarts the TTL on every write', async () => {
      // Half a TTL of room on each side, so that a slow machine neither lets the first write expire
      // before the second nor the second before the check.
      const ttlMs = 1000;
      const context = await store({ ttlMs });
      const key = uniqueKey('ttl-refresh');
      const first = performance.now();
      await context.append(key, turn(1));
      await sleep(ttlMs / 2);
      await context.append(key, turn(2));
      await sleep(first + ttlMs + 100 - performance.now()); // past the first write's TTL
      expect(await context.get(key)).toEqual([...turn(1), ...turn(2)]);
    });
  });
}
