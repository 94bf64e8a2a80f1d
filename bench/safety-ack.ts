/**
 * The ack path's cost of the safety rules (issue 14): `POST /api/v1/ai/interaction` on two
 * chatgate instances in this process, one with every rule off (the defaults) and one with every
 * rule on: 1,000 blocked users and 1,000 allowed ones, 1,000 blocked terms, user, channel and
 * community budgets (high enough that every event passes, so each check runs in full), the loop
 * guard and PII masking. Each event mentions the bot with a 300-char message, so the whole router
 * runs (dedupe, permissions, every guard, cooldowns, enqueue). Runs alternate (off, on; twice) so
 * that machine noise hits both alike; the ratio "on / off" is the figure.
 * Run: `npm run bench:safety` (BENCH_SECONDS per run, default 5; BENCH_CONNECTIONS, default 20).
 */
import type { DeepPartial } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { startFakeOllama } from '../test/fakes/fake-ollama.js';
import { startAckChatgate } from './lib/ack-chatgate.js';
import { type LoadResult, runLoad, summarize } from './lib/autocannon.js';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/stats.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ROUNDS = 2;

const filler =
  'that last round was close, I think the team should rotate faster and hold the bridge longer before pushing ';
const text = `@chatgate ${filler.repeat(3)}`.slice(0, 300);
const body = JSON.stringify({
  platform: 'twitch',
  community_id: 'twitch:channel:bench',
  channel_id: 'bench',
  user: { id: 'viewer-1', login: 'viewer', roles: ['subscriber'] },
  mentions_bot: true,
  text,
});

const ollama = await startFakeOllama();
ollama.behave({ latencyMs: 200 });
setInterval(() => ollama.calls.splice(0), 1000).unref();

const names = (prefix: string) => Array.from({ length: 1000 }, (_, i) => `${prefix}${i}`);
const rulesOn: DeepPartial<Config> = {
  safety: {
    permissions: { minRole: 'everyone', allowUsers: names('friend'), blockUsers: names('troll') },
    budgets: { userDailyTokens: 1e12, channelDailyTokens: 1e12, communityDailyTokens: 1e12 },
    moderation: { blockedTerms: names('badword'), piiRedaction: true, allowLinks: false },
    loopGuard: { maxTurns: 3, windowMs: 60_000 },
  },
};

/** chatgate on in-process stores (lib/ack-chatgate.ts) with a queue that never fills; its ack URL. */
const startChatgate = (overrides: DeepPartial<Config>) =>
  startAckChatgate(ollama.url, { ...overrides, queue: { maxSize: 1_000_000, maxConcurrent: 10 } });

const off = await startChatgate({});
const on = await startChatgate(rulesOn);
const cases = { off: off.url, on: on.url };
type Case = keyof typeof cases;
const load = (name: Case, durationSeconds = seconds) =>
  runLoad({ url: cases[name], body, connections, durationSeconds });
for (const name of ['off', 'on'] as const) await load(name, 2); // warm-up
const runs: Record<Case, LoadResult[]> = { off: [], on: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const name of ['off', 'on'] as const) runs[name].push(await load(name));
}
const o = summarize(runs.off);
const n = summarize(runs.on);
const row = (name: string, r: typeof o) => [
  name,
  String(r.count),
  r.requestsPerSecond.toFixed(0),
  r.p50.toFixed(2),
  r.p99.toFixed(2),
  ratio(r.requestsPerSecond, o.requestsPerSecond),
  ratio(r.p50, o.p50),
  ratio(r.p99, o.p99),
];
printTable(`ack path, safety rules off vs on: ${connections} connections, ${seconds} s × ${ROUNDS} rounds`, [
  ['case', 'responses', 'req/s', 'p50 ms', 'p99 ms', 'req/s ×', 'p50 ×', 'p99 ×'],
  row('every rule off (baseline)', o),
  row('every rule on', n),
]);
const unexpected = o.non2xx + o.errors + n.non2xx + n.errors;
if (unexpected > 0) console.log(`unexpected non-2xx or errors: ${unexpected}`);
writeResults('safety-ack', {
  params: { seconds, connections, rounds: ROUNDS, textChars: text.length, terms: 1000, listedUsers: 2000 },
  off: o,
  on: n,
  ratios: { rps: n.requestsPerSecond / o.requestsPerSecond, p50: n.p50 / o.p50, p99: n.p99 / o.p99 },
});
await Promise.all([off.app.close(), on.app.close()]);
await ollama.close();
process.exit(0);
