/**
 * chatgate's own cost per OpenAI request (issue 17, item 7): CPU µs and JS heap bytes allocated per
 * `POST /v1/chat/completions`, non-stream and stream, beside the bare proxy floor
 * (`lib/bare-proxy.ts`: node:http + undici passing bytes on) in the same run. Unlike throughput, CPU
 * time per request hardly moves when the machine is busy with other work, so small changes show.
 *
 * Processes: the fake upstream (answers at once), the floor, and one chatgate child per checkout named
 * on the command line (default: this one), each as bench:gateway runs it (`lib/chatgate-child.ts`:
 * provider `openai` on the fake, an API key every request carries, the per-key rate limit on, one
 * info log line per request into /dev/null). Every gateway child has `lib/cost-probe.ts` preloaded
 * and reports its own `process.cpuUsage()` and allocation (V8's GC records) over a window; this
 * process only sends requests (undici, BENCH_CONCURRENCY keep-alive connections, each request after
 * the previous answer on its connection) and reads the windows.
 *
 * Per target and mode: BENCH_WARMUP requests once (JIT), then BENCH_REQUESTS requests in BENCH_WINDOWS
 * windows, the targets taking turns window by window (the first of each turn rotating), so that the
 * machine's drift (other work on a shared machine moves CPU time per request by ±20% over a minute)
 * falls on all alike; a figure is the median window's. Every answer must be 200 (a stream must end
 * with `data: [DONE]`), else the run fails.
 *
 * Run: `npx tsx bench/gateway-cpu.ts [checkout[@NAME=value,…] …]` (e.g. `/work/main .` for before/after
 * in one run, each checkout against the first window by window; `.@CHATGATE_BENCH_LOG=silent` adds
 * variables of its own to one; `NODE_ARGS` among them are node's command-line options for that
 * chatgate, space-separated, for the V8 flags NODE_OPTIONS refuses, e.g.
 * `.@NODE_ARGS=--no-allocation-site-pretenuring`).
 * Env: BENCH_REQUESTS (20000), BENCH_STREAM_REQUESTS (5000), BENCH_WINDOWS (20), BENCH_CONCURRENCY (4),
 * BENCH_WARMUP (5000; a fifth of it for streams), BENCH_VERBOSE=1 (a line per window),
 * BENCH_MODES (`json,stream`), CHATGATE_BENCH_LOG (info), BENCH_PROFILE_DIR (the chatgate children run
 * under `--cpu-prof` and write their profile there at the end: `npx tsx bench/cpuprofile-top.ts <file>`;
 * the profiler's own cost inflates their figures). Writes bench/results/gateway-cpu.json.
 */
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import type { CostReading } from './lib/cost-probe.js';
import { BENCH_KEY, costWindow, gatewayChatgateEnv, startProbed } from './lib/probed-child.js';
import { writeResults } from './lib/results.js';
import { spawnFakeUpstream } from './lib/spawn-upstream.js';
import { printTable } from './lib/stats.js';

const windows = Number(process.env.BENCH_WINDOWS ?? 20);
/**
 * Requests per window, by mode. The fake streams word by word with a timer between words, so a
 * stream takes ~15 ms of wall time at a few times a plain request's CPU: fewer of them do.
 */
const requestsOf: Record<Mode, number> = {
  json: Math.ceil(Number(process.env.BENCH_REQUESTS ?? 20_000) / windows),
  stream: Math.ceil(Number(process.env.BENCH_STREAM_REQUESTS ?? 5000) / windows),
};
const verbose = process.env.BENCH_VERBOSE === '1';
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const warmup = Number(process.env.BENCH_WARMUP ?? 5000);
const modes = (process.env.BENCH_MODES ?? 'json,stream').split(',') as Mode[];
const profileDir = process.env.BENCH_PROFILE_DIR;
/**
 * The chatgates to measure: `checkout[@NAME=value,…]`, each a checkout with, optionally, variables
 * of its own on top of the environment (e.g. `.@CHATGATE_BENCH_LOG=silent` beside `.`).
 */
const trees = (process.argv.length > 2 ? process.argv.slice(2) : ['.']).map((arg) => {
  const [path = '.', vars = ''] = arg.split('@');
  const env = Object.fromEntries(
    vars
      .split(',')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  return { arg, dir: resolve(path), env };
});

type Mode = 'json' | 'stream';

const here = fileURLToPath(new URL('.', import.meta.url));
const HEADERS = { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' };
const BODY: Record<Mode, string> = {
  json: JSON.stringify({
    model: 'bench-model',
    messages: [{ role: 'user', content: 'Say something short.' }],
  }),
  stream: JSON.stringify({
    model: 'bench-model',
    messages: [{ role: 'user', content: 'Say something short.' }],
    stream: true,
  }),
};

/** A gateway under measurement: its process, its client pool and its windows per mode. */
interface Target {
  name: string;
  child: ChildProcess;
  pool: Pool;
  /** SIGTERM, then resolves when it has exited. */
  stop(): Promise<void>;
  windows: Record<Mode, CostReading[]>;
}

/** Starts a probed child (`lib/probed-child.ts`) with a keep-alive pool to send through. */
async function start(...args: Parameters<typeof startProbed>): Promise<Target> {
  const probed = await startProbed(...args);
  const pool = new Pool(probed.url, { connections: concurrency, pipelining: 1 });
  return {
    name: probed.name,
    child: probed.process,
    pool,
    stop: probed.stop,
    windows: { json: [], stream: [] },
  };
}

/** Sends `count` requests of `mode` through `target`, `concurrency` at a time. @throws on any non-200. */
async function send(target: Target, mode: Mode, count: number): Promise<void> {
  let left = count;
  const worker = async () => {
    while (left-- > 0) {
      const { statusCode, body } = await target.pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: HEADERS,
        body: BODY[mode],
      });
      const text = await body.text();
      if (statusCode !== 200 || (mode === 'stream' && !text.endsWith('data: [DONE]\n\n'))) {
        throw new Error(`${target.name} ${mode}: status ${statusCode}: ${text.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const upstream = await spawnFakeUpstream();
const upstreamV1 = `${upstream.url}/v1`;
const chatgateEnv = gatewayChatgateEnv(upstreamV1, process.env.CHATGATE_BENCH_LOG ?? 'info');
const targets: Target[] = [];
const stopAll = () => {
  for (const child of [upstream.process, ...targets.map((target) => target.child)]) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
};
// Registered before the children start: a child that fails to start must not leave the others behind.
process.once('exit', stopAll);
// Ctrl-C: the children go too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
targets.push(await start('floor', join(here, 'lib/bare-proxy.ts'), here, { UPSTREAM: upstreamV1 }));
for (const tree of trees) {
  const name = trees.length > 1 ? `chatgate ${tree.arg}` : 'chatgate';
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const script = join(tree.dir, 'bench/lib/chatgate-child.ts');
  const { NODE_ARGS: nodeArgs = '', ...env } = tree.env;
  const nodeOptions = [...profile, ...nodeArgs.split(' ').filter(Boolean)];
  targets.push(await start(name, script, tree.dir, { ...chatgateEnv, ...env }, nodeOptions));
}

try {
  // The stream warms up on a fifth as many: each costs ~4 times a plain request.
  for (const target of targets)
    for (const mode of modes) await send(target, mode, mode === 'stream' ? warmup / 5 : warmup);
  for (const mode of modes) {
    for (let window = 0; window < windows; window++) {
      const turn = targets.map((_, i) => targets[(i + window) % targets.length] as Target);
      for (const target of turn) {
        const requests = requestsOf[mode];
        await costWindow(target.child, true);
        const started = performance.now();
        await send(target, mode, requests);
        const seconds = (performance.now() - started) / 1000;
        const reading = (await costWindow(target.child, false)) as CostReading;
        target.windows[mode].push(reading);
        if (!verbose) continue;
        console.log(
          `window ${window + 1} ${mode} ${target.name}: ${(reading.cpuUs / requests).toFixed(1)} µs CPU/req, ${(reading.allocatedBytes / requests / 1024).toFixed(1)} KiB/req, ${reading.gcs} GCs, ${(requests / seconds).toFixed(0)} req/s`,
        );
      }
    }
  }
} finally {
  await Promise.all(targets.map((target) => target.pool.close()));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
/** The 1st and 3rd quartile of `values`, as text. */
const quartiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.floor((sorted.length - 1) * q)] ?? 0).toFixed(1);
  return `${at(0.25)} … ${at(0.75)}`;
};
const perRequest = (target: Target, mode: Mode) => ({
  cpuUs: median(target.windows[mode].map((window) => window.cpuUs)) / requestsOf[mode],
  allocatedKiB: median(target.windows[mode].map((window) => window.allocatedBytes)) / requestsOf[mode] / 1024,
  gcPauseUs: (median(target.windows[mode].map((window) => window.gcPauseMs)) * 1000) / requestsOf[mode],
});
const rows: string[][] = [
  ['mode', 'process', 'CPU µs/req', '× floor', 'heap KiB/req', '× floor', 'GC µs/req'],
];
const figures: Record<string, Record<string, ReturnType<typeof perRequest>>> = {};
for (const mode of modes) {
  const floor = perRequest(targets[0] as Target, mode);
  for (const target of targets) {
    const figure = perRequest(target, mode);
    figures[mode] = { ...figures[mode], [target.name]: figure };
    rows.push([
      mode,
      target.name,
      figure.cpuUs.toFixed(1),
      (figure.cpuUs / floor.cpuUs).toFixed(2),
      figure.allocatedKiB.toFixed(1),
      (figure.allocatedKiB / floor.allocatedKiB).toFixed(2),
      figure.gcPauseUs.toFixed(1),
    ]);
  }
}
printTable(
  `gateway-cpu: ${windows} windows of ${requestsOf.json} requests (stream: ${requestsOf.stream}) per process, ${concurrency} connections (median window)`,
  rows,
);
// With several checkouts: each against the first, window by window (the same machine state), since
// the machine's own drift can be larger than a change.
const [first, ...others] = targets.slice(1);
const paired: Record<
  string,
  Record<string, { cpuUsDiff: number; cpuRatio: number; allocatedKiBDiff: number }>
> = {};
if (first) {
  for (const mode of modes) {
    for (const other of others) {
      const diffs = other.windows[mode].map((window, i) => {
        const base = first.windows[mode][i] as CostReading;
        return {
          cpu: (window.cpuUs - base.cpuUs) / requestsOf[mode],
          ratio: window.cpuUs / base.cpuUs,
          alloc: (window.allocatedBytes - base.allocatedBytes) / requestsOf[mode] / 1024,
        };
      });
      const figure = {
        cpuUsDiff: median(diffs.map((diff) => diff.cpu)),
        cpuRatio: median(diffs.map((diff) => diff.ratio)),
        allocatedKiBDiff: median(diffs.map((diff) => diff.alloc)),
      };
      paired[mode] = { ...paired[mode], [other.name]: figure };
      console.log(
        `${mode} ${other.name} − ${first.name}, median of windows: ${figure.cpuUsDiff.toFixed(1)} µs CPU/req (× ${figure.cpuRatio.toFixed(3)}; quartiles ${quartiles(diffs.map((diff) => diff.cpu))}), ${figure.allocatedKiBDiff.toFixed(1)} KiB/req`,
      );
    }
  }
}
writeResults('gateway-cpu', {
  parameters: { windowRequests: requestsOf, windows, concurrency, warmup, trees },
  figures,
});
await Promise.all([upstream.stop(), ...targets.map((target) => target.stop())]);
process.exit(0);
