/**
 * The OpenAI API's per-key budget is shared by every instance through Redis (REDIS_URL), and the
 * key itself never lands in Redis in clear.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { createServices } from '../../src/services.js';
import { memoryStores } from '../../src/stores/store-set.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../stores/redis/support.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';

describeNeeding(['redis'], 'shared rate limit on Redis', () => {
  const apiKey = `sk-shared-${randomUUID()}`;
  // The instances' keys live under a prefix of this run (ioredis `keyPrefix`), so that runs at the
  // same time on the same Redis neither count into nor delete each other's budgets.
  const prefix = randomPrefix('ratelimit');
  let redis: Redis;
  let admin: Redis;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
    admin = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await deleteByPrefix(admin, prefix);
    redis.disconnect();
    admin.disconnect();
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
    const keys = await admin.keys(`${prefix}chatgate:ratelimit:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain(apiKey);
    for (const { app, services } of [a, b]) {
      await app.close();
      await services.close();
    }
  });
});
