import { describe, expect, it } from 'vitest';
import { MemoryContextStore } from '../../../src/stores/memory/memory-context-store.js';
import { describeContextStoreContract, turn } from '../context-store.contract.js';

describeContextStoreContract('memory', (options) => new MemoryContextStore(options));

describe('MemoryContextStore', () => {
  it('holds at most maxConversations, forgetting the least recently used', async () => {
    const store = new MemoryContextStore({ maxTurns: 2, ttlMs: 60_000, maxConversations: 2 });
    await store.append('a', turn(1));
    await store.append('b', turn(2));
    await store.get('a');
    await store.append('c', turn(3));
    expect(await store.size()).toBe(2);
    expect(await store.get('a')).toEqual(turn(1));
    expect(await store.get('b')).toEqual([]);
    expect(await store.get('c')).toEqual(turn(3));
  });
});
