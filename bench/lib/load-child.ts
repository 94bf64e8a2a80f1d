/**
 * One autocannon run in a process of its own (spawned by `autocannon.ts`), recording every
 * response's latency (hrtime, ms as a float) by status code, so that the parent gets p95 and
 * per-status percentiles that autocannon's own (integer-ms, all-status) histogram does not give.
 * Input: the options as JSON in argv[2] (`headers` are sent besides `content-type`). Output: one JSON line on stdout (`LoadChildOutput`).
 */
import { createRequire } from 'node:module';
import { record } from './stats.js';

interface AutocannonOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  overallRate?: number;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (
  options: AutocannonOptions,
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

/** What the child prints: autocannon's totals and every latency, grouped by status code. */
export interface LoadChildOutput {
  requestsPerSecond: number;
  total: number;
  non2xx: number;
  errors: number;
  latencies: Record<string, number[]>;
}

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const { headers, ...options } = JSON.parse(process.argv[2] ?? '{}') as Omit<AutocannonOptions, 'method'>;
const latencies: Record<string, number[]> = {};

const result = await new Promise<AutocannonResult>((resolve, reject) => {
  const instance = autocannon(
    { ...options, method: 'POST', headers: { ...headers, 'content-type': 'application/json' } },
    (error, done) => (error ? reject(error) : resolve(done)),
  );
  instance.on('response', (_client, status, _bytes, ms) => {
    record(latencies, String(status), ms);
  });
});
const output: LoadChildOutput = {
  requestsPerSecond: result.requests.average,
  total: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
  latencies,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
