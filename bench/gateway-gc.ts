/**
 * Where the gateway's tail latency comes from (issue 17, item 7): V8's garbage collections in the
 * answering process while `POST /v1/chat/completions` arrives at an even rate, for the fake
 * upstream answering directly, the bare proxy floor (`lib/bare-proxy.ts`) and chatgate
 * (`lib/chatgate-child.ts`, as bench:gateway runs it), in one run. Each process has
 * `lib/cost-probe.ts` preloaded and reports its own collections over the load (V8's GCProfiler):
 * how often a young-generation collection (scavenge) ran, how long it paused the process, and
 * what share of the young bytes it found survived it. A scavenge's pause grows with what survives,
 * and every request that arrives during a pause waits it out: at 1,000 req/s a 7 ms pause every
 * 0.7 s lands on the p99.
 *
 * Per round and process (taking turns): an even open-loop load (`lib/paced-load-child.ts`, latency
 * from the scheduled send) of BENCH_RATE req/s for BENCH_SECONDS, after a warm-up load of the same
 * length (JIT, connections, a young generation grown to its working size). Figures are the mean
 * over rounds (the longest pause: the longest seen).
 * Run: `npx tsx bench/gateway-gc.ts`. Env: BENCH_RATE (1000), BENCH_SECONDS (8), BENCH_ROUNDS (2),
 * BENCH_CONNECTIONS (10), CHATGATE_BENCH_LOG (info), CHATGATE_NODE_OPTIONS (node options for the
 * chatgate process only, e.g. `--max-semi-space-size=16`). Writes bench/results/gateway-gc.json.
 */
import { fileURLToPath } from 'node:url';
import { runLoad } from './lib/autocannon.js';
import type { CostReading } from './lib/cost-probe.js';
import {
  BENCH_KEY,
  costWindow,
  gatewayChatgateEnv,
  type ProbedChild,
  startProbed,
} from './lib/probed-child.js';
import { writeResults } from './lib/results.js';
import { mean, printTable } from './lib/stats.js';

const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const chatgateNodeOptions = (process.env.CHATGATE_NODE_OPTIONS ?? '').split(' ').filter(Boolean);

const lib = fileURLToPath(new URL('./lib/', import.meta.url));
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say something short.' }],
});
const headers = { authorization: `Bearer ${BENCH_KEY}` };

/** One process's figures over one load. */
interface Window {
  p50: number;
  p99: number;
  requestsPerSecond: number;
  failed: number;
  gc: CostReading;
}

const upstream = await startProbed('direct', `${lib}fake-upstream.ts`, lib, {});
const upstreamV1 = `${upstream.url}/v1`;
const targets: ProbedChild[] = [
  upstream,
  await startProbed('floor', `${lib}bare-proxy.ts`, lib, { UPSTREAM: upstreamV1 }),
  await startProbed(
    'chatgate',
    `${lib}chatgate-child.ts`,
    lib,
    gatewayChatgateEnv(upstreamV1, process.env.CHATGATE_BENCH_LOG ?? 'info'),
    chatgateNodeOptions,
  ),
];
const windows = new Map<string, Window[]>(targets.map((target) => [target.name, []]));
const load = (target: ProbedChild) =>
  runLoad({
    url: `${target.url}/v1/chat/completions`,
    body,
    headers,
    connections,
    durationSeconds: seconds,
    rate,
    pacing: 'even',
  });

try {
  for (const target of targets) await load(target);
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      await costWindow(target.process, true);
      const result = await load(target);
      const gc = (await costWindow(target.process, false)) as CostReading;
      windows.get(target.name)?.push({
        p50: result.p50,
        p99: result.p99,
        requestsPerSecond: result.requestsPerSecond,
        failed: result.non2xx + result.errors,
        gc,
      });
    }
  }
} finally {
  await Promise.all(targets.map((target) => target.stop()));
}

/** A process's figures: means over its windows, the longest pauses over all of them. */
function figuresOf(name: string) {
  const runs = windows.get(name) ?? [];
  const each = (pick: (window: Window) => number) => mean(runs.map(pick));
  return {
    requestsPerSecond: each((window) => window.requestsPerSecond),
    p50Ms: each((window) => window.p50),
    p99Ms: each((window) => window.p99),
    failed: runs.reduce((sum, window) => sum + window.failed, 0),
    scavengesPerSecond: each((window) => window.gc.scavenges / seconds),
    meanScavengePauseMs: each((window) => window.gc.scavengePauseMs / Math.max(1, window.gc.scavenges)),
    maxScavengePauseMs: Math.max(...runs.map((window) => window.gc.maxScavengePauseMs)),
    survivedPercent: each((window) => (100 * window.gc.survivedBytes) / Math.max(1, window.gc.youngBytes)),
    survivedMBPerScavenge: each(
      (window) => window.gc.survivedBytes / Math.max(1, window.gc.scavenges) / 1_048_576,
    ),
    gcPauseMsPerSecond: each((window) => window.gc.gcPauseMs / seconds),
    maxMajorPauseMs: Math.max(...runs.map((window) => window.gc.maxMajorPauseMs)),
    heapKiBPerRequest: each(
      (window) => window.gc.allocatedBytes / Math.max(1, window.requestsPerSecond * seconds) / 1024,
    ),
  };
}

const figures = Object.fromEntries(targets.map((target) => [target.name, figuresOf(target.name)]));
const direct = figures.direct as ReturnType<typeof figuresOf>;
const rows = [
  [
    'process',
    'req/s',
    'p50 ms',
    'p99 ms',
    'added p99',
    'heap KiB/req',
    'scavenges/s',
    'pause ms (mean / max)',
    'survived %',
    'MB survived/scavenge',
    'GC pause ms/s',
    'max mark-compact ms',
  ],
  ...targets.map(({ name }) => {
    const figure = figures[name] as ReturnType<typeof figuresOf>;
    return [
      name,
      figure.requestsPerSecond.toFixed(0),
      figure.p50Ms.toFixed(2),
      figure.p99Ms.toFixed(2),
      name === 'direct' ? '' : `+${(figure.p99Ms - direct.p99Ms).toFixed(2)}`,
      figure.heapKiBPerRequest.toFixed(1),
      figure.scavengesPerSecond.toFixed(2),
      `${figure.meanScavengePauseMs.toFixed(2)} / ${figure.maxScavengePauseMs.toFixed(2)}`,
      figure.survivedPercent.toFixed(1),
      figure.survivedMBPerScavenge.toFixed(2),
      figure.gcPauseMsPerSecond.toFixed(1),
      figure.maxMajorPauseMs.toFixed(2),
    ];
  }),
];
printTable(
  `gateway-gc: ${rounds} rounds × ${seconds} s at ${rate} req/s, ${connections} connections; chatgate node options: ${chatgateNodeOptions.join(' ') || 'none'}`,
  rows,
);
const failed = Object.values(figures).reduce((sum, figure) => sum + figure.failed, 0);
if (failed > 0) console.log(`${failed} requests failed (non-2xx or errors): the figures are not comparable`);
writeResults('gateway-gc', {
  parameters: { rate, seconds, rounds, connections, chatgateNodeOptions },
  figures,
});
process.exit(failed > 0 ? 1 : 0);
