/**
 * Max-throughput A/B of `POST /v1/chat/completions` between two checkouts of chatgate (e.g. main
 * and a branch), in one run on one machine: each tree's `bench/lib/chatgate-child.ts` is started in
 * turn against one fake upstream (a child process) and driven by autocannon (a child process),
 * alternating A, B, A, B… so that machine noise falls on both alike. Prints req/s per round, the
 * chatgate process's CPU time per request (user + system, µs, from /proc: steadier than req/s on a
 * machine shared with other work) and the B/A ratios of the means. With BENCH_PROFILE_DIR, the B children run under `--cpu-prof` and write
 * their `.cpuprofile` there.
 * Each request carries the API key chatgate is configured with, and chatgate logs its line per
 * request into /dev/null, as in bench:gateway (CHATGATE_BENCH_LOG, default info).
 * Run: `npx tsx bench/gateway-ab.ts <treeA> <treeB>` (BENCH_ROUNDS, default 3; BENCH_SECONDS, default 5;
 * BENCH_CONNECTIONS, default 10).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type LoadResult, runLoad } from './lib/autocannon.js';
import { cpuMicros } from './lib/proc-cpu.js';
import { spawnFakeUpstream } from './lib/spawn-upstream.js';

const [treeA = '/work/main', treeB = process.cwd()] = process.argv.slice(2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const profileDir = process.env.BENCH_PROFILE_DIR;

const upstream = await spawnFakeUpstream();
// A failed run (a tree whose chatgate does not start) must not leave the upstream running.
process.once('exit', () => {
  if (upstream.process.exitCode === null && upstream.process.signalCode === null)
    upstream.process.kill('SIGTERM');
});
/** As bench:gateway runs it: a caller key on every request, so auth and the per-key rate limit work. */
const BENCH_KEY = 'bench-key';
const headers = { authorization: `Bearer ${BENCH_KEY}` };
const config = JSON.stringify({
  ai: { provider: 'openai', openai: { baseUrl: `${upstream.url}/v1`, model: 'bench-model' } },
  openaiApi: { rateLimitPerMinute: 10_000_000 },
  auth: { apiKeys: [BENCH_KEY] },
});
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say something short.' }],
});

interface Measured extends LoadResult {
  /** chatgate's CPU time per request answered in the measured run, µs. */
  cpuPerRequestUs: number;
}

/** Starts `tree`'s chatgate child (its own tsx, its own sources), runs one warm-up and one measured load. */
async function measure(tree: string, profile: boolean): Promise<Measured> {
  const options = profile && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...options, '--import', 'tsx', join(tree, 'bench/lib/chatgate-child.ts')],
    {
      cwd: tree,
      env: {
        ...process.env,
        CHATGATE_BENCH_CONFIG: config,
        CHATGATE_BENCH_LOG: process.env.CHATGATE_BENCH_LOG ?? 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`${tree} chatgate exited ${code}`)));
  });
  const url = `${base}/v1/chat/completions`;
  try {
    await runLoad({ url, body, connections, durationSeconds: 2, headers });
    const pid = child.pid ?? 0;
    const before = cpuMicros(pid);
    const run = await runLoad({ url, body, connections, durationSeconds: seconds, headers });
    return { ...run, cpuPerRequestUs: (cpuMicros(pid) - before) / Math.max(1, run.total) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const results: { A: Measured[]; B: Measured[] } = { A: [], B: [] };
for (let round = 1; round <= rounds; round++) {
  for (const [name, tree] of [
    ['A', treeA],
    ['B', treeB],
  ] as const) {
    const run = await measure(tree, name === 'B');
    results[name].push(run);
    const failed = run.non2xx + run.errors;
    console.log(
      `round ${round} ${name} ${tree}: ${run.requestsPerSecond.toFixed(0)} req/s, ${run.cpuPerRequestUs.toFixed(0)} µs CPU/req, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, failed ${failed}`,
    );
  }
}
const mean = (runs: Measured[], pick = (run: Measured) => run.requestsPerSecond) =>
  runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
const cpu = (run: Measured) => run.cpuPerRequestUs;
const ratios = results.A.map((a, i) => (results.B[i]?.requestsPerSecond ?? 0) / a.requestsPerSecond);
console.log(
  `CPU per request: A ${mean(results.A, cpu).toFixed(0)} µs, B ${mean(results.B, cpu).toFixed(0)} µs, B/A ${(mean(results.B, cpu) / mean(results.A, cpu)).toFixed(3)}`,
);
console.log(
  `mean A ${mean(results.A).toFixed(0)} req/s, B ${mean(results.B).toFixed(0)} req/s, B/A ${(mean(results.B) / mean(results.A)).toFixed(2)} (per round: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
);
await upstream.stop();
process.exit(0);
