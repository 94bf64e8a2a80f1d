/**
 * Gateway overhead: `POST /v1/chat/completions` through chatgate (in this process, provider
 * `openai` pointing at a fake OpenAI-compatible server in a child process, answering at once)
 * against the same request sent straight to that fake, in the same run, each pair measured back to
 * back. Non-streaming (latency of every response, ms): max throughput with autocannon, then fixed
 * rates of 100 and 1,000 req/s, where "added ms" is chatgate's overhead, twice: with autocannon's
 * `overallRate` ("ac": each connection sends its quota in a burst at the start of every second, so
 * latencies include queueing behind the burst) and with an even open-loop pace ("even": one
 * request every 1/rate s, latency from the scheduled send time).
 * Streaming: time to first token and to the last byte over sequential requests (node:http).
 * Run: `npm run bench:gateway` (BENCH_SECONDS per run, default 5; BENCH_CONNECTIONS, default 10;
 * BENCH_RATES, default "100,1000"; BENCH_STREAM_REQUESTS, default 200).
 */
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { createServices } from '../src/services.js';
import { memoryStores } from '../src/stores/store-set.js';
import { type LoadResult, runLoad } from './lib/autocannon.js';
import { writeResults } from './lib/results.js';
import { spawnFakeUpstream } from './lib/spawn-upstream.js';
import { timeStream } from './lib/sse-client.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const rates = (process.env.BENCH_RATES ?? '100,1000').split(',').map(Number);
const streamRequests = Number(process.env.BENCH_STREAM_REQUESTS ?? 200);

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

async function streams(url: string) {
  const firsts: number[] = [];
  const lasts: number[] = [];
  let failed = 0;
  for (let i = 0; i < streamRequests; i++) {
    const timing = await timeStream(url, streamBody);
    if (!timing.ok) failed++;
    firsts.push(timing.first);
    lasts.push(timing.last);
  }
  return { firsts, lasts, failed };
}

const PACINGS = { ac: 'autocannon', even: 'even' } as const;
type Pacing = keyof typeof PACINGS;
const load = (url: string, rate?: number, durationSeconds = seconds, pacing: Pacing = 'ac') =>
  runLoad({ url, body, connections, durationSeconds, rate, pacing: PACINGS[pacing] });
await load(direct, undefined, 2); // warm-up
await load(gateway, undefined, 2);
const max = { direct: await load(direct), gateway: await load(gateway) };
const fixed: { rate: number; pacing: Pacing; direct: LoadResult; gateway: LoadResult }[] = [];
for (const rate of rates) {
  for (const pacing of Object.keys(PACINGS) as Pacing[]) {
    fixed.push({
      rate,
      pacing,
      direct: await load(direct, rate, seconds, pacing),
      gateway: await load(gateway, rate, seconds, pacing),
    });
  }
}
await streams(direct); // warm-up
await streams(gateway);
const directStreams = await streams(direct);
const gatewayStreams = await streams(gateway);

/** One row: the baseline, chatgate, their ratio and (for latencies) the ms chatgate adds. */
const row = (name: string, base: number, through: number, added = true) => [
  name,
  base.toFixed(2),
  through.toFixed(2),
  ratio(through, base),
  added ? (through - base).toFixed(2) : '',
];
const failures = (run: LoadResult) => run.non2xx + run.errors;
const latencyRows = (label: string, d: LoadResult, g: LoadResult) => [
  row(`${label} req/s achieved`, d.requestsPerSecond, g.requestsPerSecond, false),
  ...(['p50', 'p95', 'p99'] as const).map((q) => row(`${label} ${q} ms`, d[q], g[q])),
  [`${label} non-2xx+errors`, String(failures(d)), String(failures(g)), '', ''],
];
const streamRows = (['p50', 'p95', 'p99'] as const).flatMap((q) => {
  const p = Number(q.slice(1));
  return [
    row(`stream TTFT ${q} ms`, percentile(directStreams.firsts, p), percentile(gatewayStreams.firsts, p)),
    row(`stream last byte ${q} ms`, percentile(directStreams.lasts, p), percentile(gatewayStreams.lasts, p)),
  ];
});
printTable(
  `gateway overhead: ${connections} connections, ${seconds} s per load run; ${streamRequests} sequential streams each`,
  [
    ['metric', 'direct upstream', 'through chatgate', 'ratio', 'added ms'],
    ...latencyRows('max', max.direct, max.gateway),
    ...fixed.flatMap(({ rate, pacing, direct, gateway }) =>
      latencyRows(`@${rate}/s ${pacing}`, direct, gateway),
    ),
    ...streamRows,
    ['stream failures', String(directStreams.failed), String(gatewayStreams.failed), '', ''],
  ],
);
for (const run of fixed.filter(({ rate }) => rate === 1000)) {
  console.log(
    `target (issue 9): added p99 at 1,000 req/s (${run.pacing}) ≤ 2 ms: ${(run.gateway.p99 - run.direct.p99).toFixed(2)} ms`,
  );
}
const strip = ({ byStatus: _byStatus, ...run }: LoadResult) => run;
writeResults('gateway', {
  params: { seconds, connections, rates, streamRequests, upstreamLatencyMs: 0 },
  max: { direct: strip(max.direct), chatgate: strip(max.gateway) },
  fixedRate: fixed.map(({ rate, pacing, direct, gateway }) => ({
    rate,
    pacing: PACINGS[pacing],
    direct: strip(direct),
    chatgate: strip(gateway),
    addedMs: { p50: gateway.p50 - direct.p50, p95: gateway.p95 - direct.p95, p99: gateway.p99 - direct.p99 },
  })),
  streaming: Object.fromEntries(
    [50, 95, 99].map((p) => [
      `p${p}`,
      {
        ttft: { direct: percentile(directStreams.firsts, p), chatgate: percentile(gatewayStreams.firsts, p) },
        last: { direct: percentile(directStreams.lasts, p), chatgate: percentile(gatewayStreams.lasts, p) },
      },
    ]),
  ),
  streamFailures: { direct: directStreams.failed, chatgate: gatewayStreams.failed },
});
await upstream.stop();
await app.close();
process.exit(0);
