/**
 * An open-loop load at an even rate, in a process of its own (spawned by `autocannon.ts` for
 * `pacing: 'even'`): one POST every 1/rate s over keep-alive connections (more are opened when
 * answers lag), each latency measured from the request's scheduled send time, so a slow server is
 * not hidden by the client waiting for it (no coordinated omission). autocannon's `overallRate`
 * instead sends each connection's quota as fast as it can at the start of every second (bursts).
 * Input: `{ url, body, duration, overallRate, connections, headers? }` as JSON in argv[2]. Output: one JSON
 * line, a `LoadChildOutput`.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LoadChildOutput } from './load-child.js';
import { record } from './stats.js';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  body: string;
  duration: number;
  overallRate: number;
  connections: number;
  headers?: Record<string, string>;
};
const agent = new Agent({ keepAlive: true, maxFreeSockets: options.connections });
const latencies: Record<string, number[]> = {};
let errors = 0;
let non2xx = 0;
let inFlight = 0;

function send(scheduledAt: number): void {
  inFlight++;
  const done = (status: string) => {
    inFlight--;
    record(latencies, status, performance.now() - scheduledAt);
  };
  const req = request(
    options.url,
    {
      method: 'POST',
      agent,
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(options.body),
      },
    },
    (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) non2xx++;
        done(String(status));
      });
    },
  );
  req.on('error', () => {
    errors++;
    inFlight--;
  });
  req.end(options.body);
}

const interval = 1000 / options.overallRate;
const started = performance.now();
const total = Math.floor(options.duration * options.overallRate);
let sent = 0;
await new Promise<void>((resolve) => {
  const tick = () => {
    // Send every request whose time has come (timers fire late; catch up without drifting).
    const now = performance.now();
    while (sent < total && started + sent * interval <= now) send(started + sent++ * interval);
    if (sent < total) setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
    else resolve();
  };
  tick();
});
while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
const elapsed = (performance.now() - started) / 1000;
const answered = Object.values(latencies).reduce((sum, values) => sum + values.length, 0);
const output: LoadChildOutput = {
  requestsPerSecond: answered / elapsed,
  total: answered,
  non2xx,
  errors,
  latencies,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
agent.destroy();
