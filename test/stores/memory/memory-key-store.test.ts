import { describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '../../../src/stores/memory/memory-key-store.js';
import { describeKeyStoreContract } from '../key-store.contract.js';

describeKeyStoreContract('memory', () => new MemoryKeyStore());

describe('MemoryKeyStore', () => {
  it('holds at most maxKeys keys, dropping the oldest first', async () => {
    const keys = new MemoryKeyStore({ maxKeys: 2 });
    expect(await keys.claim('a', 60_000)).toBe(true);
    expect(await keys.claim('b', 60_000)).toBe(true);
    expect(await keys.claim('c', 60_000)).toBe(true);
    expect(await keys.claim('a', 60_000)).toBe(true);
    expect(await keys.claim('c', 60_000)).toBe(false);
  });
});
