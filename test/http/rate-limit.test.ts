/**
 * The OpenAI API's per-key budget is shared by every instance through Redis (REDIS_URL), and the
 * key itself never lands in Redis in clear.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { createServices } from '../../src/services.js';
import { memoryStores } from '../../src/stores/store-set.js';
import { testConfig } from '../support/services.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500 });
const redisUp = await probe.connect().then(
  () => true,
  () => false,
);
probe.disconnect();

describe.skipIf(!redisUp)('shared rate limit on Redis', () => {
  const apiKey = `sk-shared-${randomUUID()}`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });
  afterAll(async () => {
    const keys = await redis.keys('chatgate:ratelimit:*');
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  async function instance() {
    const config = testConfig({
      auth: { apiKeys: [apiKey] },
      openaiApi: { rateLimitPerMinute: 3 },
      ai: { mode: 'local' },
    });
    const services = await createServices(config, {
      logger: createLogger('silent'),
      stores: { ...memoryStores(config), redis },
    });
    return { services, app: await buildApp(services) };
  }

  it('counts one budget across two instances, under a hashed key', async () => {
    const a = await instance();
    const b = await instance();
    const headers = { authorization: `Bearer ${apiKey}` };
    const statuses: number[] = [];
    for (const { app } of [a, b, a, b]) {
      statuses.push((await app.inject({ method: 'GET', url: '/v1/models', headers })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const keys = await redis.keys('chatgate:ratelimit:*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain(apiKey);
    for (const { app, services } of [a, b]) {
      await app.close();
      await services.close();
    }
  });
});
