/**
 * Budgets on the ack path: µs per admission (the budget guard's atomic reserve, then the release
 * when the interaction ends) and per answer recorded, for a community with user, channel and
 * community budgets, against the same calls for a community without budgets (the baseline: no
 * counter is touched), in process and on Redis, measured in the same run. Keys live under a random
 * prefix, deleted at the end.
 * Run: `npx tsx bench/budget.ts` (REDIS_URL, BENCH_SECONDS per measurement, default 2).
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '../src/observability/logger.js';
import { Metrics } from '../src/observability/metrics.js';
import type { BudgetSettings } from '../src/safety/safety-settings.js';
import { MemoryUsageCounters } from '../src/safety/usage/memory-usage-counters.js';
import { RedisUsageCounters } from '../src/safety/usage/redis-usage-counters.js';
import type { UsageCounters } from '../src/safety/usage/usage-counters.js';
import { UsageMeter } from '../src/safety/usage/usage-meter.js';
import { MemoryUsageStore } from '../src/stores/memory/memory-usage-store.js';
import { createRedisConnection } from '../src/stores/redis/redis-connection.js';
import { deleteByPrefix } from '../test/stores/redis/support.js';
import { writeResults } from './lib/results.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const USERS = 1000;
const HIGH = 1e12;
const BUDGETS: BudgetSettings = {
  userDailyTokens: HIGH,
  channelDailyTokens: HIGH,
  communityDailyTokens: HIGH,
};

interface Figures {
  perSecond: number;
  p50us: number;
  p99us: number;
}

/** Runs `op` in a loop for `ms`; µs per call. */
async function measure(op: (i: number) => Promise<unknown>, ms: number): Promise<Figures> {
  const latencies: number[] = [];
  const deadline = performance.now() + ms;
  const started = performance.now();
  for (let i = 0; performance.now() < deadline; i++) {
    const t = performance.now();
    await op(i);
    latencies.push((performance.now() - t) * 1000);
  }
  const elapsed = performance.now() - started;
  return {
    perSecond: latencies.length / (elapsed / 1000),
    p50us: percentile(latencies, 50),
    p99us: percentile(latencies, 99),
  };
}

function meterOn(counters: UsageCounters): UsageMeter {
  return new UsageMeter({
    counters,
    store: new MemoryUsageStore(),
    prices: { m: { prompt: 1, completion: 2 } },
    metrics: new Metrics({ defaultMetrics: false }),
    logger: createLogger('silent'),
  });
}

const connection = createRedisConnection({ url: redisUrl, commandTimeoutMs: 5000 });
if (!(await connection.health.waitUntilUp(3000))) {
  console.error(`no Redis at ${connection.health.snapshot().target}: start one or set REDIS_URL`);
  await connection.close();
  process.exit(1);
}
const prefix = `chatgate-bench:${randomUUID()}:`;
const backends: [string, UsageMeter][] = [
  ['in-process', meterOn(new MemoryUsageCounters())],
  ['redis', meterOn(new RedisUsageCounters({ client: connection.client, prefix }))],
];
const ask = { maxTokens: 256, promptChars: 80, model: 'm' };
const subject = (i: number) => ({ communityId: 'bench:c', channelId: 'main', userId: `u${i % USERS}` });

try {
  const results: Record<string, Record<string, Figures>> = {};
  for (const [name, meter] of backends) {
    const admit = (budgets: BudgetSettings) => async (i: number) => {
      const id = `bench:${i}`;
      await meter.reserve(id, budgets, subject(i), ask);
      await meter.release(id);
    };
    await measure(admit(BUDGETS), 300); // warm-up
    results[name] = {
      'admit, no budgets': await measure(admit({}), seconds * 1000),
      'admit, 3 budgets': await measure(admit(BUDGETS), seconds * 1000),
      'record an answer': await measure(
        (i) =>
          meter.record({ ...subject(i), model: 'm', usage: { prompt_tokens: 30, completion_tokens: 20 } }),
        seconds * 1000,
      ),
    };
  }
  const rows = [['backend', 'operation', 'ops/s', 'p50 µs', 'p99 µs', 'time × no budgets']];
  for (const [name, figures] of Object.entries(results)) {
    const base = figures['admit, no budgets'] as Figures;
    for (const [op, f] of Object.entries(figures)) {
      rows.push([
        name,
        op,
        f.perSecond.toFixed(0),
        f.p50us.toFixed(1),
        f.p99us.toFixed(1),
        ratio(base.perSecond, f.perSecond),
      ]);
    }
  }
  printTable(`budgets: one admission = reserve + release (${seconds} s each, one at a time)`, rows);
  writeResults('budget', { params: { seconds, users: USERS }, results });
} finally {
  await deleteByPrefix(connection.client, prefix);
  await connection.close();
}
