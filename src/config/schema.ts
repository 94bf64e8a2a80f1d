import Type, { type Static, type TObject } from 'typebox';
import { PLATFORM_REGISTRY } from '../../adapters/registry.js';
import { STREAM_EVENT_TYPES } from '../core/chat-event.js';
import type { AnyPlatformDescriptor } from '../core/platform.js';
import { MIN_ROLES } from '../safety/roles.js';

/**
 * The one schema of chatgate's configuration. Values come from `config/default.yaml`, then the
 * file named by `CHATGATE_CONFIG`, then environment variables (see `load.ts`); the merged result is
 * validated once against this schema at start. Durations are in ms, lengths in characters.
 */

export const CHAT_MODES = ['remote', 'local', 'hybrid'] as const;
export const PROVIDER_KINDS = ['ollama', 'openai', 'local'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Triggers on what a message says, then one per stream event type (matching that `ChatEvent.type`). */
export const TRIGGER_KINDS = [
  'mention',
  'command',
  'greeting',
  'farewell',
  'question',
  ...STREAM_EVENT_TYPES,
] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];
export type ChatMode = (typeof CHAT_MODES)[number];

const Ms = ({ minimum, maximum, ...rest }: { minimum?: number; maximum?: number; env?: string } = {}) =>
  Type.Integer({ minimum: minimum ?? 0, ...(maximum ? { maximum } : {}), ...rest });
const Probability = Type.Number({ minimum: 0, maximum: 1 });

/** The longest `human_grace_ms`, ms. */
export const MAX_HUMAN_GRACE_MS = 300_000;

/** 0 (off) or 5,000–300,000 ms: a shorter wait cannot see a human answer, a longer one is no answer. */
export const HumanGraceMs = Type.Union([
  Type.Literal(0),
  Type.Integer({ minimum: 5000, maximum: MAX_HUMAN_GRACE_MS }),
]);

/** One trigger's switch, response probability (0–1) and cooldowns (ms; 0 = none). */
export const TriggerSettingsSchema = Type.Object({
  enabled: Type.Boolean(),
  probability: Probability,
  userCooldownMs: Ms(),
  channelCooldownMs: Ms(),
  /** Words or phrases, matched on word boundaries, case-insensitively (greeting, farewell, question). */
  words: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  /** Command prefixes such as `!ai` and `/ask` (command trigger). */
  prefixes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  /**
   * Channel-point rewards whose redemptions are answered, by title, case-insensitively (redemption
   * trigger; empty or unset = none). The viewer's input is the question.
   */
  rewardTitles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 45 }))),
  /** The lowest role this trigger answers, above the community's `permissions.minRole`. */
  minRole: Type.Optional(Type.Enum(MIN_ROLES)),
  /**
   * Answer only if no human did (seed 003): the interaction waits this long, ms, and ends ignored
   * (`answered_by_human`) when another user replied to the message meanwhile. 0 or unset = off.
   */
  humanGraceMs: Type.Optional(HumanGraceMs),
});
export type TriggerSettings = Static<typeof TriggerSettingsSchema>;

export const TriggersSchema = Type.Object({
  /** The order in which triggers are tried; the first that matches names the interaction. */
  order: Type.Array(Type.Enum(TRIGGER_KINDS), { minItems: 1 }),
  kinds: Type.Record(Type.Enum(TRIGGER_KINDS), TriggerSettingsSchema),
});
export type TriggersConfig = Static<typeof TriggersSchema>;

/**
 * Platform adapters, one section each, from the registry (`adapters/registry.ts`): each
 * descriptor brings its schema. A platform starts only when its credentials are set.
 */
type Registry = typeof PLATFORM_REGISTRY;
type PlatformSchemas = { [D in Registry[number] as D['platform']]: D['config']['schema'] };

/** The `platforms` schema of a list of descriptors (the registry's, or a test's own list). */
export function platformsSchemaOf(platforms: readonly AnyPlatformDescriptor[]): TObject {
  return Type.Object(Object.fromEntries(platforms.map((d) => [d.platform, d.config.schema])));
}

export const PlatformsSchema = platformsSchemaOf(PLATFORM_REGISTRY) as TObject<PlatformSchemas>;

/** Daily limits, tokens or USD; unset = no limit. */
const DailyLimit = (options: { usd?: boolean } = {}) =>
  Type.Optional(options.usd ? Type.Number({ minimum: 0 }) : Type.Integer({ minimum: 0 }));

/**
 * The service's safety rules (issue "Made for crowds"); each community may override them field by
 * field (see `src/safety/safety-settings.ts` for what each means).
 */
export const SafetySchema = Type.Object({
  permissions: Type.Object({
    minRole: Type.Enum(MIN_ROLES),
    allowUsers: Type.Array(Type.String({ minLength: 1, maxLength: 100 })),
    blockUsers: Type.Array(Type.String({ minLength: 1, maxLength: 100 })),
  }),
  budgets: Type.Object({
    userDailyTokens: DailyLimit(),
    channelDailyTokens: DailyLimit(),
    communityDailyTokens: DailyLimit(),
    userDailyUsd: DailyLimit({ usd: true }),
    channelDailyUsd: DailyLimit({ usd: true }),
    communityDailyUsd: DailyLimit({ usd: true }),
  }),
  /** USD per million tokens, by model name, for the USD budgets and `cost_usd` in usage. */
  prices: Type.Record(
    Type.String({ minLength: 1 }),
    Type.Object({ prompt: Type.Number({ minimum: 0 }), completion: Type.Number({ minimum: 0 }) }),
  ),
  moderation: Type.Object({
    blockedTerms: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 5000 }),
    allowLinks: Type.Optional(Type.Boolean()),
    piiRedaction: Type.Boolean(),
    moderationUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://' })),
    moderationFailOpen: Type.Boolean(),
    /** How long the moderation endpoint may take per check, ms. */
    moderationTimeoutMs: Ms({ minimum: 100 }),
    /** Sent as `Authorization: Bearer …` to every community's `moderationUrl`, when set. */
    moderationApiKey: Type.Optional(Type.String({ minLength: 1, env: 'MODERATION_API_KEY', secret: true })),
    blockedReply: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  }),
  /** Two bots addressing each other: at most `maxTurns` answers to bots per channel per `windowMs`. */
  loopGuard: Type.Object({ maxTurns: Type.Integer({ minimum: 1 }), windowMs: Ms({ minimum: 1000 }) }),
});
export type SafetyConfig = Static<typeof SafetySchema>;

/**
 * How the bot is present in a chat (issue "Presence in chat"); each community may override it
 * (see `src/community/presence-settings.ts`).
 */
export const PresenceSchema = Type.Object({
  /** Stream replies into the chat as they are written, where the platform can edit a message. */
  streamReplies: Type.Boolean(),
  /** The channel's unaddressed chatter given to the next answer: at most `messages` lines of the last `maxAgeMs`. */
  backgroundContext: Type.Object({
    messages: Type.Integer({ minimum: 0, maximum: 100 }),
    maxAgeMs: Ms({ maximum: 3_600_000 }),
  }),
});
export type PresenceConfig = Static<typeof PresenceSchema>;

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const ConfigSchema = Type.Object({
  /**
   * What this process does (`CHATGATE_ROLE`): `all` = HTTP API, platform adapters and worker;
   * `api` = HTTP API and adapters, enqueue only; `worker` = run queued interactions only (serves
   * health and metrics). `api` and `worker` need the `redis` queue backend.
   */
  role: Type.Enum(ROLES, { env: 'CHATGATE_ROLE' }),
  /** On SIGTERM/SIGINT: running interactions get this long to finish before they are handed back (redis) or failed (memory), ms. */
  shutdownGraceMs: Ms({ minimum: 0, env: 'SHUTDOWN_GRACE_MS' }),
  server: Type.Object({
    port: Type.Integer({ minimum: 0, maximum: 65535, env: 'PORT' }),
    host: Type.String({ minLength: 1, env: 'HOST' }),
    /**
     * A request's headers and body must arrive within this, ms, or it is answered 408 and its
     * connection closed: a client trickling bytes cannot hold memory and a socket.
     */
    requestBodyTimeoutMs: Ms({ minimum: 100, env: 'REQUEST_BODY_TIMEOUT_MS' }),
  }),
  log: Type.Object({ level: Type.Enum(LOG_LEVELS, { env: 'LOG_LEVEL' }) }),
  bot: Type.Object({
    /** The bot's name and handle as chat users address it (`@chatgate`, `chatgate`). */
    name: Type.String({ minLength: 1, env: 'CHATGATE_BOT_NAME' }),
    aliases: Type.Array(Type.String({ minLength: 1 })),
  }),
  ai: Type.Object({
    mode: Type.Enum(CHAT_MODES, { env: 'CHAT_MODE' }),
    offlineResponses: Type.Boolean({ env: 'OFFLINE_RESPONSES_ENABLED' }),
    provider: Type.Enum(PROVIDER_KINDS, { env: 'DEFAULT_PROVIDER' }),
    fallbackProvider: Type.Optional(Type.Enum(PROVIDER_KINDS, { env: 'FALLBACK_PROVIDER' })),
    model: Type.String({ minLength: 1, env: 'DEFAULT_MODEL' }),
    temperature: Type.Number({ minimum: 0, maximum: 2 }),
    maxTokens: Type.Integer({ minimum: 1, maximum: 4096 }),
    personality: Type.String({ minLength: 1, env: 'DEFAULT_PERSONALITY' }),
    systemPrompt: Type.Optional(Type.String({ maxLength: 4000 })),
    ollama: Type.Object({ host: Type.String({ format: 'uri', env: 'OLLAMA_HOST' }) }),
    openai: Type.Object({
      baseUrl: Type.Optional(Type.String({ format: 'uri', env: 'OPENAI_BASE_URL' })),
      apiKey: Type.Optional(Type.String({ env: 'OPENAI_API_KEY', secret: true })),
      model: Type.Optional(Type.String({ minLength: 1, env: 'OPENAI_MODEL' })),
    }),
    /** Per provider call (one attempt), ms. */
    requestTimeoutMs: Ms({ minimum: 100, env: 'REQUEST_TIMEOUT_MS' }),
    /** A stream's first delta, per attempt, ms: long enough for a cold model load. */
    firstByteTimeoutMs: Ms({ minimum: 100, env: 'STREAM_FIRST_BYTE_TIMEOUT_MS' }),
    /** A whole stream, ms; it is ended with an error event past this. */
    streamTimeoutMs: Ms({ minimum: 1000, env: 'STREAM_TIMEOUT_MS' }),
    /**
     * How often each provider endpoint in use is checked (Ollama `/api/tags`, OpenAI-compatible
     * `/models`, within `requestTimeoutMs`), ms; one found down has its breaker opened at once.
     * 0 = off; otherwise at least 100 (checked in load.ts).
     */
    healthCheckIntervalMs: Ms({ maximum: 86_400_000, env: 'HEALTH_CHECK_INTERVAL_MS' }),
    breaker: Type.Object({
      failureThreshold: Type.Integer({ minimum: 1, env: 'CIRCUIT_BREAKER_FAILURE_THRESHOLD' }),
      /** How long an open breaker refuses calls before letting a trial call through (half-open), ms. */
      halfOpenAfterMs: Ms({ minimum: 1, env: 'CIRCUIT_BREAKER_TIMEOUT_MS' }),
      successThreshold: Type.Integer({ minimum: 1, env: 'CIRCUIT_BREAKER_SUCCESS_THRESHOLD' }),
    }),
    retry: Type.Object({
      /** Attempts in all, the first included. */
      maxAttempts: Type.Integer({ minimum: 1, maximum: 10, env: 'RETRY_MAX_ATTEMPTS' }),
      initialDelayMs: Ms(),
      maxDelayMs: Ms({ env: 'RETRY_MAX_DELAY_MS' }),
    }),
  }),
  personalities: Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 4000 })),
  triggers: TriggersSchema,
  safety: SafetySchema,
  presence: PresenceSchema,
  queue: Type.Object({
    maxConcurrent: Type.Integer({ minimum: 1, maximum: 1000, env: 'MAX_CONCURRENT_REQUESTS' }),
    /** Interactions waiting to run; beyond it the ack says `queue_full` and HTTP answers 503. */
    maxSize: Type.Integer({ minimum: 1, env: 'MAX_QUEUE_SIZE' }),
    /** The whole interaction (context, every provider link, delivery), ms. */
    interactionTimeoutMs: Ms({ minimum: 100 }),
    /** `memory` (p-queue, this process) or `redis` (BullMQ on REDIS_URL: survives restarts, spreads over instances). */
    backend: Type.Enum(['memory', 'redis'], { env: 'QUEUE_BACKEND' }),
    /** Redis backend: interactions running at once across all instances (BullMQ global concurrency). */
    globalConcurrency: Type.Optional(Type.Integer({ minimum: 1, env: 'GLOBAL_MAX_CONCURRENT_REQUESTS' })),
    /** A chat event older than this when its turn comes is dropped as `stale`, ms. */
    replyMaxAgeMs: Ms({ minimum: 1000, env: 'REPLY_MAX_AGE_MS' }),
    /** Redis backend: how often a worker looks for jobs whose worker died (also its lock time), ms. */
    stalledIntervalMs: Ms({ minimum: 500, env: 'QUEUE_STALLED_INTERVAL_MS' }),
  }),
  context: Type.Object({
    /** Turns (one user message + one reply each) kept per conversation. */
    maxTurns: Type.Integer({ minimum: 0, maximum: 50 }),
    ttlMs: Ms({ minimum: 1000 }),
    maxConversations: Type.Integer({ minimum: 1 }),
  }),
  limits: Type.Object({
    /** One platform message's limit, chars (Twitch 500, Telegram 4096, Discord 2000); the prompt asks for less. */
    messageMaxChars: Type.Record(Type.String(), Type.Integer({ minimum: 1 })),
    /** A whole reply per platform, chars: cut there by the worker, split into messages by the adapter. */
    replyMaxChars: Type.Record(Type.String(), Type.Integer({ minimum: 1 })),
    /** Longest incoming text we accept, chars. */
    eventTextMaxChars: Type.Integer({ minimum: 1 }),
    /** How long an event id is remembered for dedupe, ms. */
    dedupeTtlMs: Ms({ minimum: 1000 }),
    /** At most `max` replies per channel per `windowMs` (a raid's flood cannot make the bot spam). */
    channelReplyCap: Type.Object({ max: Type.Integer({ minimum: 1 }), windowMs: Ms({ minimum: 1000 }) }),
  }),
  auth: Type.Object({
    /**
     * Integration keys: Bearer keys of the collectors the operator runs; their events may claim any
     * platform, roles and community. Empty, with no client keys either = no auth (logged as a warning).
     */
    apiKeys: Type.Array(Type.String({ minLength: 8 }), { env: 'CHATGATE_API_KEYS', secret: true }),
    /**
     * Client keys: Bearer keys of outside callers. Their events may only be on the `api` or `web`
     * platform, claimed roles are dropped, and they use only the `api:default` community.
     */
    clientKeys: Type.Optional(
      Type.Array(Type.String({ minLength: 8 }), { env: 'CHATGATE_CLIENT_KEYS', secret: true }),
    ),
    /** Bearer key for admin routes; unset = the API keys rule applies. */
    adminKey: Type.Optional(Type.String({ minLength: 8, env: 'CHATGATE_ADMIN_KEY', secret: true })),
    /**
     * How long a stored client key's look-up (found or not) is reused, ms: a key deleted on another
     * instance is refused here within this time (at once on the instance that deleted it).
     */
    clientKeyCacheMs: Ms({ maximum: 300_000 }),
  }),
  callbacks: Type.Object({
    /** Where replies are POSTed when the event named no `callback_url` (WaddleBot router). */
    defaultUrl: Type.Optional(Type.String({ format: 'uri', env: 'ROUTER_RESPONSE_URL' })),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 10 }),
    timeoutMs: Ms({ minimum: 100 }),
    /**
     * Hosts (as written in the URL) that a per-event `callback_url` may reach even when they are,
     * or resolve to, loopback, private or link-local addresses (`CALLBACK_ALLOWED_HOSTS`, a comma
     * list). Others are refused: a caller must not make chatgate POST into the operator's network.
     */
    allowedHosts: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { env: 'CALLBACK_ALLOWED_HOSTS' }),
    ),
  }),
  interactions: Type.Object({
    /** Interactions kept for `GET /api/v1/ai/interactions` (rows in the database, or in memory). */
    logSize: Type.Integer({ minimum: 1 }),
    /** Rows older than this are pruned from the database, days. */
    retentionDays: Type.Integer({ minimum: 1 }),
  }),
  stores: Type.Object({
    /** Redis for context, dedupe, cooldowns (`REDIS_URL`); in-process stores when unset. */
    redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://', env: 'REDIS_URL', secret: true })),
    /** PostgreSQL for community config and the interaction log (`DATABASE_URL`); PGlite when unset. */
    databaseUrl: Type.Optional(
      Type.String({ pattern: '^postgres(ql)?://', env: 'DATABASE_URL', secret: true }),
    ),
    /** Where PGlite keeps its files when `DATABASE_URL` is unset (`CHATGATE_DATA_DIR`). */
    dataDir: Type.String({ minLength: 1, env: 'CHATGATE_DATA_DIR' }),
    /** Encrypts stored provider API keys (AES-256-GCM); a secret. */
    secretKey: Type.Optional(Type.String({ minLength: 16, env: 'CHATGATE_SECRET_KEY', secret: true })),
    /** How long a community's config is cached before it is read again, ms. */
    communityCacheMs: Ms(),
  }),
  /** Bearer token for `GET /metrics`; open when unset. */
  metricsToken: Type.Optional(Type.String({ minLength: 8, env: 'METRICS_TOKEN', secret: true })),
  platforms: PlatformsSchema,
  openaiApi: Type.Object({
    /** Requests per minute per API key (or per client address without auth) on the OpenAI routes. */
    rateLimitPerMinute: Type.Integer({ minimum: 1, env: 'RATE_LIMIT_PER_MINUTE' }),
    /** How long provider model lists are cached for `/v1/models` and model lookup, ms. */
    modelsCacheMs: Ms(),
    /**
     * How long a completed answer to a deterministic request (`temperature: 0` or a `seed`) is
     * replayed from the response cache (Redis when `REDIS_URL` is set, else in process), ms; 0 = off.
     */
    responseCacheTtlMs: Ms({ env: 'RESPONSE_CACHE_TTL_MS' }),
  }),
});

export type Config = Static<typeof ConfigSchema>;

/** The config schema with the `platforms` sections of `platforms` instead of the registry's (tests). */
export function configSchemaFor(platforms: readonly AnyPlatformDescriptor[]): TObject {
  return Type.Object({ ...ConfigSchema.properties, platforms: platformsSchemaOf(platforms) });
}
