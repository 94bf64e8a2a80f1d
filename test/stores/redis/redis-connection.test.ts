import { describe, expect, it } from 'vitest';
import {
  createRedisConnection,
  isReplyError,
  redisTarget,
} from '../../../src/stores/redis/redis-connection.js';
import { waitFor } from '../../support/wait-for.js';
import { freePort } from './support.js';

describe('createRedisConnection', () => {
  it('names the server without credentials', () => {
    expect(redisTarget('redis://user:pw@cache.internal:6380/2')).toBe('redis://cache.internal:6380/2');
    expect(redisTarget('rediss://:pw@cache.internal')).toBe('rediss://cache.internal:6379');
  });

  it('refuses a URL that is not a Redis URL', () => {
    expect(() => createRedisConnection({ url: 'http://127.0.0.1:6379' })).toThrow(/not a Redis URL/);
  });

  it('fails fast while nothing answers: no queueing, down with a clean error', async () => {
    const port = await freePort();
    const password = 'never-shown-password';
    const connection = createRedisConnection({
      url: `redis://:${password}@127.0.0.1:${port}`,
      maxBackoffMs: 50,
    });
    try {
      const { client, health } = connection;
      expect(await health.waitUntilUp(200)).toBe(false);
      expect(health.status).toBe('down');
      const started = performance.now();
      await expect(client.get('anything')).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(100);
      await waitFor(() => health.lastError !== undefined, 2000, 'a connection error');
      expect(health.lastError).toMatch(/ECONNREFUSED/);
      expect(JSON.stringify(health.snapshot())).not.toContain(password);
    } finally {
      const started = performance.now();
      await connection.close();
      expect(performance.now() - started).toBeLessThan(100);
    }
  });

  it('tells errors Redis answered from transport failures', () => {
    const reply = new Error('OOM command not allowed');
    reply.name = 'ReplyError';
    expect(isReplyError(reply)).toBe(true);
    expect(isReplyError(new Error('Command timed out'))).toBe(false);
    expect(isReplyError('nope')).toBe(false);
  });
});
