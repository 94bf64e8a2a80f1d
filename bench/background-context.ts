/**
 * Background context (issue 15 §3): what recording a channel's chatter costs on the ack path, and
 * what the bounded block costs the prompt. Measured in the same run:
 * - µs per `router.ingest` of an unaddressed 200-char chat line (no trigger matches, so the router
 *   acks `ignored` / `no_trigger` and the chatter recorder runs: blocked-term check, moderation
 *   state, PII masking, store write), with background context on (20 lines, 10 minutes: the
 *   defaults) against the same services with it off (`messages: 0`), alternated, twice each; with
 *   the chatter in process, and on Redis (`REDIS_URL`, default 127.0.0.1:6379; skipped when Redis
 *   does not answer);
 * - µs per `buildPrompt` with a full block (20 lines of 200 chars, cut to 2,000 chars) against none.
 * Run: `npm run bench:background` (BENCH_SAMPLES, default 200).
 */
import { buildPrompt, type PromptInput } from '../src/ai/prompt.js';
import { type DeepPartial, loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import type { ChatEvent } from '../src/core/chat-event.js';
import { createLogger } from '../src/observability/logger.js';
import type { Router } from '../src/router/router.js';
import { createServices, type Services } from '../src/services.js';
import type { ChatterStore } from '../src/stores/chatter-store.js';
import { RedisChatterStore } from '../src/stores/redis/redis-chatter-store.js';
import { createRedisConnection } from '../src/stores/redis/redis-connection.js';
import { memoryStores } from '../src/stores/store-set.js';
import { deleteByPrefix, randomPrefix } from '../test/stores/redis/support.js';
import { writeResults } from './lib/results.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const filler = 'the boss fight was wild and that last jump though, chat went crazy for the clutch play ';
const lineText = filler.repeat(3).slice(0, 200);
let sequence = 0;
const event = (): ChatEvent => ({
  id: `bench:${++sequence}`,
  platform: 'api',
  type: 'message',
  communityId: 'api:bench',
  channelId: 'general',
  text: lineText,
  // Many speakers, as in a busy channel; none is answered, so cooldowns do not come into it.
  user: {
    id: `u${sequence % 500}`,
    login: `viewer${sequence % 500}`,
    displayName: 'Viewer',
    isBot: false,
    roles: [],
  },
  isDirect: false,
  mentionsBot: false,
  meta: {},
  receivedAt: Date.now(),
});

async function servicesWith(
  background: { messages: number; maxAgeMs: number },
  chatter?: ChatterStore,
): Promise<Services> {
  const overrides: DeepPartial<Config> = {
    log: { level: 'silent' },
    presence: { backgroundContext: background },
  };
  const config = loadConfig({ env: {}, overrides });
  const stores = { ...memoryStores(config), ...(chatter ? { chatter } : {}) };
  return createServices(config, { stores, logger: createLogger('silent') });
}

/** µs per ack through `router`: the median over SAMPLES samples of 20 acks each (awaited in turn). */
async function measureAcks(router: Router): Promise<number> {
  for (let i = 0; i < 400; i++) await router.ingest(event());
  const perAck: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const started = performance.now();
    for (let i = 0; i < 20; i++) await router.ingest(event());
    perAck.push(((performance.now() - started) * 1000) / 20);
  }
  return percentile(perAck, 50);
}

/** The best median of two alternated rounds of each case. */
async function alternate(cases: Record<string, Router>): Promise<Record<string, number>> {
  const figures: Record<string, number[]> = {};
  for (let round = 0; round < 2; round++) {
    for (const [name, router] of Object.entries(cases)) {
      const values = figures[name] ?? [];
      values.push(await measureAcks(router));
      figures[name] = values;
    }
  }
  return Object.fromEntries(Object.entries(figures).map(([name, values]) => [name, Math.min(...values)]));
}

const ON = { messages: 20, maxAgeMs: 600_000 };
const OFF = { messages: 0, maxAgeMs: 600_000 };
const results: Record<string, number> = {};
const ratios: Record<string, string> = {};

const off = await servicesWith(OFF);
const on = await servicesWith(ON);
const probe = await on.router.ingest(event());
if (probe.reason !== 'no_trigger') throw new Error(`the bench expects "no_trigger", got ${probe.reason}`);
Object.assign(
  results,
  await alternate({ 'ack, background off': off.router, 'ack, background on (in process)': on.router }),
);
ratios['ack on / off, in process'] = ratio(
  results['ack, background on (in process)'] ?? 0,
  results['ack, background off'] ?? 0,
);
await Promise.all([off.close(), on.close()]);

const redis = createRedisConnection({ url: REDIS_URL });
if (await redis.health.waitUntilUp(2000)) {
  const prefix = randomPrefix('bench-chatter');
  const offR = await servicesWith(OFF);
  const onR = await servicesWith(ON, new RedisChatterStore({ client: redis.client, prefix }));
  const redisFigures = await alternate({
    'ack, background off (Redis run)': offR.router,
    'ack, background on (Redis)': onR.router,
  });
  Object.assign(results, redisFigures);
  ratios['ack on / off, Redis'] = ratio(
    redisFigures['ack, background on (Redis)'] ?? 0,
    redisFigures['ack, background off (Redis run)'] ?? 0,
  );
  await Promise.all([offR.close(), onR.close()]);
  await deleteByPrefix(redis.client, prefix);
} else {
  console.log(`Redis at ${REDIS_URL} does not answer: the Redis case is skipped`);
}
await redis.close();

// The prompt: a full block against none.
const promptInput: PromptInput = {
  botName: 'chatgate',
  persona: 'You are a friendly bot.',
  event: { ...event(), text: '@chatgate what did I miss', mentionsBot: true },
  trigger: 'mention',
  text: 'what did I miss',
  context: [],
  replyMaxChars: 500,
};
const lines = Array.from({ length: 20 }, (_, i) => ({ speaker: `Viewer${i}`, text: lineText }));
function measure(build: () => unknown): number {
  for (let i = 0; i < 5000; i++) build();
  const perCall: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const started = performance.now();
    for (let i = 0; i < 100; i++) build();
    perCall.push(((performance.now() - started) * 1000) / 100);
  }
  return percentile(perCall, 50);
}
results['buildPrompt, no background'] = measure(() => buildPrompt(promptInput));
results['buildPrompt, 20 lines (block cut to 2,000 chars)'] = measure(() =>
  buildPrompt({ ...promptInput, background: lines }),
);
ratios['buildPrompt with block / without'] = ratio(
  results['buildPrompt, 20 lines (block cut to 2,000 chars)'] ?? 0,
  results['buildPrompt, no background'] ?? 0,
);

printTable(`background context: µs per call (median, ${SAMPLES} samples)`, [
  ['case', 'µs'],
  ...Object.entries(results).map(([name, us]) => [name, us.toFixed(1)]),
]);
printTable('ratios (same run)', [['ratio', 'value'], ...Object.entries(ratios)]);
writeResults('background-context', {
  params: { samples: SAMPLES, lineChars: lineText.length },
  results,
  ratios,
});
process.exit(0);
