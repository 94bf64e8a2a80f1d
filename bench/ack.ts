/**
 * Ack path: `POST /api/v1/ai/interaction` against a bare fastify route that answers the same 202
 * JSON, in the same process and run. Prints throughput and p50/p99 latency with the ratios.
 * Run: `npm run bench:ack` (BENCH_SECONDS, BENCH_CONNECTIONS to change the load).
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { createServices } from '../src/services.js';
import { memoryStores } from '../src/stores/store-set.js';
import { startFakeOllama } from '../test/fakes/fake-ollama.js';
import { type LoadResult, runLoad } from './lib/autocannon.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);

// Every request is a new event (no id given) that mentions the bot; cooldowns off so each one is
// queued. The worker answers from a fake Ollama that takes 200 ms, so it waits on I/O as it would
// on a real model, and the backlog grows while the ack path is measured.
const body = JSON.stringify({
  platform: 'api',
  community_id: 'api:bench',
  channel_id: 'bench',
  user: { id: 'u1', login: 'viewer' },
  text: '@chatgate how are you?',
});

const ollama = await startFakeOllama();
ollama.behave({ latencyMs: 200 });
const config = loadConfig({
  env: {},
  overrides: {
    log: { level: 'silent' },
    ai: { ollama: { host: ollama.url } },
    queue: { maxSize: 1_000_000, maxConcurrent: 10 },
    limits: { channelReplyCap: { max: 1_000_000_000, windowMs: 60_000 } },
    triggers: {
      kinds: { mention: { enabled: true, probability: 1, userCooldownMs: 0, channelCooldownMs: 0 } },
    },
  },
});
const services = await createServices(config, {
  logger: createLogger('silent'),
  stores: memoryStores(config),
});
const app = await buildApp(services);
const chatgateUrl = `${await app.listen({ port: 0, host: '127.0.0.1' })}/api/v1/ai/interaction`;

const bare = Fastify();
bare.post('/ack', async (_request, reply) =>
  reply.code(202).send({ interaction_id: randomUUID(), status: 'queued', trigger: 'mention' }),
);
const bareUrl = `${await bare.listen({ port: 0, host: '127.0.0.1' })}/ack`;

const load = (url: string) => runLoad({ url, body, connections, durationSeconds: seconds });
// Warm both up, then measure them alternately so that machine noise hits both alike.
await load(bareUrl);
await load(chatgateUrl);
const results: { bare: LoadResult[]; chatgate: LoadResult[] } = { bare: [], chatgate: [] };
for (let round = 0; round < 2; round++) {
  results.bare.push(await load(bareUrl));
  results.chatgate.push(await load(chatgateUrl));
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const summary = (runs: LoadResult[]) => ({
  rps: mean(runs.map((run) => run.requestsPerSecond)),
  p50: mean(runs.map((run) => run.p50)),
  p99: mean(runs.map((run) => run.p99)),
  non2xx: runs.reduce((sum, run) => sum + run.non2xx + run.errors, 0),
});
const b = summary(results.bare);
const c = summary(results.chatgate);
const rows = [
  ['metric', 'bare fastify', 'chatgate ack', 'ratio'],
  ['req/s', b.rps.toFixed(0), c.rps.toFixed(0), (c.rps / b.rps).toFixed(2)],
  ['p50 ms', b.p50.toFixed(2), c.p50.toFixed(2), (c.p50 / Math.max(b.p50, 0.01)).toFixed(2)],
  ['p99 ms', b.p99.toFixed(2), c.p99.toFixed(2), (c.p99 / Math.max(b.p99, 0.01)).toFixed(2)],
  ['non-2xx+errors', String(b.non2xx), String(c.non2xx), ''],
];
console.log(`ack path, ${connections} connections, ${seconds} s × 2 rounds each`);
for (const row of rows) console.log(row.map((cell) => cell.padEnd(16)).join(''));

// The backlog left behind would take minutes to drain against a 200 ms model; do not wait for it.
await Promise.all([app.close(), bare.close(), ollama.close()]);
process.exit(0);
