/**
 * Ack path: `POST /api/v1/ai/interaction` against a bare fastify route that answers the same 202
 * JSON, in the same process and run, measured alternately (bare, chatgate, saturated chatgate;
 * twice) so that machine noise hits all alike. Two chatgate cases:
 * - "queue has room": the backlog bound is out of reach, so every event is queued (202);
 * - "worker saturated": a small backlog bound (BENCH_SATURATED_QUEUE, default 100) in front of a
 *   worker of 10 on a 200 ms model, so the backlog sits at its bound and most acks are
 *   503 queue_full; the 202 and 503 latencies are reported apart (autocannon per response).
 * Both run on in-process stores; the worker calls an in-process fake Ollama (200 ms).
 * Two more cases run chatgate as `npm start` builds it from an empty environment (lib/npm-start.ts),
 * sent an event that addresses nobody (ignored, but logged, as most of a busy chat is):
 * - "npm start defaults": the interaction log in PGlite under a temporary data directory;
 * - "npm start + DATABASE_URL": the same with the log in PostgreSQL (TEST_DATABASE_URL, default
 *   postgres://postgres@127.0.0.1:5432/test; a schema of its own, dropped at the end).
 * Then the latency of both at a fixed rate within their capacity (BENCH_ACK_RATE, default 2000
 * req/s; open loop, even pacing): what a caller sees under a busy but sane load.
 * Run: `npm run bench:ack` (BENCH_SECONDS per run, default 5; BENCH_CONNECTIONS, default 20).
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import type { DeepPartial } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { startFakeOllama } from '../test/fakes/fake-ollama.js';
import { privatePostgres } from '../test/scale/support.js';
import { startAckChatgate } from './lib/ack-chatgate.js';
import { type Latency, type LoadResult, runLoad, summarize } from './lib/autocannon.js';
import { startLikeNpmStart } from './lib/npm-start.js';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/stats.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
/** The fixed rate of the latency comparison, req/s (BENCH_ACK_RATE): within both servers' capacity. */
const pacedRate = Number(process.env.BENCH_ACK_RATE ?? 2000);
const saturatedQueue = Number(process.env.BENCH_SATURATED_QUEUE ?? 100);
const ROUNDS = 2;

/** An interaction's body: a new event (no id given) from `login` in the bench's community. */
const eventBody = (login: string, text: string) =>
  JSON.stringify({
    platform: 'api',
    community_id: 'api:bench',
    channel_id: 'bench',
    user: { id: login, login },
    text,
  });

// Every request is a new event that mentions the bot; cooldowns off so each one is queued. The
// worker answers from a fake Ollama that takes 200 ms, so it waits on I/O as it would on a real
// model, and the backlog grows while the ack path is measured.
const body = eventBody('viewer', '@chatgate how are you?');
// What most of a busy chat is: a message for nobody, which the router ignores and the log records.
const unaddressed = eventBody('chatter', 'that was a great play');

const ollama = await startFakeOllama();
ollama.behave({ latencyMs: 200 });
setInterval(() => ollama.calls.splice(0), 1000).unref();

/** chatgate on in-process stores with the given queue (lib/ack-chatgate.ts); its ack URL. */
const startChatgate = (queue: DeepPartial<Config['queue']>) => startAckChatgate(ollama.url, { queue });

const roomy = await startChatgate({ maxSize: 1_000_000, maxConcurrent: 10 });
const saturated = await startChatgate({ maxSize: saturatedQueue, maxConcurrent: 10 });
const bare = Fastify();
bare.post('/ack', async (_request, reply) =>
  reply.code(202).send({ interaction_id: randomUUID(), status: 'queued', trigger: 'mention' }),
);
const bareUrl = `${await bare.listen({ port: 0, host: '127.0.0.1' })}/ack`;
const postgres = await privatePostgres('bench_ack');
const defaults = await startLikeNpmStart({ OLLAMA_HOST: ollama.url });
const withPostgres = await startLikeNpmStart({ OLLAMA_HOST: ollama.url, DATABASE_URL: postgres.url });
const ackUrl = (baseUrl: string) => `${baseUrl}/api/v1/ai/interaction`;

const cases = {
  bare: { url: bareUrl, body },
  roomy: { url: roomy.url, body },
  saturated: { url: saturated.url, body },
  defaults: { url: ackUrl(defaults.baseUrl), body: unaddressed },
  postgres: { url: ackUrl(withPostgres.baseUrl), body: unaddressed },
};
type Case = keyof typeof cases;
const load = (name: Case, durationSeconds = seconds) =>
  runLoad({ ...cases[name], connections, durationSeconds });
const names = Object.keys(cases) as Case[];
for (const name of names) await load(name, 2); // warm-up
const runs = Object.fromEntries(names.map((name) => [name, [] as LoadResult[]])) as Record<
  Case,
  LoadResult[]
>;
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names) runs[name].push(await load(name));
}
// Latency at a load both can carry (open loop, even pacing, no coordinated omission): what a caller
// sees at a busy but sane rate, apart from the saturated throughput above.
const paced = (url: string) =>
  runLoad({ url, body, connections, durationSeconds: seconds, rate: pacedRate, pacing: 'even' });
const pacedBare = await paced(bareUrl);
const pacedChatgate = await paced(roomy.url);
const b = summarize(runs.bare);
const r = summarize(runs.roomy);
const s = summarize(runs.saturated);
const d = summarize(runs.defaults);
const p = summarize(runs.postgres);
const none: Latency = { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN };

/**
 * One table row: a case's figures and its ratios to bare fastify (ratio < 1 on req/s = slower).
 * A share of a case's responses (`part`) has no throughput ratio of its own.
 */
const row = (name: string, latency: Latency, rps: number, part = false) => [
  name,
  String(latency.count),
  rps.toFixed(0),
  latency.p50.toFixed(2),
  latency.p95.toFixed(2),
  latency.p99.toFixed(2),
  part ? '' : ratio(rps, b.requestsPerSecond),
  ratio(latency.p50, b.p50),
  ratio(latency.p99, b.p99),
];
const share = (status: string) => (s.byStatus[status]?.count ?? 0) / Math.max(1, s.count);
printTable(
  `ack path: ${connections} connections, ${seconds} s × ${ROUNDS} rounds per case, ratios vs bare fastify`,
  [
    ['case', 'responses', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s ×', 'p50 ×', 'p99 ×'],
    row('bare fastify 202 (baseline)', b, b.requestsPerSecond),
    row('chatgate, queue has room', r, r.requestsPerSecond),
    row('chatgate, worker saturated', s, s.requestsPerSecond),
    row('  of which 202 queued', s.byStatus['202'] ?? none, s.requestsPerSecond * share('202'), true),
    row('  of which 503 queue_full', s.byStatus['503'] ?? none, s.requestsPerSecond * share('503'), true),
    row(`npm start defaults (${defaults.database} log), unaddressed`, d, d.requestsPerSecond),
    row(`npm start + DATABASE_URL (${withPostgres.database} log), unaddressed`, p, p.requestsPerSecond),
    [
      ...row(
        `bare fastify at ${pacedRate} req/s (baseline)`,
        pacedBare,
        pacedBare.requestsPerSecond,
        true,
      ).slice(0, 7),
      '1.00',
      '1.00',
    ],
    [
      ...row(`chatgate at ${pacedRate} req/s`, pacedChatgate, pacedChatgate.requestsPerSecond, true).slice(
        0,
        7,
      ),
      ratio(pacedChatgate.p50, pacedBare.p50),
      ratio(pacedChatgate.p99, pacedBare.p99),
    ],
  ],
);
const unexpected = [r, b, d, p].reduce((sum, result) => sum + result.non2xx + result.errors, s.errors);
if (unexpected > 0) console.log(`unexpected non-2xx or errors outside the saturated case: ${unexpected}`);
console.log(
  `target (issue 9): chatgate ack ≥ 0.70× bare fastify req/s: ${ratio(r.requestsPerSecond, b.requestsPerSecond)}×`,
);
console.log(
  `npm start defaults (${defaults.database} log) vs the PostgreSQL log: ${ratio(d.requestsPerSecond, p.requestsPerSecond)}× req/s`,
);
writeResults('ack', {
  params: {
    seconds,
    connections,
    rounds: ROUNDS,
    saturatedQueue,
    workerConcurrency: 10,
    modelLatencyMs: 200,
  },
  bare: b,
  chatgate: r,
  saturated: s,
  npmStartDefaults: d,
  npmStartPostgres: p,
  paced: { rate: pacedRate, bare: pacedBare, chatgate: pacedChatgate },
  ratios: {
    pacedP50: pacedChatgate.p50 / pacedBare.p50,
    pacedP99: pacedChatgate.p99 / pacedBare.p99,
    rps: r.requestsPerSecond / b.requestsPerSecond,
    p50: r.p50 / b.p50,
    p99: r.p99 / b.p99,
    saturatedRps: s.requestsPerSecond / b.requestsPerSecond,
    npmStartDefaultsRps: d.requestsPerSecond / b.requestsPerSecond,
    npmStartPostgresRps: p.requestsPerSecond / b.requestsPerSecond,
    npmStartDefaultsVsPostgresRps: d.requestsPerSecond / p.requestsPerSecond,
  },
});

// The backlog left behind would take minutes to drain against a 200 ms model; do not wait for it.
await Promise.all([roomy.app.close(), saturated.app.close(), bare.close()]);
// The npm start cases only logged ignored events: they close at once, flushing their logs.
await Promise.all([defaults.close(), withPostgres.close()]);
await Promise.all([postgres.drop(), ollama.close()]);
process.exit(0);
