import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryChatterStore } from '../../../src/stores/memory/memory-chatter-store.js';
import { describeChatterStoreContract, line, testClock } from '../chatter-store.contract.js';

describeChatterStoreContract('memory', (now) => new MemoryChatterStore({ now }));

describe('MemoryChatterStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("drops a line when its window ends, though the channel's later lines keep it alive", async () => {
    // Timers only: the store's clock is the test's, lru-cache's own clock stays real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const clock = testClock();
    const store = new MemoryChatterStore({ now: clock.now });
    const window = { messages: 10, maxAgeMs: 60_000 };
    const everything = { messages: 10, maxAgeMs: 3_600_000 };
    await store.add('c', line(1), window);
    clock.advance(30_000);
    vi.advanceTimersByTime(30_000);
    await store.add('c', line(2), window);
    clock.advance(30_001);
    vi.advanceTimersByTime(30_001);
    // Read with a wider window than the one written: only what is still held comes back.
    expect((await store.recent('c', everything)).map((kept) => kept.text)).toEqual(['line 2']);
    clock.advance(30_000);
    vi.advanceTimersByTime(30_000);
    expect(await store.recent('c', everything)).toEqual([]);
  });

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
