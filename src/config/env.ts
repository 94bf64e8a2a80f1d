import { PLATFORM_REGISTRY } from '../../adapters/registry.js';
import { boolean, type EnvBinding, integer, list, ParseFailure, text } from '../core/env-binding.js';
import type { AnyPlatformDescriptor } from '../core/platform.js';
import type { ConfigIssue } from './errors.js';

/**
 * Environment variables and the config keys they set. The names are a public contract (other tools
 * set them); keep them exactly. A `*_FILE` variant of a secret reads the value from that file.
 * Each platform's own variables come from its descriptor (`adapters/<platform>/config.ts`).
 *
 * The core's variables: `[env name, dotted config key, parser, is a secret]`. */
const CORE_BINDINGS: readonly EnvBinding[] = [
  ['CHATGATE_ROLE', 'role', text],
  ['SHUTDOWN_GRACE_MS', 'shutdownGraceMs', integer],
  ['PORT', 'server.port', integer],
  ['HOST', 'server.host', text],
  ['LOG_LEVEL', 'log.level', text],
  ['CHATGATE_BOT_NAME', 'bot.name', text],
  ['CHAT_MODE', 'ai.mode', text],
  ['OFFLINE_RESPONSES_ENABLED', 'ai.offlineResponses', boolean],
  ['DEFAULT_PROVIDER', 'ai.provider', text],
  ['FALLBACK_PROVIDER', 'ai.fallbackProvider', text],
  ['DEFAULT_MODEL', 'ai.model', text],
  ['DEFAULT_PERSONALITY', 'ai.personality', text],
  ['OLLAMA_HOST', 'ai.ollama.host', text],
  ['OPENAI_BASE_URL', 'ai.openai.baseUrl', text],
  ['OPENAI_API_KEY', 'ai.openai.apiKey', text, true],
  ['OPENAI_MODEL', 'ai.openai.model', text],
  ['REQUEST_TIMEOUT_MS', 'ai.requestTimeoutMs', integer],
  ['STREAM_FIRST_BYTE_TIMEOUT_MS', 'ai.firstByteTimeoutMs', integer],
  ['STREAM_TIMEOUT_MS', 'ai.streamTimeoutMs', integer],
  ['RATE_LIMIT_PER_MINUTE', 'openaiApi.rateLimitPerMinute', integer],
  ['CIRCUIT_BREAKER_FAILURE_THRESHOLD', 'ai.breaker.failureThreshold', integer],
  ['CIRCUIT_BREAKER_TIMEOUT_MS', 'ai.breaker.halfOpenAfterMs', integer],
  ['CIRCUIT_BREAKER_SUCCESS_THRESHOLD', 'ai.breaker.successThreshold', integer],
  ['RETRY_MAX_ATTEMPTS', 'ai.retry.maxAttempts', integer],
  ['RETRY_MAX_DELAY_MS', 'ai.retry.maxDelayMs', integer],
  ['MAX_CONCURRENT_REQUESTS', 'queue.maxConcurrent', integer],
  ['MAX_QUEUE_SIZE', 'queue.maxSize', integer],
  ['QUEUE_BACKEND', 'queue.backend', text],
  ['GLOBAL_MAX_CONCURRENT_REQUESTS', 'queue.globalConcurrency', integer],
  ['REPLY_MAX_AGE_MS', 'queue.replyMaxAgeMs', integer],
  ['QUEUE_STALLED_INTERVAL_MS', 'queue.stalledIntervalMs', integer],
  ['CHATGATE_API_KEYS', 'auth.apiKeys', list, true],
  ['CHATGATE_ADMIN_KEY', 'auth.adminKey', text, true],
  ['ROUTER_RESPONSE_URL', 'callbacks.defaultUrl', text],
  ['REDIS_URL', 'stores.redisUrl', text, true],
  ['DATABASE_URL', 'stores.databaseUrl', text, true],
  ['CHATGATE_DATA_DIR', 'stores.dataDir', text],
  ['CHATGATE_SECRET_KEY', 'stores.secretKey', text, true],
  ['METRICS_TOKEN', 'metricsToken', text, true],
];

/** Every variable: the core's and those of each platform in `platforms` (keys under `platforms.<name>`). */
export function envBindingsOf(platforms: readonly AnyPlatformDescriptor[]): readonly EnvBinding[] {
  return [
    ...CORE_BINDINGS,
    ...platforms.flatMap((descriptor) =>
      descriptor.config.env.map(
        ([name, key, parse, secret]) =>
          [name, `platforms.${descriptor.platform}.${key}`, parse, secret] as const,
      ),
    ),
  ];
}

/** The variables of the core and of the registry's platforms. */
export const ENV_BINDINGS = envBindingsOf(PLATFORM_REGISTRY);

/** The env variable that sets a dotted config key, for error messages. */
export function envNameOf(key: string, bindings: readonly EnvBinding[] = ENV_BINDINGS): string | undefined {
  return bindings.find(([, path]) => path === key)?.[0];
}

/**
 * Reads the bound variables from `env` into a nested partial config. Unset and empty variables are
 * skipped. Values that cannot be parsed become issues (never thrown here).
 * @param readFile reads a `*_FILE` secret; the file's content is trimmed.
 */
export function readEnv(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string,
  bindings: readonly EnvBinding[] = ENV_BINDINGS,
): { values: Record<string, unknown>; issues: ConfigIssue[] } {
  const values: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [name, key, parse, secret] of bindings) {
    let raw = env[name];
    const fileName = `${name}_FILE`;
    if ((raw === undefined || raw === '') && secret && env[fileName]) {
      try {
        raw = readFile(env[fileName] as string).trim();
      } catch (error) {
        issues.push({ key, env: fileName, message: `cannot read the file: ${(error as Error).message}` });
        continue;
      }
    }
    if (raw === undefined || raw === '') continue;
    const value = parse(raw);
    if (value instanceof ParseFailure) issues.push({ key, env: name, message: value.message });
    else setPath(values, key, value);
  }
  return { values, issues };
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = value;
}
