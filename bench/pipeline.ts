/**
 * Pipeline: chat events through router → queue → worker → fake LLM → reply callback, with the
 * worker's concurrency N (BENCH_CONCURRENCY, default 20) and a model that takes L ms
 * (BENCH_LATENCY_MS, default 100; a fake OpenAI-compatible server in a child process). Events go
 * in with `services.router.ingest` (each from its own user, so no cooldown or per-conversation
 * order holds them), fed so that the backlog never runs dry; replies are counted where a caller
 * would get them, at a callback server. The limit is N/L replies/s; the measured baseline is N
 * loops calling the fake model directly over HTTP for the same time (what the machine allows).
 * Cases: the `memory` queue backend and the `redis` backend (BullMQ on REDIS_URL, in an empty
 * database of its own whose keys are deleted at the end; skipped when Redis does not answer).
 * Stores are in-process in both cases, so only the queue backend differs.
 * Run: `npm run bench:pipeline` (BENCH_SECONDS measured per case after 2 s of warm-up, default 8;
 * BENCH_CASES=memory or redis for one case).
 */
import { performance } from 'node:perf_hooks';
import { type DeepPartial, loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { createLogger } from '../src/observability/logger.js';
import { createServices } from '../src/services.js';
import { memoryStores } from '../src/stores/store-set.js';
import { redisAnswers } from '../test/stores/redis/support.js';
import { chatEvent } from '../test/support/events.js';
import { startCallbackCounter } from './lib/callback-counter.js';
import { privateRedisDb } from './lib/redis-db.js';
import { writeResults } from './lib/results.js';
import { spawnFakeUpstream } from './lib/spawn-upstream.js';
import { printTable, ratio } from './lib/stats.js';

const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 20);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WARMUP_MS = 2000;
const limit = concurrency / (latencyMs / 1000);

const upstream = await spawnFakeUpstream({ FAKE_LATENCY_MS: String(latencyMs), FAKE_REPLY: 'Sure thing!' });
const callbacks = await startCallbackCounter();
const request = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'hi' }] });

/** N loops calling the fake model straight, for `ms`: completed calls per second. */
async function directCalls(ms: number): Promise<number> {
  const deadline = performance.now() + ms;
  let calls = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      const response = await fetch(`${upstream.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request,
      });
      await response.text();
      if (response.ok) calls++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return calls / ((performance.now() - started) / 1000);
}

interface CaseResult {
  repliesPerSecond: number;
  /** Average interactions running (of N). */
  slotsBusy: number;
  failures: number;
  ingested: number;
}

/** Runs chatgate's pipeline on `queue` for warm-up + `seconds`, feeding events; replies/s measured. */
async function pipeline(queue: DeepPartial<Config['queue']>, storesRedisUrl?: string): Promise<CaseResult> {
  const config = loadConfig({
    env: {},
    overrides: {
      log: { level: 'silent' },
      ai: {
        mode: 'remote',
        offlineResponses: false,
        provider: 'openai',
        openai: { baseUrl: `${upstream.url}/v1`, model: 'bench-model' },
      },
      queue: { maxConcurrent: concurrency, maxSize: 100_000, ...queue },
      callbacks: { defaultUrl: callbacks.url },
      limits: { channelReplyCap: { max: 1_000_000_000, windowMs: 60_000 } },
      triggers: {
        kinds: { mention: { enabled: true, probability: 1, userCooldownMs: 0, channelCooldownMs: 0 } },
      },
      ...(storesRedisUrl ? { stores: { redisUrl: storesRedisUrl } } : {}),
    },
  });
  const services = await createServices(config, {
    logger: createLogger('silent'),
    stores: memoryStores(config),
    random: () => 0,
  });
  // Keep twice N events waiting: the worker never waits for work, the backlog stays small.
  let ingesting = 0;
  let ingested = 0;
  let feeding = true;
  const feed = () => {
    while (feeding && services.queue.size + ingesting < 2 * concurrency) {
      ingesting++;
      ingested++;
      const event = chatEvent({
        communityId: 'api:bench',
        text: '@chatgate how is it going?',
        mentionsBot: true,
        user: { id: `viewer-${ingested}`, login: `viewer${ingested}` },
      });
      void services.router.ingest(event).finally(() => {
        ingesting--;
      });
    }
    if (feeding) setTimeout(feed, 2);
  };
  // How full the worker's slots are (sampled every 5 ms): near N means the feed kept up and any
  // shortfall is time spent per job, not idle slots.
  const running: number[] = [];
  const sampler = setInterval(() => running.push(services.queue.running), 5);
  const firstReply = callbacks.replies.length;
  const firstFailure = callbacks.failures.length;
  feed();
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const from = performance.now();
  const counted = callbacks.replies.length;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const to = performance.now();
  const replies = callbacks.replies.slice(counted).filter((at) => at <= to).length;
  feeding = false;
  clearInterval(sampler);
  await services.close();
  return {
    repliesPerSecond: replies / ((to - from) / 1000),
    slotsBusy: running.reduce((sum, count) => sum + count, 0) / running.length,
    failures: callbacks.failures.length - firstFailure,
    ingested: callbacks.replies.length - firstReply,
  };
}

await directCalls(1000); // warm-up
const baseline = await directCalls(seconds * 1000);
// BENCH_CASES=redis (or memory) runs one case, e.g. under --cpu-prof.
const cases = process.env.BENCH_CASES?.split(',') ?? ['memory', 'redis'];
const results: Record<string, CaseResult | undefined> = {};
if (cases.includes('memory')) results.memory = await pipeline({ backend: 'memory' });
let redisNote = '';
if (!cases.includes('redis')) {
  redisNote = 'redis: not asked for (BENCH_CASES)';
} else if (await redisAnswers(redisUrl)) {
  const db = await privateRedisDb(redisUrl);
  try {
    results.redis = await pipeline({ backend: 'redis' }, db.url);
  } finally {
    redisNote = `redis: database ${db.db}, ${await db.cleanup()} keys deleted after the run`;
  }
} else {
  redisNote = `redis: skipped, no Redis answers at ${redisUrl}`;
}

const rows = [
  ['case', 'replies/s', 'vs N/L', 'vs direct', 'failed', 'slots busy'],
  ['limit N/L', limit.toFixed(1), '1.00', ratio(limit, baseline), '', ''],
  ['direct to fake model (baseline)', baseline.toFixed(1), ratio(baseline, limit), '1.00', '', ''],
];
for (const [name, result] of Object.entries(results)) {
  if (!result) continue;
  rows.push([
    `chatgate, ${name} queue`,
    result.repliesPerSecond.toFixed(1),
    ratio(result.repliesPerSecond, limit),
    ratio(result.repliesPerSecond, baseline),
    String(result.failures),
    `${result.slotsBusy.toFixed(1)}/${concurrency}`,
  ]);
}
printTable(
  `pipeline: N=${concurrency} concurrent, model latency L=${latencyMs} ms, ${seconds} s measured after ${WARMUP_MS / 1000} s warm-up`,
  rows,
);
console.log(redisNote);
console.log(
  `target (issue 9): ≥ 0.95× N/L: ${Object.entries(results)
    .map(([name, result]) => `${name} ${ratio(result?.repliesPerSecond ?? 0, limit)}×`)
    .join(', ')}`,
);
writeResults('pipeline', {
  params: { concurrency, latencyMs, seconds, warmupMs: WARMUP_MS },
  limit,
  baseline,
  cases: results,
  ratios: Object.fromEntries(
    Object.entries(results).map(([name, result]) => [
      name,
      {
        vsLimit: (result?.repliesPerSecond ?? 0) / limit,
        vsDirect: (result?.repliesPerSecond ?? 0) / baseline,
      },
    ]),
  ),
});
await callbacks.close();
await upstream.stop();
process.exit(0);
