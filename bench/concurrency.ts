/**
 * Concurrency: 1,000 and 10,000 streamed completions (`POST /v1/chat/completions`, `stream: true`)
 * held open at once through chatgate, against the same number straight to the fake upstream.
 * Three processes: this one (the client: node:http, one connection per stream, opened in a ramp of
 * 500 every 100 ms), the fake OpenAI-compatible upstream (a child; each answer waits
 * BENCH_HOLD_MS, default 3000, then streams 6 parts 200 ms apart), and chatgate (a child, rate
 * limit lifted, model list cached before the run). RSS and event-loop delay are each server's own, read over IPC (probe.ts): for
 * chatgate, chatgate's process; for the baseline, the fake upstream's (a bare node:http server
 * holding the same streams). Success = status 200 and the stream ended with `data: [DONE]`.
 * A stream through chatgate holds two sockets there (client + upstream): with a file-descriptor
 * limit under 2×N + 200 the count is capped, and the output says so.
 * Run: `npm run bench:concurrency` (BENCH_STREAMS, default "1000,10000"; BENCH_HOLD_MS).
 */
import { execSync } from 'node:child_process';
import { type ProbeReading, probe } from './lib/probe.js';
import { writeResults } from './lib/results.js';
import { type Child, spawnChild } from './lib/spawn-child.js';
import { spawnFakeUpstream } from './lib/spawn-upstream.js';
import { percentile, printTable, ratio } from './lib/stats.js';
import { type CrowdResult, streamCrowd } from './lib/stream-crowd.js';

const requested = (process.env.BENCH_STREAMS ?? '1000,10000').split(',').map(Number);
const holdMs = Number(process.env.BENCH_HOLD_MS ?? 3000);
const fdLimit = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
const maxThroughChatgate = Math.floor((fdLimit - 200) / 2);
const body = JSON.stringify({
  model: 'bench-model',
  stream: true,
  messages: [{ role: 'user', content: 'Say hello.' }],
});

interface Side {
  crowd: CrowdResult;
  idle: ProbeReading;
  peakRss: number;
  end: ProbeReading;
}

/** Runs the crowd against `url` while sampling `server`'s RSS; returns what both saw. */
async function measure(url: string, server: Child, count: number): Promise<Side> {
  const idle = await probe(server.process, { reset: true });
  let peakRss = idle.rss;
  const samples: Promise<void>[] = [];
  const crowd = await streamCrowd({
    url,
    body,
    count,
    batch: 500,
    everyMs: 100,
    onTick: () =>
      void samples.push(
        probe(server.process).then(
          (reading) => {
            peakRss = Math.max(peakRss, reading.rss);
          },
          () => {},
        ),
      ),
  });
  await Promise.all(samples);
  const end = await probe(server.process);
  return { crowd, idle, peakRss: Math.max(peakRss, end.rss), end };
}

const results: { streams: number; requested: number; direct: Side; chatgate: Side }[] = [];
for (const wanted of requested) {
  const count = Math.min(wanted, maxThroughChatgate);
  if (count < wanted) {
    console.log(
      `${wanted} streams requested; \`ulimit -n\` is ${fdLimit}, and chatgate holds 2 sockets per stream: capped at ${count}`,
    );
  }
  const upstream = await spawnFakeUpstream({
    FAKE_LATENCY_MS: String(holdMs),
    FAKE_CHUNK_DELAY_MS: '200',
    FAKE_REPLY: 'Hello there, friend!',
  });
  const direct = await measure(`${upstream.url}/v1/chat/completions`, upstream, count);
  const chatgate = await spawnChild('chatgate-child.ts', {
    CHATGATE_BENCH_CONFIG: JSON.stringify({
      ai: { provider: 'openai', openai: { baseUrl: `${upstream.url}/v1`, model: 'bench-model' } },
      openaiApi: { rateLimitPerMinute: 100_000_000, modelsCacheMs: 600_000 },
    }),
  });
  // chatgate looks the model up in the upstream's model list (cached) before the first call, and
  // the fake upstream answers that list after the same hold: fill the cache first.
  await fetch(`${chatgate.url}/v1/models`).then((response) => response.text());
  const through = await measure(`${chatgate.url}/v1/chat/completions`, chatgate, count);
  await chatgate.stop();
  await upstream.stop();
  results.push({ streams: count, requested: wanted, direct, chatgate: through });
}

const MB = 1024 * 1024;
const succeeded = (side: Side) => side.crowd.timings.filter((timing) => timing.ok).length;
const pct = (side: Side, p: number, pick: 'first' | 'last') =>
  percentile(
    side.crowd.timings.filter((timing) => timing.ok).map((timing) => timing[pick]),
    p,
  );
const perStream = (side: Side, count: number) => (side.peakRss - side.idle.rss) / count / 1024;
type Metric = [string, (side: Side, count: number) => number, number];
const metrics: Metric[] = [
  ['success %', (side, count) => (100 * succeeded(side)) / count, 1],
  ['peak streams in flight', (side) => side.crowd.peakOpen, 0],
  ['server RSS idle MB', (side) => side.idle.rss / MB, 1],
  ['server RSS peak MB', (side) => side.peakRss / MB, 1],
  ['server RSS KiB/stream', perStream, 1],
  ['server ELD p50 ms', (side) => side.end.eld.p50, 1],
  ['server ELD p99 ms', (side) => side.end.eld.p99, 1],
  ['server ELD max ms', (side) => side.end.eld.max, 1],
  ['client TTFT p50 ms', (side) => pct(side, 50, 'first'), 0],
  ['client TTFT p99 ms', (side) => pct(side, 99, 'first'), 0],
  ['client last byte p50 ms', (side) => pct(side, 50, 'last'), 0],
  ['client last byte p99 ms', (side) => pct(side, 99, 'last'), 0],
  ['client wall s', (side) => side.crowd.wallMs / 1000, 1],
];
printTable(
  `concurrency: streams held ~${(holdMs + 1000) / 1000} s each; server figures are each server's own process (baseline: the fake upstream)`,
  [
    ['metric', ...results.flatMap(({ streams }) => [`${streams} direct`, `${streams} chatgate`, 'ratio'])],
    ...metrics.map(([name, pick, digits]) => [
      name,
      ...results.flatMap(({ streams, direct, chatgate }) => {
        const base = pick(direct, streams);
        const through = pick(chatgate, streams);
        return [base.toFixed(digits), through.toFixed(digits), ratio(through, base)];
      }),
    ]),
  ],
);
for (const { streams, direct, chatgate } of results) {
  for (const [name, side] of [
    ['direct', direct],
    ['chatgate', chatgate],
  ] as const) {
    if (side.crowd.errors.length > 0)
      console.log(`${streams} ${name} failures, e.g.: ${side.crowd.errors.join(' | ')}`);
  }
}
writeResults('concurrency', {
  params: { requested, holdMs, fdLimit, maxThroughChatgate, ramp: '500 every 100 ms' },
  runs: results.map(({ streams, requested: wanted, direct, chatgate }) => ({
    streams,
    requested: wanted,
    ...Object.fromEntries(
      [
        ['direct', direct],
        ['chatgate', chatgate],
      ].map(([name, side]) => {
        const s = side as Side;
        return [
          name,
          {
            succeeded: succeeded(s),
            peakOpen: s.crowd.peakOpen,
            rssIdle: s.idle.rss,
            rssPeak: s.peakRss,
            eld: s.end.eld,
            ttft: { p50: pct(s, 50, 'first'), p99: pct(s, 99, 'first') },
            last: { p50: pct(s, 50, 'last'), p99: pct(s, 99, 'last') },
            errors: s.crowd.errors,
          },
        ];
      }),
    ),
  })),
});
process.exit(0);
