import { describe, expect, it } from 'vitest';
import { MemoryChatterStore } from '../../../src/stores/memory/memory-chatter-store.js';
import { describeChatterStoreContract, line } from '../chatter-store.contract.js';

describeChatterStoreContract('memory', (now) => new MemoryChatterStore({ now }));

describe('MemoryChatterStore', () => {
  it('holds at most maxChannels, forgetting the least recently used', async () => {
    const store = new MemoryChatterStore({ maxChannels: 2 });
    const window = { messages: 5, maxAgeMs: 60_000 };
    await store.add('a', line(1), window);
    await store.add('b', line(2), window);
    await store.recent('a', window);
    await store.add('c', line(3), window);
    expect((await store.recent('a', window)).map((kept) => kept.text)).toEqual(['line 1']);
    expect(await store.recent('b', window)).toEqual([]);
    expect((await store.recent('c', window)).map((kept) => kept.text)).toEqual(['line 3']);
  });

  it('holds at most maxChars over every channel, forgetting the least recently used', async () => {
    const store = new MemoryChatterStore({ maxChars: 500 });
    const window = { messages: 5, maxAgeMs: 60_000 };
    const long = (n: number) => ({ ...line(n), text: `${n} ${'x'.repeat(150)}` });
    for (let n = 1; n <= 4; n++) await store.add(`channel-${n}`, long(n), window);
    // Each channel weighs some 180 chars: the first ones went to make room.
    expect(await store.recent('channel-1', window)).toEqual([]);
    expect((await store.recent('channel-4', window)).map((kept) => kept.text)).toEqual([long(4).text]);
  });
});
