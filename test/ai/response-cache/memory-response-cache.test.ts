/**
 * The in-process response cache (no REDIS_URL) stays within its bounds: entries and bytes, each
 * answer with its TTL; and the cache key does not depend on the order of a request's fields.
 */
import { describe, expect, it } from 'vitest';
import { MemoryResponseCache } from '../../../src/ai/response-cache/memory-response-cache.js';
import { type CachedAnswer, responseCacheKey } from '../../../src/ai/response-cache/response-cache.js';
import { waitFor } from '../../support/wait-for.js';

const answer = (content: string): CachedAnswer => ({
  content,
  finishReason: 'stop',
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  provider: 'openai',
  model: 'llama3.2',
});

describe('MemoryResponseCache', () => {
  it('holds at most maxEntries answers, dropping the least recently used', async () => {
    const cache = new MemoryResponseCache({ maxEntries: 2, maxBytes: 1_000_000 });
    await cache.set('a', answer('A'), 60_000);
    await cache.set('b', answer('B'), 60_000);
    expect(await cache.get('a')).toEqual(answer('A'));
    await cache.set('c', answer('C'), 60_000);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toEqual(answer('A'));
    expect(await cache.get('c')).toEqual(answer('C'));
  });

  it('holds at most maxBytes of answers, and never one larger than that', async () => {
    const small = JSON.stringify(answer('x')).length;
    const cache = new MemoryResponseCache({ maxEntries: 100, maxBytes: small * 2 + 1 });
    await cache.set('a', answer('x'), 60_000);
    await cache.set('b', answer('y'), 60_000);
    await cache.set('c', answer('z'), 60_000);
    const kept = await Promise.all(['a', 'b', 'c'].map((key) => cache.get(key)));
    expect(kept.filter(Boolean)).toHaveLength(2);
    expect(await cache.get('c')).toEqual(answer('z'));
    await cache.set('huge', answer('h'.repeat(small * 3)), 60_000);
    expect(await cache.get('huge')).toBeUndefined();
  });

  it('forgets an answer after its TTL', async () => {
    const cache = new MemoryResponseCache();
    await cache.set('a', answer('A'), 50);
    expect(await cache.get('a')).toEqual(answer('A'));
    await waitFor(async () => (await cache.get('a')) === undefined, 5000, 'the answer to expire');
  });
});

describe('responseCacheKey', () => {
  it('is the same for the same request in another field order, and differs for another value', () => {
    const a = responseCacheKey({ community: { id: 'c' }, options: { temperature: 0, seed: 1 }, model: 'm' });
    const b = responseCacheKey({ model: 'm', options: { seed: 1, temperature: 0 }, community: { id: 'c' } });
    const c = responseCacheKey({ model: 'm', options: { seed: 2, temperature: 0 }, community: { id: 'c' } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('tells messages apart by order and leaves out undefined members', () => {
    const one = { role: 'user', content: 'one' };
    const two = { role: 'user', content: 'two' };
    expect(responseCacheKey({ messages: [one, two] })).not.toBe(responseCacheKey({ messages: [two, one] }));
    expect(responseCacheKey({ messages: [one], pin: undefined })).toBe(responseCacheKey({ messages: [one] }));
  });
});
