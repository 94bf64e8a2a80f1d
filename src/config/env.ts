import type { ConfigIssue } from './errors.js';

/**
 * Environment variables and the config keys they set. The names are a public contract (other tools
 * set them); keep them exactly. A `*_FILE` variant of a secret reads the value from that file.
 */
type Parser = (raw: string) => unknown;

const text: Parser = (raw) => raw;
const integer: Parser = (raw) =>
  /^-?\d+$/.test(raw.trim()) ? Number(raw) : new ParseFailure('must be an integer');
const boolean: Parser = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  return new ParseFailure('must be one of 1, 0, true, false, yes, no');
};
const list: Parser = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

class ParseFailure {
  constructor(readonly message: string) {}
}

/** `[env name, dotted config key, parser, is a secret]`. */
export const ENV_BINDINGS: ReadonlyArray<readonly [string, string, Parser, boolean?]> = [
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
  ['CIRCUIT_BREAKER_TIMEOUT_MS', 'ai.breaker.timeoutMs', integer],
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
  ['TWITCH_USERNAME', 'platforms.twitch.username', text],
  ['TWITCH_OAUTH_TOKEN', 'platforms.twitch.oauthToken', text, true],
  ['TWITCH_CHANNELS', 'platforms.twitch.channels', list],
  ['TWITCH_SERVER', 'platforms.twitch.server', text],
  ['TWITCH_PORT', 'platforms.twitch.port', integer],
  ['TWITCH_SECURE', 'platforms.twitch.secure', boolean],
  ['TELEGRAM_BOT_TOKEN', 'platforms.telegram.botToken', text, true],
  ['TELEGRAM_API_ROOT', 'platforms.telegram.apiRoot', text],
  ['TELEGRAM_WEBHOOK_URL', 'platforms.telegram.webhookUrl', text],
  ['TELEGRAM_WEBHOOK_SECRET', 'platforms.telegram.webhookSecret', text, true],
  ['DISCORD_TOKEN', 'platforms.discord.token', text, true],
  ['DISCORD_API_URL', 'platforms.discord.apiUrl', text],
  ['DISCORD_ALLOWED_CHANNELS', 'platforms.discord.allowedChannels', list],
  ['DISCORD_ALLOWED_ROLES', 'platforms.discord.allowedRoles', list],
  ['DISCORD_SHARDS', 'platforms.discord.shards', text],
  ['DISCORD_MEMBER_JOIN_GREETINGS', 'platforms.discord.memberJoinGreetings', boolean],
];

/** The env variable that sets a dotted config key, for error messages. */
export function envNameOf(key: string): string | undefined {
  return ENV_BINDINGS.find(([, path]) => path === key)?.[0];
}

/**
 * Reads the bound variables from `env` into a nested partial config. Unset and empty variables are
 * skipped. Values that cannot be parsed become issues (never thrown here).
 * @param readFile reads a `*_FILE` secret; the file's content is trimmed.
 */
export function readEnv(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string,
): { values: Record<string, unknown>; issues: ConfigIssue[] } {
  const values: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [name, key, parse, secret] of ENV_BINDINGS) {
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
