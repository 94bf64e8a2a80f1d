/**
 * Gateway overhead: `POST /v1/chat/completions` through chatgate (provider `openai` pointing at a
 * fake OpenAI-compatible server in another process) against the same request sent straight to
 * that fake, in the same run. Non-streaming: throughput and p50/p99 latency with autocannon; streaming: time to first
 * token and to the last byte, sequential requests with fetch. Run: `npm run bench:gateway`.
 */
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { createServices } from '../src/services.js';
import { memoryStores } from '../src/stores/store-set.js';
import { type LoadResult, runLoad } from './lib/autocannon.js';
import { spawnFakeUpstream } from './lib/spawn-upstream.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const streamRequests = Number(process.env.BENCH_STREAM_REQUESTS ?? 300);

// The upstream runs in its own process: its work must not be charged to the gateway.
const upstream = await spawnFakeUpstream();
const config = loadConfig({
  env: {},
  overrides: {
    log: { level: 'silent' },
    ai: { provider: 'openai', openai: { baseUrl: `${upstream.url}/v1`, model: 'bench-model' } },
    openaiApi: { rateLimitPerMinute: 10_000_000 },
  },
});
const services = await createServices(config, {
  logger: createLogger('silent'),
  stores: memoryStores(config),
});
const app = await buildApp(services);
const gateway = `${await app.listen({ port: 0, host: '127.0.0.1' })}/v1/chat/completions`;
const direct = `${upstream.url}/v1/chat/completions`;

const request = { model: 'bench-model', messages: [{ role: 'user', content: 'Say something short.' }] };
const body = JSON.stringify(request);
const streamBody = JSON.stringify({ ...request, stream: true });

/** Time to the first content chunk and to the end of one streamed answer, ms. */
async function timeStream(url: string): Promise<{ first: number; last: number }> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: streamBody,
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let first = 0;
  let seen = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += decoder.decode(value, { stream: true });
    // The first chunk with text (chatgate's first chunk carries only the role and "").
    if (!first && /"content":"[^"]/.test(seen)) first = performance.now() - started;
  }
  return { first, last: performance.now() - started };
}

async function streams(url: string) {
  const firsts: number[] = [];
  const lasts: number[] = [];
  for (let i = 0; i < streamRequests; i++) {
    const { first, last } = await timeStream(url);
    firsts.push(first);
    lasts.push(last);
  }
  return { firsts, lasts };
}

const load = (url: string, rate?: number) =>
  runLoad({ url, body, connections, durationSeconds: seconds, rate });
await load(direct);
await load(gateway);
const directRun = await load(direct);
const gatewayRun = await load(gateway);
// Added latency at a fixed, moderate load (issue: 100 req/s), where neither side is saturated.
const fixedRate = Number(process.env.BENCH_RATE ?? 100);
const directFixed = await load(direct, fixedRate);
const gatewayFixed = await load(gateway, fixedRate);
await streams(direct);
const directStreams = await streams(direct);
const gatewayStreams = await streams(gateway);

/** One row: the baseline, chatgate, their ratio and (for latencies) the ms chatgate adds. */
const row = (name: string, direct: number, through: number, added = true) => [
  name,
  direct.toFixed(2),
  through.toFixed(2),
  ratio(through, direct),
  added ? (through - direct).toFixed(2) : '',
];
const HEADER = ['metric', 'direct upstream', 'through chatgate', 'ratio', 'added ms'];
const errors = (run: LoadResult) => run.non2xx + run.errors;
const loadRows = (directRun: LoadResult, gatewayRun: LoadResult) => [
  row('p50 ms', directRun.p50, gatewayRun.p50),
  row('p99 ms', directRun.p99, gatewayRun.p99),
  ['errors', String(errors(directRun)), String(errors(gatewayRun)), '', ''],
];

printTable(`non-streaming, ${connections} connections, ${seconds} s each`, [
  HEADER,
  row('req/s', directRun.requestsPerSecond, gatewayRun.requestsPerSecond, false),
  ...loadRows(directRun, gatewayRun),
]);
printTable(`non-streaming at ${fixedRate} req/s`, [HEADER, ...loadRows(directFixed, gatewayFixed)]);
printTable(`streaming, ${streamRequests} sequential requests each`, [
  HEADER,
  ...[50, 99].flatMap((q) => [
    row(`TTFT p${q} ms`, percentile(directStreams.firsts, q), percentile(gatewayStreams.firsts, q)),
    row(`last byte p${q} ms`, percentile(directStreams.lasts, q), percentile(gatewayStreams.lasts, q)),
  ]),
]);
upstream.stop();
await app.close();
process.exit(0);
