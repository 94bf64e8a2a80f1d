/**
 * Context store: ops/s of one chat exchange (append a turn to a 10-turn conversation, then read it
 * back) on Redis, on Redis through the failover wrapper, and in-process (the baseline), measured in
 * the same run. Keys live under a random prefix, deleted at the end. (What stored conversations
 * cost in memory is `memory.ts`.)
 * Run: `npm run bench:context` (REDIS_URL, BENCH_SECONDS per measurement, default 3).
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '../src/observability/logger.js';
import type { ContextStore } from '../src/stores/context-store.js';
import { FailoverContextStore } from '../src/stores/failover/failover-context-store.js';
import { MemoryContextStore } from '../src/stores/memory/memory-context-store.js';
import { createRedisConnection } from '../src/stores/redis/redis-connection.js';
import { RedisContextStore } from '../src/stores/redis/redis-context-store.js';
import { deleteByPrefix } from '../test/stores/redis/support.js';
import { fill, TURNS, turn } from './lib/conversation.js';
import { writeResults } from './lib/results.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = 64;
const POOL = 1000;
const options = { maxTurns: TURNS, ttlMs: 10 * 60_000, maxConversations: POOL };

interface Throughput {
  opsPerSecond: number;
  p50: number;
  p99: number;
}

/** Runs `workers` loops of append+get over the pool for `ms`; latencies in ms per exchange. */
async function measure(
  store: ContextStore,
  keys: string[],
  workers: number,
  ms: number,
): Promise<Throughput> {
  const deadline = performance.now() + ms;
  const latencies: number[] = [];
  let next = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const key = keys[next++ % keys.length] as string;
      const started = performance.now();
      await store.append(key, turn(next));
      await store.get(key);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, loop));
  const elapsed = performance.now() - started;
  return {
    opsPerSecond: latencies.length / (elapsed / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const connection = createRedisConnection({ url: redisUrl, commandTimeoutMs: 5000 });
if (!(await connection.health.waitUntilUp(3000))) {
  console.error(`no Redis at ${connection.health.snapshot().target}: start one or set REDIS_URL`);
  await connection.close();
  process.exit(1);
}
const { client, health } = connection;
const prefix = `chatgate-bench:${randomUUID()}:`;
const memory = new MemoryContextStore(options);
const redis = new RedisContextStore({ client, ...options, prefix });
const failover = new FailoverContextStore({
  redis: new RedisContextStore({ client, ...options, prefix }),
  memory: new MemoryContextStore(options),
  health,
  logger: createLogger('silent'),
});

try {
  // Throughput: the same pool of conversations, each already holding 10 turns.
  const pool = Array.from({ length: POOL }, (_, i) => `bench|chan|user-${i}`);
  await fill(memory, pool, 100);
  await fill(redis, pool, 100);
  const backends: [string, ContextStore][] = [
    ['in-process', memory],
    ['redis', redis],
    ['redis+failover', failover],
  ];
  const results = new Map<string, { one: Throughput; many: Throughput }>();
  for (const [, store] of backends) await measure(store, pool, CONCURRENCY, 500); // warm-up
  for (const [name, store] of backends) {
    const one = await measure(store, pool, 1, seconds * 1000);
    const many = await measure(store, pool, CONCURRENCY, seconds * 1000);
    results.set(name, { one, many });
  }
  const base = results.get('in-process');
  const rows = [
    ['backend', 'ops/s (1)', `ops/s (${CONCURRENCY})`, 'p50 ms (1)', 'p99 ms (1)', 'vs in-process'],
  ];
  for (const [name, { one, many }] of results) {
    rows.push([
      name,
      one.opsPerSecond.toFixed(0),
      many.opsPerSecond.toFixed(0),
      one.p50.toFixed(3),
      one.p99.toFixed(3),
      `${ratio(one.opsPerSecond, base?.one.opsPerSecond ?? 0)} / ${ratio(many.opsPerSecond, base?.many.opsPerSecond ?? 0)}`,
    ]);
  }
  printTable(
    `context store: one op = append a turn + get a ${TURNS}-turn conversation (${POOL} conversations, ${seconds} s each)`,
    rows,
  );
  writeResults('context-store', {
    params: { seconds, concurrency: CONCURRENCY, pool: POOL, turns: TURNS },
    backends: Object.fromEntries(results),
  });
} finally {
  await deleteByPrefix(client, prefix);
  failover.dispose();
  await connection.close();
}
