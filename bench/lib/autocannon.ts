import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadChildOutput } from './load-child.js';
import { percentile } from './stats.js';

/** Latency percentiles of a set of responses, ms. */
export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

/** What we keep of an autocannon run. Latencies in ms (floats, from every response). */
export interface LoadResult extends Latency {
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
  total: number;
  /** The same percentiles per HTTP status code (`'202'`, `'503'`, …). */
  byStatus: Record<string, Latency>;
}

const children = {
  autocannon: fileURLToPath(new URL('./load-child.ts', import.meta.url)),
  even: fileURLToPath(new URL('./paced-load-child.ts', import.meta.url)),
};

/** Percentiles of `values` (ms). */
export function latencyOf(values: number[]): Latency {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
  };
}

/**
 * Drives `url` with POSTs of a JSON body from a child process, so that the load generator does not
 * share the event loop of the server under test (they still share the machine's cores): autocannon
 * (closed loop; with `rate`, its `overallRate`), or with `pacing: 'even'` an open loop that sends
 * one request every 1/rate s (see paced-load-child.ts).
 */
export async function runLoad(options: {
  url: string;
  body: string;
  connections: number;
  durationSeconds: number;
  /** Requests per second across all connections (autocannon `overallRate`); unset = as fast as answered. */
  rate?: number;
  /** `autocannon` (default) or `even` (needs `rate`). */
  pacing?: 'autocannon' | 'even';
  /** Headers sent with every request besides `content-type: application/json` (e.g. a gateway's routing headers). */
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  const child = children[options.rate && options.pacing === 'even' ? 'even' : 'autocannon'];
  const input = JSON.stringify({
    url: options.url,
    body: options.body,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const output = await new Promise<string>((resolve, reject) => {
    const load = spawn(process.execPath, ['--import', 'tsx', child, input], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    load.stdout.on('data', (chunk) => {
      text += chunk;
    });
    load.on('error', reject);
    load.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`autocannon exited ${code}`))));
  });
  const result = JSON.parse(output) as LoadChildOutput;
  const all = Object.values(result.latencies).flat();
  const byStatus = Object.fromEntries(
    Object.entries(result.latencies).map(([status, values]) => [status, latencyOf(values)]),
  );
  return {
    ...latencyOf(all),
    requestsPerSecond: result.requestsPerSecond,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.total,
    byStatus,
  };
}

/** The mean of several runs of one case (percentiles averaged, counts summed). */
export function summarize(runs: LoadResult[]): LoadResult {
  const avg = (pick: (run: Latency) => number, of: Latency[]) =>
    of.reduce((sum, run) => sum + pick(run), 0) / of.length;
  const meanLatency = (of: Latency[]): Latency => ({
    count: of.reduce((sum, run) => sum + run.count, 0),
    p50: avg((run) => run.p50, of),
    p95: avg((run) => run.p95, of),
    p99: avg((run) => run.p99, of),
  });
  const statuses = [...new Set(runs.flatMap((run) => Object.keys(run.byStatus)))];
  return {
    ...meanLatency(runs),
    requestsPerSecond: runs.reduce((sum, run) => sum + run.requestsPerSecond, 0) / runs.length,
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    total: runs.reduce((sum, run) => sum + run.total, 0),
    byStatus: Object.fromEntries(
      statuses.map((status) => [
        status,
        meanLatency(runs.flatMap((run) => (run.byStatus[status] ? [run.byStatus[status]] : []))),
      ]),
    ),
  };
}
