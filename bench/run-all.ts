/**
 * `npm run bench`: the six benchmarks of issue 9, then the extra ones (context store, platform round trips, issue 8's scale-out), each in a process of
 * its own, one after the other (they would disturb each other's figures if run together). Prints
 * each one's table as it goes and, at the end, how long each took. A failing benchmark is reported
 * and the rest still run; the exit code is then 1. BENCH_ONLY=ack,gateway runs a subset.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { printTable } from './lib/stats.js';

const ALL = [
  'ack',
  'gateway',
  'pipeline',
  'concurrency',
  'memory',
  'twitch-burst',
  'context-store',
  'platform-latency',
  'twitch-transports',
  'scale',
  'pglite-footprint',
  'safety-ack',
  'blocked-terms',
  'background-context',
];
const only = process.env.BENCH_ONLY?.split(',');
const names = only ? ALL.filter((name) => only.includes(name)) : ALL;

function run(name: string): Promise<number> {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const started = performance.now();
const rows = [['benchmark', 'seconds', 'exit']];
let failed = false;
for (const name of names) {
  console.log(`\n=== ${name}`);
  const from = performance.now();
  const code = await run(name);
  failed ||= code !== 0;
  rows.push([name, ((performance.now() - from) / 1000).toFixed(1), String(code)]);
}
console.log('');
rows.push(['total', ((performance.now() - started) / 1000).toFixed(1), '']);
printTable('npm run bench', rows);
process.exit(failed ? 1 : 0);
