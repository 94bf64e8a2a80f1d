/**
 * What the chat moderation costs on the router's path: `router.ingest` of an event that addresses
 * the bot, with the moderator commands, the moderation guard (paused channel, moderated user: one
 * MGET) and the loop guard on, against the same router without them (the baseline), in the same
 * run, alternately (ROUNDS times) so that machine noise hits both alike. The trigger's probability
 * is 0 for the run, so each event goes through every check and is then ignored (`probability`):
 * no queue, no model; dedupe, community settings and the interaction log (in process) are paid
 * alike. Two store setups: in process, and the keys and safety state on Redis (REDIS_URL, a key
 * prefix of the run's own, deleted at the end).
 * Run: `npx tsx bench/chat-moderation.ts` (BENCH_SECONDS per measurement, default 2).
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config/load.js';
import type { ChatEvent } from '../src/core/chat-event.js';
import { createLogger } from '../src/observability/logger.js';
import { Router } from '../src/router/router.js';
import { ChatModerationState } from '../src/safety/chat-moderation-state.js';
import { loopGuard } from '../src/safety/loop-guard.js';
import { moderationGuard } from '../src/safety/moderation-guard.js';
import { ModeratorCommands } from '../src/safety/moderator-commands.js';
import { RedisSafetyState } from '../src/safety/redis-safety-state.js';
import type { SafetyStateStore } from '../src/safety/safety-state.js';
import { createServices, type Services } from '../src/services.js';
import type { KeyStore } from '../src/stores/key-store.js';
import { createRedisConnection } from '../src/stores/redis/redis-connection.js';
import { RedisKeyStore } from '../src/stores/redis/redis-key-store.js';
import { memoryStores } from '../src/stores/store-set.js';
import { deleteByPrefix } from '../test/stores/redis/support.js';
import { writeResults } from './lib/results.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const CONCURRENCY = 32;
const ROUNDS = 2;
const prefix = `chatgate-bench:chatmod:${randomUUID()}:`;

const config = loadConfig({
  env: {},
  overrides: {
    log: { level: 'silent' },
    interactions: { logSize: 10_000 },
    limits: { channelReplyCap: { max: 1_000_000_000, windowMs: 60_000 } },
    triggers: {
      kinds: { mention: { enabled: true, probability: 1, userCooldownMs: 0, channelCooldownMs: 0 } },
    },
  },
});

let sequence = 0;
/** A new event that mentions the bot, from one of 1,000 viewers. */
function event(): ChatEvent {
  sequence++;
  const user = `viewer${sequence % 1000}`;
  return {
    id: `api:bench-${sequence}`,
    platform: 'api',
    type: 'message',
    communityId: 'api:bench',
    channelId: 'bench',
    text: '@chatgate how are you?',
    user: { id: user, login: user, displayName: user, isBot: false, roles: [] },
    isDirect: false,
    mentionsBot: true,
    meta: {},
    receivedAt: Date.now(),
  };
}

/** A router on `services` with or without the chat moderation; every draw misses the probability. */
function router(services: Services, keys: KeyStore, safety: SafetyStateStore | undefined): Router {
  const state = safety ? new ChatModerationState(safety, { markMinMs: 120_000 }) : undefined;
  const botNames = ['chatgate'];
  return new Router({
    communities: services.communities,
    queue: services.queue,
    interactions: services.interactions,
    keys,
    metrics: services.metrics,
    logger: services.logger,
    botNames,
    dedupeTtlMs: 60_000,
    channelReplyCap: config.limits.channelReplyCap,
    random: () => 1,
    commands: state
      ? new ModeratorCommands({
          state,
          context: services.context,
          interactions: services.interactions,
          communityConfigs: services.communityConfigs,
          botNames,
          logger: services.logger,
        })
      : undefined,
    guards: state ? [moderationGuard(state), loopGuard(keys, config.safety.loopGuard)] : undefined,
  });
}

/** Ingests from `CONCURRENCY` loops for `ms`; events per second and µs per ingest (p50, p99). */
async function measure(target: Router, ms: number) {
  const deadline = performance.now() + ms;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const ack = await target.ingest(event());
        if (ack.reason !== 'probability') throw new Error(`unexpected ack ${JSON.stringify(ack)}`);
        latencies.push((performance.now() - started) * 1000);
      }
    }),
  );
  return {
    perSecond: latencies.length / (ms / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const services = await createServices(config, {
  logger: createLogger('silent'),
  stores: memoryStores(config),
});
const redis = createRedisConnection({ url: redisUrl });
if (!(await redis.health.waitUntilUp(2000))) throw new Error(`no Redis at ${redisUrl}`);
const memoryKeys = memoryStores(config).keys;
const redisKeys = new RedisKeyStore({ client: redis.client, prefix });
const cases = {
  'in process, without': router(services, memoryKeys, undefined),
  'in process, with': router(services, memoryKeys, memoryStores(config).safety),
  'Redis, without': router(services, redisKeys, undefined),
  'Redis, with': router(services, redisKeys, new RedisSafetyState(redis.client, { prefix })),
};
type Case = keyof typeof cases;
const names = Object.keys(cases) as Case[];
for (const name of names) await measure(cases[name], 500); // warm-up
const results = Object.fromEntries(names.map((name) => [name, [] as Awaited<ReturnType<typeof measure>>[]]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names) results[name]?.push(await measure(cases[name], seconds * 1000));
}
const best = (name: Case) => {
  const runs = results[name] ?? [];
  return runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
};
const rows = names.map((name) => {
  const figures = best(name);
  const baseline = best(name.replace(/with$/, 'without') as Case);
  return [
    name,
    figures.perSecond.toFixed(0),
    figures.p50.toFixed(0),
    figures.p99.toFixed(0),
    ratio(figures.perSecond, baseline.perSecond),
  ];
});
printTable(
  `router.ingest with the chat moderation on vs off: ${CONCURRENCY} loops, ${seconds} s × ${ROUNDS} rounds, best round`,
  [['case', 'events/s', 'p50 µs', 'p99 µs', 'events/s × without'], ...rows],
);
writeResults('chat-moderation', {
  params: { seconds, rounds: ROUNDS, concurrency: CONCURRENCY },
  ...Object.fromEntries(names.map((name) => [name, best(name)])),
});
await deleteByPrefix(redis.client, prefix);
await redis.close();
await services.close();
