/**
 * Context store: ops/s of one chat exchange (append a turn to a 10-turn conversation, then read it
 * back) on Redis, on Redis through the failover wrapper, and in-process, measured in the same run;
 * then the memory one stored 10-turn conversation takes in each (in-process: heap delta; Redis:
 * `INFO memory` used_memory delta). Keys live under a random prefix, deleted at the end.
 * Run: `tsx bench/context-store.ts` (REDIS_URL, BENCH_SECONDS per measurement, BENCH_CONVERSATIONS
 * for the memory figure).
 */
import { randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createLogger } from '../src/observability/logger.js';
import type { ContextMessage, ContextStore } from '../src/stores/context-store.js';
import { FailoverContextStore } from '../src/stores/failover/failover-context-store.js';
import { MemoryContextStore } from '../src/stores/memory/memory-context-store.js';
import { createRedisConnection } from '../src/stores/redis/redis-connection.js';
import { RedisContextStore } from '../src/stores/redis/redis-context-store.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const conversations = Number(process.env.BENCH_CONVERSATIONS ?? 10_000);
const CONCURRENCY = 64;
const POOL = 1000;
const TURNS = 10;
const options = { maxTurns: TURNS, ttlMs: 10 * 60_000, maxConversations: Math.max(POOL, conversations) };

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** One turn as it would arrive: a chat line of ~80 chars and a reply of ~250, flat strings. */
function turn(n: number): ContextMessage[] {
  const question = `@chatgate what do you think about the boss fight in chapter ${n % 40}? asking for a friend`;
  const answer = `Honestly, chapter ${n % 40}'s boss is mostly about patience: learn the second-phase sweep, keep your stamina for the dodge, and save the heavy hits for the short window after the slam. You've got this, and your friend does too!`;
  return JSON.parse(
    JSON.stringify([
      { role: 'user', content: question, at: Date.now() },
      { role: 'assistant', content: answer, at: Date.now() },
    ]),
  ) as ContextMessage[];
}

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

/** Fills `count` conversations with TURNS turns each, `parallel` appends in flight. */
async function fill(store: ContextStore, keys: string[], parallel: number): Promise<void> {
  const messages = (n: number) => Array.from({ length: TURNS }, (_, t) => turn(n + t)).flat();
  for (let i = 0; i < keys.length; i += parallel) {
    await Promise.all(keys.slice(i, i + parallel).map((key, j) => store.append(key, messages(i + j))));
  }
}

const usedMemory = async (info: () => Promise<string>): Promise<number> =>
  Number(/used_memory:(\d+)/.exec(await info())?.[1] ?? Number.NaN);

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

async function cleanup(): Promise<void> {
  let cursor = '0';
  do {
    const [nextCursor, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

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

  // Memory per stored conversation of 10 turns (20 messages, ~330 chars per turn).
  const keys = Array.from({ length: conversations }, (_, i) => `mem|chan|user-${i}`);
  const heapStore = new MemoryContextStore(options);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  await fill(heapStore, keys, 1000);
  gc();
  const heapPer = (process.memoryUsage().heapUsed - heapBefore) / conversations;
  const held = await heapStore.size();
  const memPrefix = `${prefix}mem:`;
  const redisMem = new RedisContextStore({ client, ...options, prefix: memPrefix });
  const redisBefore = await usedMemory(() => client.info('memory'));
  await fill(redisMem, keys, 200);
  const redisPer = ((await usedMemory(() => client.info('memory'))) - redisBefore) / conversations;
  const redisHeld = await redisMem.size();
  printTable(`\nmemory per conversation of ${TURNS} turns (${conversations} conversations)`, [
    ['backend', 'bytes', 'KiB', 'conversations'],
    ['in-process heap', heapPer.toFixed(0), (heapPer / 1024).toFixed(2), `${held} held`],
    ['redis used_memory', redisPer.toFixed(0), (redisPer / 1024).toFixed(2), `${redisHeld} held`],
    ['payload (JSON)', String(Buffer.byteLength(JSON.stringify(turn(1))) * TURNS), ''],
  ]);
} finally {
  await cleanup();
  failover.dispose();
  await connection.close();
}
