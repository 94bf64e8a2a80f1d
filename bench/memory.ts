/**
 * Memory: what 10,000 stored conversations of 10 turns (~330 chars per turn; BENCH_CONVERSATIONS)
 * cost in chatgate's context stores, each against its own baseline in the same run:
 * - in-process: RSS (and heap) of a fresh process after a full GC, empty (the store built, nothing
 *   stored) and then holding the conversations (lib/memory-fill-child.ts);
 * - Redis: `INFO memory` used_memory and used_memory_rss before (the server as it was) and after
 *   the fill, under a random key prefix deleted at the end (skipped when Redis does not answer).
 * The JSON payload of the conversations is the floor: "× payload" is each store's overhead factor.
 * Run: `npm run bench:memory` (REDIS_URL, BENCH_CONVERSATIONS).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createRedisConnection } from '../src/stores/redis/redis-connection.js';
import { RedisContextStore } from '../src/stores/redis/redis-context-store.js';
import { deleteByPrefix, redisAnswers } from '../test/stores/redis/support.js';
import { conversationBytes, fill } from './lib/conversation.js';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/stats.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const conversations = Number(process.env.BENCH_CONVERSATIONS ?? 10_000);
const payload = conversationBytes() * conversations;

interface Reading {
  rss: number;
  heapUsed: number;
}
const child = fileURLToPath(new URL('./lib/memory-fill-child.ts', import.meta.url));
const inProcess = JSON.parse(
  execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', child], {
    env: { ...process.env, BENCH_CONVERSATIONS: String(conversations) },
  }).toString(),
) as { empty: Reading; full: Reading; held: number };

const redisFigures = async () => {
  const connection = createRedisConnection({ url: redisUrl, commandTimeoutMs: 10_000 });
  const prefix = `chatgate-bench-mem:${randomUUID()}:`;
  const { client } = connection;
  if (!(await connection.health.waitUntilUp(3000))) throw new Error(`no Redis at ${redisUrl}`);
  const info = async () => {
    const text = await client.info('memory');
    const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(text)?.[1] ?? Number.NaN);
    return { used: field('used_memory'), rss: field('used_memory_rss') };
  };
  try {
    const store = new RedisContextStore({ client, maxTurns: 10, ttlMs: 3_600_000, prefix });
    const keys = Array.from({ length: conversations }, (_, i) => `twitch:channel:1|chan|user-${i}`);
    const before = await info();
    await fill(store, keys, 200);
    const after = await info();
    return { before, after, held: await store.size() };
  } finally {
    await deleteByPrefix(client, prefix);
    await connection.close();
  }
};
const redis = (await redisAnswers(redisUrl)) ? await redisFigures() : undefined;

const MB = 1024 * 1024;
/** One row: empty baseline, full, delta, bytes per conversation, full/empty and delta/payload. */
const row = (name: string, empty: number, full: number) => [
  name,
  (empty / MB).toFixed(1),
  (full / MB).toFixed(1),
  ((full - empty) / MB).toFixed(1),
  ((full - empty) / conversations).toFixed(0),
  ratio(full, empty),
  ratio(full - empty, payload),
];
const rows = [
  [
    'store, measure',
    'baseline MB',
    `with ${conversations}`,
    'delta MB',
    'B/conversation',
    'full/base',
    '× payload',
  ],
  row('in-process, RSS', inProcess.empty.rss, inProcess.full.rss),
  row('in-process, heap', inProcess.empty.heapUsed, inProcess.full.heapUsed),
];
if (redis) {
  rows.push(row('redis, used_memory', redis.before.used, redis.after.used));
  rows.push(row('redis, used_memory_rss', redis.before.rss, redis.after.rss));
}
rows.push([
  'JSON payload (floor)',
  '',
  '',
  (payload / MB).toFixed(1),
  (payload / conversations).toFixed(0),
  '',
  '1.00',
]);
printTable(
  `memory: ${conversations} conversations of 10 turns; baseline = empty process / Redis before the fill, same run`,
  rows,
);
console.log(
  `held: in-process ${inProcess.held}${redis ? `, redis ${redis.held}` : ` (redis skipped: no Redis at ${redisUrl})`}`,
);
writeResults('memory', { params: { conversations, turns: 10 }, payloadBytes: payload, inProcess, redis });
process.exit(0);
