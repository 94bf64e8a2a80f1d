import { AiService } from './ai/ai-service.js';
import { healthMetrics } from './ai/health-metrics.js';
import { HealthMonitor } from './ai/health-monitor.js';
import { ProviderRegistry } from './ai/provider-registry.js';
import { RedisSharedBreakerStore } from './ai/shared-breaker-redis.js';
import type { CommunitySettingsSource } from './community/community-settings.js';
import { StoredCommunitySettings } from './community/stored-community-settings.js';
import { type Config, MAX_HUMAN_GRACE_MS } from './config/schema.js';
import type { AdapterState, PlatformModeration } from './core/adapter.js';
import { type ClientKeys, clientKeys } from './http/client-keys/client-keys.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import type { InteractionQueue, QueueFailureListener } from './queue/interaction-queue.js';
import { MemoryInteractionQueue } from './queue/memory-queue.js';
import { RedisInteractionQueue } from './queue/redis-queue.js';
import { ChatterRecorder } from './router/chatter-recorder.js';
import { type HumanGraceStore, MemoryHumanGraceStore } from './router/human-grace/grace-store.js';
import { HumanAnswers } from './router/human-grace/human-answers.js';
import { RedisHumanGraceStore } from './router/human-grace/redis-grace-store.js';
import { Router } from './router/router.js';
import { BudgetGuard, eventReservation } from './safety/budget-guard.js';
import { ChatModerationState } from './safety/chat-moderation-state.js';
import { loopGuard } from './safety/loop-guard.js';
import { moderationGuard } from './safety/moderation-guard.js';
import { ModeratorCommands } from './safety/moderator-commands.js';
import { PlatformModerationEffects } from './safety/platform-moderation.js';
import { MemorySafetyState } from './safety/safety-state.js';
import { buildTextModeration } from './safety/text-moderation-wiring.js';
import { MemoryUsageCounters } from './safety/usage/memory-usage-counters.js';
import { UsageMeter } from './safety/usage/usage-meter.js';
import type { CommunityConfigStore } from './stores/community-config-store.js';
import type { ContextStore } from './stores/context-store.js';
import { WatchedInteractionLog } from './stores/interaction-feed.js';
import type { InteractionLog } from './stores/interaction-log.js';
import type { KeyStore } from './stores/key-store.js';
import { MemoryChatterStore } from './stores/memory/memory-chatter-store.js';
import { buildStores, type StoreSet, type StoreStatus } from './stores/store-set.js';
import { CallbackSender } from './worker/callback.js';
import { CallbackTargetPolicy, type HostLookup } from './worker/callback-target.js';
import { ReplyDelivery } from './worker/delivery.js';
import { InteractionLifecycle } from './worker/lifecycle.js';
import { ReplyQueue } from './worker/reply-queue.js';
import { createInteractionRunner } from './worker/worker.js';

/** Everything the HTTP edge and the adapters use, wired together. */
export interface Services {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  communities: CommunitySettingsSource & {
    invalidate?(communityId: string): void;
    readonly status?: 'ok' | 'degraded';
  };
  communityConfigs: CommunityConfigStore;
  context: ContextStore;
  keys: KeyStore;
  /** Stored client keys of the gateway (`/api/v1/keys`): store, cached look-up, quotas. */
  clientKeys: ClientKeys;
  interactions: InteractionLog;
  /** The same log as `interactions`, with `watch(listener)` for live views (the console). */
  interactionFeed: Pick<WatchedInteractionLog, 'watch'>;
  /** Paused channels and communities (`!ai off`, the console's switch) and moderation marks. */
  chatModeration: ChatModerationState;
  providers: ProviderRegistry;
  /**
   * Checks each provider endpoint in use every `ai.healthCheckIntervalMs` and acts on its breaker;
   * built here, started by `Chatgate.startHealthMonitor` (main.ts), stopped by `close`.
   */
  health: HealthMonitor;
  ai: AiService;
  delivery: ReplyDelivery;
  /** Where per-event callback URLs may point (checked at acceptance and again when sent). */
  callbackTargets: CallbackTargetPolicy;
  /** Records each state change of a queued interaction and tells whoever waits. */
  lifecycle: InteractionLifecycle;
  queue: InteractionQueue;
  router: Router;
  /** Tokens and cost per day (budgets, `GET /api/v1/usage`, `usageToday` for `!ai usage`). */
  usage: UsageMeter;
  /** The persisted daily usage totals. */
  usageTotals: StoreSet['usage'];
  /**
   * Applies moderation actions that adapters saw on their platform (bans, timeouts, deleted
   * messages) to waiting interactions, context and delivery.
   */
  platformModeration?: { apply(action: PlatformModeration): Promise<void> };
  /**
   * Questions waiting for a human to answer them (`human_grace_ms`) and the per-community figures
   * (`GET /api/v1/ai/status`, `human_grace`): on Redis when `REDIS_URL` is set, in process otherwise.
   */
  humanGrace: HumanGraceStore;
  /** ms since the epoch when the services were built. */
  startedAt: number;
  /** The stores' backends and health, for status and readiness. */
  storeStatus(): StoreStatus;
  /** The platform adapters' connection states, for status, readiness and metrics. */
  platformStates(): AdapterState[];
  /** The Redis client when `REDIS_URL` is set (rate limits shared across instances). */
  redis?: StoreSet['redis'];
  /** Channels an adapter joined at run time, rejoined after a restart (each platform sees its own through its ports). */
  channels: StoreSet['channels'];
  /** Platform OAuth grants (each platform sees its own through its ports); unset: none kept. */
  grants?: StoreSet['grants'];
  /**
   * The reply queue of the redis queue backend: workers write replies there; processes holding a
   * platform's adapter send them, edge processes (`api`, `all`) POST the callbacks. Absent with
   * the memory queue.
   */
  replyQueue?: ReplyQueue;
  /**
   * Stops taking work; running interactions get `graceMs` (default: no limit) to finish, then are
   * handed back (redis) or failed (memory); then the stores close.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export interface ServiceOptions {
  logger?: Logger;
  /** Randomness for trigger probabilities (seeded in tests). */
  random?: () => number;
  /** First delay between callback attempts, ms (short in tests). */
  callbackInitialDelayMs?: number;
  /** DNS resolution for callback targets (tests: a fake one); the system resolver by default. */
  callbackLookup?: HostLookup;
  /** Stores to use instead of those the config asks for (tests: in-process ones). */
  stores?: StoreSet;
  /** The clock that picks the UTC day of budgets and usage, ms since the epoch (tests: a fake one). */
  usageClock?: () => number;
}

/**
 * Builds chatgate's services from a validated config, with plain constructor arguments: stores
 * (Redis/PostgreSQL, or the embedded PGlite and in-process ones), providers, the queue and the
 * router. Opens the stores (and runs migrations); nothing listens here.
 * @throws StoreUnavailableError when the database cannot be opened.
 */
export async function createServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const logger = options.logger ?? createLogger(config.log.level);
  const metrics = new Metrics();
  const stores = options.stores ?? (await buildStores(config, logger));
  const { context, keys, communityConfigs } = stores;
  // Each channel's recent unaddressed chatter (background context), recorded by the router.
  const chatter = stores.chatter ?? new MemoryChatterStore();
  // PII is masked in the interaction log whatever a community says; the blocked-term guard and the worker's checks.
  const moderation = buildTextModeration(config, stores.interactions, logger);
  // Watched, so that live views (the console's event stream) hear of every change.
  const interactions = new WatchedInteractionLog(moderation.interactions);
  const communities = new StoredCommunitySettings(
    config,
    communityConfigs,
    config.stores.communityCacheMs,
    logger,
  );
  const providers = new ProviderRegistry(
    {
      ollamaHost: config.ai.ollama.host,
      openaiBaseUrl: config.ai.openai.baseUrl,
      openaiApiKey: config.ai.openai.apiKey,
    },
    config.ai,
    metrics,
    config.bot.name,
    // With Redis, a breaker that opens in one instance is open in all of them.
    stores.redis
      ? new RedisSharedBreakerStore(stores.redis, { logger: logger.child({ component: 'breaker' }) })
      : undefined,
  );
  // Build the configured links up front, so that status shows their breakers from the start.
  for (const kind of [config.ai.provider, config.ai.fallbackProvider]) if (kind) providers.get(kind);
  const health = new HealthMonitor({
    intervalMs: config.ai.healthCheckIntervalMs,
    timeoutMs: config.ai.requestTimeoutMs,
    targets: () => providers.remoteLinks(),
    observer: healthMetrics(metrics),
    logger: logger.child({ component: 'health' }),
  });
  const ai = new AiService(providers, metrics, config.ai.mode, config.ai.offlineResponses, {
    firstByteTimeoutMs: config.ai.firstByteTimeoutMs,
  });
  const callbackTargets = new CallbackTargetPolicy({
    allowedHosts: config.callbacks.allowedHosts,
    exemptUrls: [config.callbacks.defaultUrl],
    lookup: options.callbackLookup,
  });
  const callbacks = new CallbackSender({
    maxAttempts: config.callbacks.maxAttempts,
    timeoutMs: config.callbacks.timeoutMs,
    initialDelayMs: options.callbackInitialDelayMs,
    targets: callbackTargets,
  });
  const delivery = new ReplyDelivery(callbacks, logger, config.callbacks.defaultUrl, {
    // Past its age limit and then its time limit, no reply comes: no "typing…" runs longer.
    typingMaxMs: config.queue.replyMaxAgeMs + config.queue.interactionTimeoutMs,
  });
  // Paused channels and moderation marks; a mark lives at least as long as a job may wait (a
  // question waiting for a human waits up to the longest human_grace_ms first).
  const chatModeration = new ChatModerationState(stores.safety ?? new MemorySafetyState(), {
    markMinMs: Math.max(config.queue.replyMaxAgeMs, 60_000) + MAX_HUMAN_GRACE_MS,
  });
  const usage = new UsageMeter({
    counters: stores.usageCounters ?? new MemoryUsageCounters(options.usageClock),
    store: stores.usage,
    prices: config.safety.prices,
    metrics,
    logger: logger.child({ component: 'usage' }),
    now: options.usageClock,
  });
  // An interaction's end, whoever ends it, releases its budget reservation (`BudgetGuard`).
  const lifecycle = new InteractionLifecycle(interactions, delivery, metrics, logger, (job) =>
    usage.release(eventReservation(job.event.id)),
  );
  const gatewayKeys = clientKeys({
    store: stores.clientKeys,
    counters: keys,
    // One count of a key's tokens: the usage meter's, which the OpenAI routes and the worker feed.
    tokensToday: async (keyId) => {
      const today = await usage.keyUsageToday(keyId);
      return today.promptTokens + today.completionTokens;
    },
    cacheMs: config.auth.clientKeyCacheMs,
    logger,
  });
  // Answer only if no human did: questions waiting for a human, shared through Redis when set.
  const humanGrace = stores.redis ? new RedisHumanGraceStore(stores.redis) : new MemoryHumanGraceStore();
  const humanAnswers = new HumanAnswers({
    store: humanGrace,
    keys,
    metrics,
    logger: logger.child({ component: 'human-grace' }),
    marginMs: config.queue.replyMaxAgeMs,
  });
  const runner = createInteractionRunner({
    config,
    communities,
    context,
    ai,
    lifecycle,
    delivery,
    logger,
    // Moderation first (a moderated user's question is not counted as answered by anyone).
    holdBack: async (job) =>
      (await chatModeration.deliveryRefusal(job.event)) ?? (await humanAnswers.holdBack(job)),
    usage,
    moderation: moderation.text,
    chatter,
  });
  // Jobs the queue ends itself (time limit, shutdown, a runner that threw on its last run): their
  // log writes and callbacks are awaited at close.
  const queueEnded = new Set<Promise<unknown>>();
  const onFailed: QueueFailureListener = (job, failure) => {
    logger.warn(
      {
        action: 'interaction',
        interaction: job.interactionId,
        reason: failure.reason,
        started: failure.started,
      },
      'interaction ended by the queue',
    );
    const work = lifecycle.failed(job, failure.reason, failure.processingTimeMs);
    queueEnded.add(work);
    void work.finally(() => queueEnded.delete(work));
  };
  const queueOptions = {
    concurrency: config.queue.maxConcurrent,
    maxSize: config.queue.maxSize,
    jobTimeoutMs: config.queue.interactionTimeoutMs,
    onFailed,
  };
  const redisUrl = config.stores.redisUrl as string;
  const queue: InteractionQueue =
    config.queue.backend === 'redis'
      ? await RedisInteractionQueue.start({
          ...queueOptions,
          runner,
          redisUrl,
          globalConcurrency: config.queue.globalConcurrency,
          stalledIntervalMs: config.queue.stalledIntervalMs,
          // An `api` process only enqueues; `worker` and `all` processes run the jobs.
          consume: config.role !== 'api',
          onDuplicate: (job) => void lifecycle.duplicate(job),
          logger,
        })
      : new MemoryInteractionQueue(runner, queueOptions);
  const replyQueue =
    config.queue.backend === 'redis'
      ? new ReplyQueue({
          redisUrl,
          replyMaxAgeMs: config.queue.replyMaxAgeMs,
          stalledIntervalMs: config.queue.stalledIntervalMs,
          logger,
        })
      : undefined;
  if (replyQueue) {
    delivery.useReplyQueue(replyQueue);
    // Callbacks leave from the edge; a `worker` process talks to the model and Redis only.
    if (config.role !== 'worker') await replyQueue.consumeCallbacks(callbacks);
  }
  metrics.observeQueue(queue);
  const platformStates = () => delivery.platformAdapters().map((adapter) => adapter.state());
  metrics.observePlatforms(platformStates);
  // One list, shared by the router and the moderator commands: adapters add their handles to it.
  const botNames = [config.bot.name, ...config.bot.aliases].map((name) => name.toLowerCase());
  const router = new Router({
    communities,
    queue,
    interactions,
    keys,
    metrics,
    logger,
    botNames,
    commands: new ModeratorCommands({
      state: chatModeration,
      context,
      chatter,
      interactions,
      communityConfigs,
      invalidate: (communityId) => communities.invalidate(communityId),
      botNames,
      logger,
      usageToday: (scope) => usage.usageToday(scope),
    }),
    // Cheap refusals first (paused, moderated, blocked terms); the budget guard holds tokens (given back when a later step refuses);
    // the loop guard last, so that only events about to be answered spend a bot turn.
    guards: [
      moderationGuard(chatModeration),
      ...moderation.guards,
      new BudgetGuard(usage, keys),
      loopGuard(keys, config.safety.loopGuard),
    ],
    // Told of each decided event, in this order (see RouterDeps.observers).
    observers: [
      humanAnswers,
      new ChatterRecorder({ store: chatter, moderation: moderation.text, chatModeration }),
    ],
    dedupeTtlMs: config.limits.dedupeTtlMs,
    channelReplyCap: config.limits.channelReplyCap,
    random: options.random,
  });
  return {
    config,
    logger,
    metrics,
    communities,
    communityConfigs,
    context,
    keys,
    clientKeys: gatewayKeys,
    interactions,
    interactionFeed: interactions,
    chatModeration,
    providers,
    health,
    ai,
    delivery,
    callbackTargets,
    lifecycle,
    queue,
    router,
    platformModeration: new PlatformModerationEffects({
      state: chatModeration,
      context,
      chatter,
      communities,
      interactions,
      logger,
    }),
    usage,
    usageTotals: stores.usage,
    humanGrace,
    startedAt: Date.now(),
    storeStatus: () => stores.status(),
    platformStates,
    redis: stores.redis,
    channels: stores.channels,
    grants: stores.grants,
    replyQueue,
    close: async (options = {}) => {
      const deadline = options.graceMs === undefined ? undefined : Date.now() + options.graceMs;
      await health.close();
      await queue.close(options);
      await Promise.allSettled([...queueEnded]);
      // Callbacks still on their way get what is left of the grace, and at least 2 s.
      await delivery.drain(deadline === undefined ? 30_000 : Math.max(2000, deadline - Date.now()));
      await replyQueue?.close();
      await stores.close();
    },
  };
}
