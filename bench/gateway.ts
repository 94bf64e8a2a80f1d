/**
 * Gateway overhead (issue 17, item 7): `POST /v1/chat/completions` sent straight to a fake
 * OpenAI-compatible upstream ("direct", the baseline), through a bare Node proxy ("floor":
 * `lib/bare-proxy.ts`, node:http + undici passing bytes on, what any Node gateway pays at least),
 * through chatgate, and through Portkey's open-source gateway (`@portkey-ai/gateway`, headless,
 * provider `openai` with the same upstream as its custom host), in one run. Each runs in a process
 * of its own: the fake upstream
 * (answers at once), chatgate (`lib/chatgate-child.ts`: in-process stores, provider `openai`, an API
 * key that every request carries, logging one line per request as `npm start` does, into /dev/null), Portkey (`lib/portkey.ts`) and the load
 * generator; this process only starts them. Cases run in rounds, direct → floor → chatgate → Portkey in
 * each round, so machine noise falls on all of them alike; a case's figure is the mean over rounds.
 *
 * - max throughput: autocannon, BENCH_CONNECTIONS keep-alive connections, as fast as answered;
 *   with the CPU time (user + system, from /proc) the answering process spent per request: the
 *   upstream's for direct, the gateway's own (not the upstream's) for the gateways.
 * - paced load at each of BENCH_RATES: an open loop sending one request every 1/rate s
 *   (`lib/paced-load-child.ts`, latency from the scheduled send time, so queueing counts);
 *   "added ms" is the gateway's percentile minus direct's in the same round set.
 * - streams: sequential streamed completions; time to the first chunk with text (TTFT) and to the
 *   last byte.
 *
 * Prints one table and the goals, met or not; writes bench/results/gateway.json.
 * Run: `npm run bench:gateway`. Env: BENCH_SECONDS per load run (default 5), BENCH_ROUNDS (2),
 * BENCH_CONNECTIONS (10), BENCH_RATES (default "500,1000"), BENCH_STREAM_REQUESTS per round (100),
 * BENCH_PORTKEY=0 to leave Portkey out, BENCH_FLOOR=0 to leave the bare proxy out, BENCH_LOG (chatgate's log level, default info),
 * BENCH_PROFILE_DIR (chatgate runs under `--cpu-prof`, its profile written there at the end: read
 * it with `npx tsx bench/cpuprofile-top.ts <file>`).
 */
import type { ChildProcess } from 'node:child_process';
import { type LoadResult, runLoad, summarize } from './lib/autocannon.js';
import { type PortkeyGateway, spawnPortkey } from './lib/portkey.js';
import { BENCH_KEY, gatewayChatgateEnv } from './lib/probed-child.js';
import { cpuMicros } from './lib/proc-cpu.js';
import { writeResults } from './lib/results.js';
import { spawnChild } from './lib/spawn-child.js';
import { spawnFakeUpstream } from './lib/spawn-upstream.js';
import { timeStream } from './lib/sse-client.js';
import { mean, percentile, printTable, ratio } from './lib/stats.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const rates = (process.env.BENCH_RATES ?? '500,1000').split(',').map(Number);
const streamRequests = Number(process.env.BENCH_STREAM_REQUESTS ?? 100);
const withPortkey = process.env.BENCH_PORTKEY !== '0';
const withFloor = process.env.BENCH_FLOOR !== '0';
const logLevel = process.env.BENCH_LOG ?? 'info';
const profileDir = process.env.BENCH_PROFILE_DIR;

/** The goals (issue 17, item 7). */
const GOALS = {
  addedP50Ms: 0.5,
  addedP99Ms: 2,
  atRate: 1000,
  throughputVsDirect: 0.5,
  throughputVsPortkey: 10,
  addedTtftMs: 0.5,
};

/** Every request's key: chatgate's configured API key; Portkey forwards it upstream. */
const authorization = { authorization: `Bearer ${BENCH_KEY}` };

/**
 * Every child started so far. However this process ends (a failed run too, e.g. a child that does
 * not start), the ones already running go with it instead of staying behind, listening.
 */
const children: ChildProcess[] = [];
process.once('exit', () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
});

const upstream = await spawnFakeUpstream();
children.push(upstream.process);
const upstreamV1 = `${upstream.url}/v1`;
const chatgate = await spawnChild(
  'chatgate-child.ts',
  gatewayChatgateEnv(upstreamV1, logLevel),
  profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
);
children.push(chatgate.process);
/** Portkey, or undefined (left out, or it could not start: the run goes on without it, saying why). */
async function startPortkey(): Promise<PortkeyGateway | undefined> {
  if (!withPortkey) return undefined;
  try {
    return await spawnPortkey();
  } catch (error) {
    console.error(`Portkey left out: ${(error as Error).message}`);
    return undefined;
  }
}
const portkey = await startPortkey();
if (portkey) children.push(portkey.process);
const floor = withFloor ? await spawnChild('bare-proxy.ts', { UPSTREAM: upstreamV1 }) : undefined;
if (floor) children.push(floor.process);

/** One way to the upstream: its URL and the headers each request carries. */
interface Target {
  name: 'direct' | 'floor' | 'chatgate' | 'portkey';
  url: string;
  headers: Record<string, string>;
  /** The process that answers: the upstream itself for direct, else the gateway. */
  pid: number;
}
const targets: Target[] = [
  {
    name: 'direct',
    url: `${upstreamV1}/chat/completions`,
    headers: authorization,
    pid: upstream.process.pid ?? 0,
  },
  ...(floor
    ? [
        {
          name: 'floor' as const,
          url: `${floor.url}/v1/chat/completions`,
          headers: authorization,
          pid: floor.process.pid ?? 0,
        },
      ]
    : []),
  {
    name: 'chatgate',
    url: `${chatgate.url}/v1/chat/completions`,
    headers: authorization,
    pid: chatgate.process.pid ?? 0,
  },
  ...(portkey
    ? [
        {
          name: 'portkey' as const,
          url: `${portkey.url}/v1/chat/completions`,
          headers: { ...portkey.headersFor(upstreamV1), ...authorization },
          pid: portkey.process.pid ?? 0,
        },
      ]
    : []),
];

const request = { model: 'bench-model', messages: [{ role: 'user', content: 'Say something short.' }] };
const body = JSON.stringify(request);
const streamBody = JSON.stringify({ ...request, stream: true });

const load = (target: Target, durationSeconds: number, rate?: number) =>
  runLoad({
    url: target.url,
    body,
    connections,
    durationSeconds,
    headers: target.headers,
    ...(rate ? { rate, pacing: 'even' as const } : {}),
  });

/** Runs `measure` on every target, round after round; the results per target, in round order. */
async function inRounds<T>(measure: (target: Target) => Promise<T>): Promise<Record<string, T[]>> {
  const results: Record<string, T[]> = Object.fromEntries(targets.map((target) => [target.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) results[target.name]?.push(await measure(target));
  }
  return results;
}

/** `streamRequests` sequential streams: TTFT and last byte of each, ms. */
async function streams(target: Target) {
  const firsts: number[] = [];
  const lasts: number[] = [];
  let failed = 0;
  for (let i = 0; i < streamRequests; i++) {
    const timing = await timeStream(target.url, streamBody, undefined, target.headers);
    if (!timing.ok) failed++;
    firsts.push(timing.first);
    lasts.push(timing.last);
  }
  return { firsts, lasts, failed };
}

for (const target of targets) {
  await load(target, 2); // warm-up: JIT, connections, model list
  await streams(target);
}
/** A max-throughput run, with the CPU time the answering process spent per request, µs. */
async function maxLoad(target: Target) {
  const before = cpuMicros(target.pid);
  const run = await load(target, seconds);
  return { ...run, cpuPerRequestUs: (cpuMicros(target.pid) - before) / Math.max(1, run.total) };
}
const maxRuns = await inRounds(maxLoad);
const max = mapValues(maxRuns, summarize);
const cpuPerRequest = mapValues(maxRuns, (runs) => mean(runs.map((run) => run.cpuPerRequestUs)));
const paced = new Map<number, Record<string, LoadResult>>();
for (const rate of rates) {
  paced.set(rate, mapValues(await inRounds((target) => load(target, seconds, rate)), summarize));
}
const streamed = mapValues(await inRounds(streams), (runs) => ({
  firsts: runs.flatMap((run) => run.firsts),
  lasts: runs.flatMap((run) => run.lasts),
  failed: runs.reduce((sum, run) => sum + run.failed, 0),
}));

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

const names = targets.map((target) => target.name);
const gateways = names.filter((name) => name !== 'direct');
const fixed = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const signed = (value: number) => `${value >= 0 ? '+' : ''}${fixed(value)}`;
/** A latency row: each target's value, then each gateway's added ms over direct. */
const latencyRow = (label: string, values: Record<string, number>) => [
  label,
  ...names.map((name) => fixed(values[name] ?? Number.NaN)),
  ...gateways.map((name) => signed((values[name] ?? Number.NaN) - (values.direct ?? Number.NaN))),
  '',
];
/** A throughput row: each target's value, then each gateway's ratio to direct, then chatgate / Portkey. */
const throughputRow = (label: string, values: Record<string, number>) => [
  label,
  ...names.map((name) => (values[name] ?? 0).toFixed(0)),
  ...gateways.map((name) => `${ratio(values[name] ?? 0, values.direct ?? 0)}×`),
  portkey ? `${ratio(values.chatgate ?? 0, values.portkey ?? 0)}×` : '',
];
const pick = (results: Record<string, LoadResult>, field: 'p50' | 'p95' | 'p99' | 'requestsPerSecond') =>
  mapValues(results, (result) => result[field]);
const failures = (results: Record<string, LoadResult>) => [
  'non-2xx + errors',
  ...names.map((name) => String((results[name]?.non2xx ?? 0) + (results[name]?.errors ?? 0))),
  ...gateways.map(() => ''),
  '',
];
const streamPercentile = (field: 'firsts' | 'lasts', p: number) =>
  mapValues(streamed, (run) => percentile(run[field], p));

const rows: string[][] = [
  ['metric', ...names, ...gateways.map((name) => `${name} vs direct`), portkey ? 'chatgate / portkey' : ''],
  throughputRow('max req/s', pick(max, 'requestsPerSecond')),
  failures(max),
  [
    'max: CPU µs/request of the answering process',
    ...names.map((name) => (cpuPerRequest[name] ?? 0).toFixed(0)),
    ...gateways.map((name) => `${ratio(cpuPerRequest[name] ?? 0, cpuPerRequest.direct ?? 0)}×`),
    portkey ? `${ratio(cpuPerRequest.chatgate ?? 0, cpuPerRequest.portkey ?? 0)}×` : '',
  ],
];
for (const [rate, results] of paced) {
  rows.push(throughputRow(`@${rate}/s achieved req/s`, pick(results, 'requestsPerSecond')));
  for (const q of ['p50', 'p95', 'p99'] as const)
    rows.push(latencyRow(`@${rate}/s ${q} ms`, pick(results, q)));
  rows.push(failures(results));
}
for (const p of [50, 95, 99]) rows.push(latencyRow(`stream TTFT p${p} ms`, streamPercentile('firsts', p)));
for (const p of [50, 99]) rows.push(latencyRow(`stream last byte p${p} ms`, streamPercentile('lasts', p)));
rows.push([
  'stream failures',
  ...names.map((name) => String(streamed[name]?.failed ?? 0)),
  ...gateways.map(() => ''),
  '',
]);
printTable(
  `gateway overhead: ${rounds} rounds; ${connections} connections for max; ${seconds} s per load run; ${streamRequests} sequential streams per round; chatgate log ${logLevel}`,
  rows,
);

// The goals, met or not, from the figures above.
const atRate = paced.get(GOALS.atRate);
const added = (q: 'p50' | 'p99') =>
  (atRate?.chatgate?.[q] ?? Number.NaN) - (atRate?.direct?.[q] ?? Number.NaN);
const throughput = (name: string) => max[name]?.requestsPerSecond ?? 0;
const ttftAdded =
  percentile(streamed.chatgate?.firsts ?? [], 50) - percentile(streamed.direct?.firsts ?? [], 50);
const goal = (text: string, value: number, met: boolean) =>
  console.log(`goal: ${text}: ${fixed(value)} ${met ? 'met' : 'NOT met'}`);
if (atRate) {
  goal(
    `added p50 at ${GOALS.atRate} req/s < ${GOALS.addedP50Ms} ms`,
    added('p50'),
    added('p50') < GOALS.addedP50Ms,
  );
  goal(
    `added p99 at ${GOALS.atRate} req/s < ${GOALS.addedP99Ms} ms`,
    added('p99'),
    added('p99') < GOALS.addedP99Ms,
  );
}
const vsDirect = throughput('chatgate') / throughput('direct');
goal(`max throughput ≥ ${GOALS.throughputVsDirect}× direct`, vsDirect, vsDirect >= GOALS.throughputVsDirect);
if (portkey) {
  const vsPortkey = throughput('chatgate') / throughput('portkey');
  goal(
    `max throughput ≥ ${GOALS.throughputVsPortkey}× Portkey`,
    vsPortkey,
    vsPortkey >= GOALS.throughputVsPortkey,
  );
}
goal(`added stream TTFT p50 < ${GOALS.addedTtftMs} ms`, ttftAdded, ttftAdded < GOALS.addedTtftMs);
if (floor) {
  // What is the proxying's own cost on this machine, and what is chatgate's on top of it.
  const cpu = (name: string) => cpuPerRequest[name] ?? Number.NaN;
  console.log(
    `floor (bare Node proxy): max throughput ${fixed(throughput('floor') / throughput('direct'))}× direct; ` +
      `chatgate ${fixed(throughput('chatgate') / throughput('floor'))}× the floor's throughput, ` +
      `${fixed(cpu('chatgate') / cpu('floor'))}× its CPU per request (${fixed(cpu('chatgate') - cpu('floor'))} µs more)`,
  );
}

const strip = ({ byStatus: _byStatus, ...run }: LoadResult) => run;
writeResults('gateway', {
  params: { seconds, rounds, connections, rates, streamRequests, logLevel, upstreamLatencyMs: 0 },
  max: mapValues(max, strip),
  cpuPerRequestUs: cpuPerRequest,
  paced: Object.fromEntries([...paced].map(([rate, results]) => [rate, mapValues(results, strip)])),
  streaming: Object.fromEntries(
    [50, 95, 99].map((p) => [
      `p${p}`,
      { ttft: streamPercentile('firsts', p), last: streamPercentile('lasts', p) },
    ]),
  ),
  streamFailures: mapValues(streamed, (run) => run.failed),
  goals: GOALS,
});
await portkey?.stop();
await floor?.stop();
await chatgate.stop();
await upstream.stop();
process.exit(0);
