/**
 * Scale out (issue 8): replies/s of 1 and of 3 `worker` processes behind one `api` process, on the
 * redis queue, against the limit W × N / L (W workers, N = MAX_CONCURRENT_REQUESTS each, L = the
 * fake Ollama's fixed latency); then the time a SIGKILLed worker's jobs take to be answered by the
 * surviving worker (BullMQ's stalled-job check, QUEUE_STALLED_INTERVAL_MS).
 * Needs Redis on 127.0.0.1:6379 (database 15 is flushed) and PostgreSQL
 * (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a schema of its own).
 * Run: `npm run bench:scale` (BENCH_EVENTS, BENCH_LATENCY_MS, BENCH_CONCURRENCY, BENCH_STALLED_MS).
 */
import { type ScaleBackends, startScaleBackends } from '../test/scale/backends.js';
import type { ChatgateProcess } from '../test/support/chatgate-process.js';
import { writeResults } from './lib/results.js';
import { printTable } from './lib/stats.js';

const events = Number(process.env.BENCH_EVENTS ?? 1500);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 100);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
const stalledMs = Number(process.env.BENCH_STALLED_MS ?? 5000);

const backends: ScaleBackends = await startScaleBackends('bench_scale');
const { receiver } = backends;
backends.ollama.behave({ latencyMs });
const start = (role: string) =>
  backends.start({
    CHATGATE_ROLE: role,
    MAX_CONCURRENT_REQUESTS: String(concurrency),
    MAX_QUEUE_SIZE: '1000000',
    QUEUE_STALLED_INTERVAL_MS: String(stalledMs),
  });

/** Queues `count` mentions through the api process, 64 requests in flight. */
async function enqueue(api: ChatgateProcess, label: string, count: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const id = `${label}-${next++}`;
      const response = await fetch(`${api.url}/api/v1/ai/interaction`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id,
          platform: 'api',
          community_id: 'api:bench',
          channel_id: 'bench',
          user: { id: `user-${id}`, login: 'viewer' },
          text: `@chatgate hello ${id}`,
          callback_url: receiver.url,
        }),
      });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 64 }, lane));
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

/**
 * Starts `workers` workers, then queues the events (far faster than they are answered) and times
 * the callbacks from the first to the last: the steady rate, without process start-up.
 */
async function throughput(api: ChatgateProcess, workers: number): Promise<{ rate: number; limit: number }> {
  const label = `w${workers}`;
  const before = receiver.received.length;
  const pool = await Promise.all(Array.from({ length: workers }, () => start('worker')));
  await enqueue(api, label, events);
  await until(() => receiver.received.length - before >= events, 120_000, `${label} replies`);
  const mine = receiver.received.slice(before);
  const first = Math.min(...mine.map((callback) => callback.at));
  const last = Math.max(...mine.map((callback) => callback.at));
  await Promise.all(pool.map((worker) => worker.stop('SIGTERM')));
  // The first reply ends one latency after work began: count the run from that start.
  const rate = events / ((last - first + latencyMs) / 1000);
  return { rate, limit: (workers * concurrency * 1000) / latencyMs };
}

/**
 * Two workers busy; one is SIGKILLed a quarter of the way: the time until every reply is in, against
 * the time the survivor alone needs for what was left (remaining × L / N). The difference is what
 * the kill cost: its in-flight jobs wait for the stalled-job check.
 */
async function recovery(
  api: ChatgateProcess,
): Promise<{ afterKillMs: number; survivorAloneMs: number; costMs: number; lost: number }> {
  const label = 'kill';
  const count = Math.round((2 * concurrency * 1000 * 4) / latencyMs); // about 4 s of work for two
  const before = receiver.received.length;
  const [victim, survivor] = await Promise.all([start('worker'), start('worker')]);
  await enqueue(api, label, count);
  await until(() => receiver.received.length - before >= count / 4, 60_000, 'a quarter of the replies');
  await victim.stop('SIGKILL');
  const killedAt = Date.now();
  const remaining = count - (receiver.distinct().size - before);
  await until(() => receiver.distinct().size - before >= count, 120_000, 'every reply after the kill');
  const afterKillMs = Math.max(...receiver.received.slice(before).map((callback) => callback.at)) - killedAt;
  const survivorAloneMs = Math.round((remaining * latencyMs) / concurrency);
  await survivor.stop('SIGTERM');
  return {
    afterKillMs,
    survivorAloneMs,
    costMs: afterKillMs - survivorAloneMs,
    lost: count - (receiver.distinct().size - before),
  };
}

try {
  const api = await start('api');
  const one = await throughput(api, 1);
  const three = await throughput(api, 3);
  const kill = await recovery(api);
  const fmt = (value: number) => value.toFixed(1);
  printTable(`scale: 1 api + W workers, ${events} events, L = ${latencyMs} ms, N = ${concurrency}`, [
    ['workers', 'replies/s', 'limit W×N/L', 'ratio to limit'],
    ['1', fmt(one.rate), fmt(one.limit), `${(one.rate / one.limit).toFixed(2)}×`],
    ['3', fmt(three.rate), fmt(three.limit), `${(three.rate / three.limit).toFixed(2)}×`],
    ['3 vs 1', `${(three.rate / one.rate).toFixed(2)}×`, '3.00×', ''],
  ]);
  printTable('SIGKILL of one of two busy workers', [
    [
      'stalled interval',
      'all answered after the kill',
      'survivor alone (baseline)',
      'cost of the kill',
      'lost',
    ],
    [
      `${stalledMs} ms`,
      `${kill.afterKillMs} ms`,
      `${kill.survivorAloneMs} ms`,
      `${kill.costMs} ms`,
      String(kill.lost),
    ],
  ]);
  writeResults('scale', {
    config: { events, latencyMs, concurrency, stalledMs },
    oneWorker: one,
    threeWorkers: three,
    speedup: three.rate / one.rate,
    sigkill: kill,
  });
} finally {
  await backends.close();
}
