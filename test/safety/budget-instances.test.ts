import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisUsageCounters } from '../../src/safety/usage/redis-usage-counters.js';
import type { Services } from '../../src/services.js';
import { MemoryCommunityConfigStore } from '../../src/stores/memory/memory-community-config-store.js';
import { createRedisConnection } from '../../src/stores/redis/redis-connection.js';
import { RedisKeyStore } from '../../src/stores/redis/redis-key-store.js';
import { memoryStores } from '../../src/stores/store-set.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../stores/redis/support.js';
import { describeNeeding } from '../support/requirements.js';
import {
  type Ack,
  budgetApp,
  budgetConfig,
  fixedUsage,
  mention,
  putCommunity,
  REPLY_TOKENS,
  UsageClock,
} from './support/budget-app.js';

const INSTANCES = 3;
const BUDGET = 500;
const MAX_TOKENS = 60;
const WAVES = 3;
const WAVE_SIZE = 30;

/**
 * The budget guarantee (issue 14): three chatgate instances on one Redis, each with its own
 * connection, queue and process state, take bursts of concurrent mentions in one community whose
 * budget is 500 tokens a day. Every reply uses 50 tokens (the fake upstream's fixed usage, each
 * answer 30 ms late so that runs overlap). However the events fall, the tokens spent never pass the
 * budget by more than one reply, and the budget is used (not refused wholesale).
 */
describeNeeding(['redis'], 'a daily budget across 3 instances on one Redis', () => {
  let upstream: FakeServer;
  const prefix = randomPrefix('budget-instances');
  const connections: ReturnType<typeof createRedisConnection>[] = [];
  const instances: { services: Services; app: FastifyInstance }[] = [];
  const clock = new UsageClock();
  const communityId = `twitch:channel:burst${Date.now().toString(36)}`;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    fixedUsage(upstream, 30);
    const config = budgetConfig(upstream.url);
    // The community's settings as every instance reads them from the shared database.
    const communityConfigs = new MemoryCommunityConfigStore();
    for (let i = 0; i < INSTANCES; i++) {
      // Raw Redis stores (no failover to memory, which would split the count): a loaded machine
      // must not time a command out.
      const connection = createRedisConnection({ url: TEST_REDIS_URL, commandTimeoutMs: 5000 });
      await connection.health.waitUntilUp(2000);
      connections.push(connection);
      const stores = {
        ...memoryStores(config),
        communityConfigs,
        keys: new RedisKeyStore({ client: connection.client, prefix }),
        usageCounters: new RedisUsageCounters({ client: connection.client, prefix }),
      };
      instances.push(await budgetApp(config, stores, clock));
    }
    await putCommunity(instances[0]?.app as FastifyInstance, communityId, {
      max_tokens: MAX_TOKENS,
      budgets: { community_daily_tokens: BUDGET },
    });
  });
  afterAll(async () => {
    for (const { app, services } of instances) {
      await app.close();
      await services.close();
    }
    if (connections[0]) await deleteByPrefix(connections[0].client, prefix);
    await Promise.all(connections.map((connection) => connection.close()));
    await upstream?.close();
  });

  it('never spends more than the budget plus one reply, under bursts spread over the instances', async () => {
    const acks: Ack[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const burst = Array.from({ length: WAVE_SIZE }, (_, i) => {
        const { app, services } = instances[i % INSTANCES] as (typeof instances)[number];
        return mention(app, services, { communityId, user: `viewer${wave}-${i}` });
      });
      acks.push(...(await Promise.all(burst)));
    }
    const answered = upstream.calls.filter((call) => call.path.endsWith('/chat/completions')).length;
    const spent = answered * REPLY_TOKENS;
    expect(spent).toBeLessThanOrEqual(BUDGET + REPLY_TOKENS);
    // The budget was used: at most one reservation (60 + the text's estimate) short of it.
    expect(spent).toBeGreaterThan(BUDGET - 2 * REPLY_TOKENS);
    expect(acks.filter((ack) => ack.status === 'queued')).toHaveLength(answered);
    expect(acks.filter((ack) => ack.reason === 'budget')).toHaveLength(WAVES * WAVE_SIZE - answered);
    // Every instance reads the same figures from Redis, reservations all released.
    for (const { services } of instances) {
      expect(await services.usage.usageToday({ communityId })).toMatchObject({
        requests: answered,
        promptTokens: answered * 30,
        completionTokens: answered * 20,
      });
    }
  });
});
