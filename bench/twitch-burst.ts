/**
 * Platform burst: a raid into the fake Twitch server (a raid notice and raiders' messages that
 * mention the bot, BENCH_BURST events in all, default 200) through the real Twitch adapter and the
 * whole pipeline (router → memory queue → worker → fake Ollama answering in BENCH_LATENCY_MS,
 * default 100, each answer distinct → adapter → Twitch's limits). The per-channel reply cap is
 * lifted so that every event gets a reply and Twitch's limits are what is tested. Reported: replies
 * delivered, the longest wait in chatgate's queue and in the adapter's outbound queue, the busiest
 * 30 s window against Twitch's allowance, refusals (msg_ratelimit) by the fake.
 * Two cases, said in the output: as a non-moderator (20 per 30 s, 1.2 s apart) on a virtual clock
 * shared by the adapter and the fake (about 5 minutes of Twitch time in seconds), and as a
 * moderator (100 per 30 s) on the real clock (about 31 s). Baseline of each: the same number of
 * replies handed straight to the adapter (no pipeline), in the same run.
 * Run: `npm run bench:burst`.
 */
import { startFakeOllama } from '../test/fakes/fake-ollama.js';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/stats.js';
import { type BurstResult, runBurst } from './lib/twitch-burst.js';

const count = Number(process.env.BENCH_BURST ?? 200);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 100);

const ollama = await startFakeOllama();
let answers = 0;
// Distinct answers: identical ones would be held back by Twitch's duplicate rule, not its rate limit.
ollama.behave({ latencyMs, reply: () => `Welcome to the channel, raider! Enjoy the stream (#${++answers})` });
setInterval(() => ollama.calls.splice(0), 1000).unref();

const cases = [
  { name: 'non-moderator, virtual clock', moderator: false, virtual: true },
  { name: 'moderator, real clock', moderator: true, virtual: false },
] as const;
const results: { name: string; adapter: BurstResult; pipeline: BurstResult }[] = [];
for (const { name, moderator, virtual } of cases) {
  const common = { count, moderator, virtual, ollamaUrl: ollama.url };
  results.push({
    name,
    adapter: await runBurst({ ...common, through: 'adapter' }),
    pipeline: await runBurst({ ...common, through: 'pipeline' }),
  });
}

const s = (ms: number) => (ms / 1000).toFixed(1);
const rows = [
  [
    'case',
    'path',
    'delivered',
    'refused',
    'busiest 30 s',
    'min gap ms',
    'max queue wait s',
    'max outbound wait s',
    'last reply s',
    'last reply ×',
    'real s',
  ],
];
for (const { name, adapter, pipeline } of results) {
  for (const [path, result] of [
    ['adapter alone (baseline)', adapter],
    ['chatgate pipeline', pipeline],
  ] as const) {
    rows.push([
      name,
      path,
      `${result.delivered}/${count}`,
      String(result.refused),
      `${result.busiestWindow}/${result.allowance}`,
      result.smallestGapMs.toFixed(0),
      result.maxQueueWaitMs === undefined ? '' : s(result.maxQueueWaitMs),
      s(result.maxOutboundWaitMs),
      s(result.lastReplyMs),
      ratio(result.lastReplyMs, adapter.lastReplyMs),
      s(result.realMs),
    ]);
  }
}
printTable(
  `twitch raid burst: ${count} events, model ${latencyMs} ms; times in each case's clock (virtual = Twitch time)`,
  rows,
);
for (const { name, pipeline } of results) {
  const exceeded = pipeline.busiestWindow > pipeline.allowance || pipeline.refused > 0;
  console.log(
    `${name}: interactions ${JSON.stringify(pipeline.statuses)}; rate-limit window exceeded: ${exceeded ? 'YES' : 'no'}`,
  );
}
writeResults('twitch-burst', { params: { count, latencyMs }, cases: results });
await ollama.close();
process.exit(0);
