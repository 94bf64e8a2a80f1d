import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { PROVIDER_KINDS } from '../../config/schema.js';
import { ValidationError } from '../../core/errors.js';
import type { CommunityConfigWrite, StoredCommunityConfig } from '../../stores/community-config-store.js';
import {
  channelIdIssues,
  channelPersonalities,
  PresenceBodyFields,
  presenceJson,
  presenceOverridesOf,
} from './community-presence.js';
import { SafetyBodyFields, safetyJson, safetyOverridesOf } from './community-safety.js';
import { textFault } from './safe-text.js';
import { TriggersPatch, triggerOverridesJson, triggerOverridesOf } from './trigger-patch.js';

/** The body of `PUT|PATCH /api/v1/communities/:communityId/config` (snake_case). */
export const CommunityConfigBody = Type.Object(
  {
    provider: Type.Optional(Type.Enum(PROVIDER_KINDS)),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    base_url: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 })),
    /** Stored encrypted; `null` removes it. Never returned. */
    api_key: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()])),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
    system_prompt: Type.Optional(Type.String({ maxLength: 4000 })),
    personality: Type.Optional(Type.String({ minLength: 1 })),
    fallback_provider: Type.Optional(Type.Enum(PROVIDER_KINDS)),
    triggers: Type.Optional(TriggersPatch),
    context_scope: Type.Optional(Type.Enum(['user', 'channel'])),
    enabled: Type.Optional(Type.Boolean()),
    /** Replay deterministic answers from the response cache (when `RESPONSE_CACHE_TTL_MS` > 0). */
    response_cache: Type.Optional(Type.Boolean()),
    ...SafetyBodyFields,
    ...PresenceBodyFields,
  },
  { title: 'CommunityConfigWrite', additionalProperties: false },
);
type Body = Static<typeof CommunityConfigBody>;

const checker = Compile(CommunityConfigBody);

/**
 * Reads a config body, naming every bad field at once (`temperature: must be <= 2; …`).
 * @param personalities the configured personality names (`random` is allowed too).
 * @throws ValidationError with all the bad fields in its message; `field` is the first.
 */
export function parseCommunityConfig(body: unknown, personalities: string[]): CommunityConfigWrite {
  const issues: string[] = [];
  if (!checker.Check(body)) {
    // Each field's messages by the union branch they came from: the rules one branch breaks all
    // hold (`must match format "uri" and must match pattern …`), and a value that fits no branch
    // hears each branch (`must be 0 or must be >= 5000`), not the first branch's rule alone.
    const byField = new Map<string, Map<string, Map<string, string>>>();
    for (const error of checker.Errors(body)) {
      // `anyOf` only says that the branches above failed; a `false` schema is an unknown field,
      // named by its `additionalProperties` error.
      if (error.keyword === 'anyOf' || error.keyword === 'boolean') continue;
      const params = error.params as Record<string, unknown>;
      const base = error.instancePath.slice(1).replaceAll('/', '.');
      const extra = Array.isArray(params.additionalProperties) ? params.additionalProperties[0] : undefined;
      const field = [base, extra].filter(Boolean).join('.') || 'body';
      const branches = byField.get(field) ?? new Map<string, Map<string, string>>();
      byField.set(field, branches);
      const branch = /^.*\/anyOf\/\d+/.exec(error.schemaPath)?.[0] ?? '';
      const messages = branches.get(branch) ?? new Map<string, string>();
      branches.set(branch, messages);
      const message =
        error.keyword === 'additionalProperties'
          ? 'is not a configuration field'
          : Array.isArray(params.allowedValues)
            ? `must be one of ${params.allowedValues.join('|')}`
            : error.keyword === 'const'
              ? `must be ${JSON.stringify(params.allowedValue)}`
              : error.message;
      if (message && !messages.has(message)) messages.set(message, error.keyword);
    }
    for (const [field, branches] of byField) {
      const rules = [...branches.values()].map((messages) => {
        // `must be 0` says `must be number` already.
        const consts = [...messages.values()].includes('const');
        const kept = [...messages].filter(([, keyword]) => !(consts && keyword === 'type'));
        return kept.map(([message]) => message).join(' and ');
      });
      issues.push(`${field}: ${[...new Set(rules)].join(' or ')}`);
    }
  } else {
    const named: [string, string][] = [['personality', (body as Body).personality ?? '']];
    issues.push(...channelIdIssues(body as Body));
    for (const [field, personality] of [...named, ...channelPersonalities(body as Body)]) {
      if (personality && personality !== 'random' && !personalities.includes(personality)) {
        issues.push(`${field}: must be one of ${[...personalities, 'random'].join('|')}`);
      }
    }
  }
  issues.push(...unsafeTextIssues(body));
  if (issues.length > 0) throw new ValidationError(issues.join('; '), issues[0]?.split(':')[0] ?? 'body');
  const input = body as Body;
  return {
    provider: input.provider,
    model: input.model,
    baseUrl: input.base_url,
    apiKey: input.api_key,
    temperature: input.temperature,
    maxTokens: input.max_tokens,
    systemPrompt: input.system_prompt,
    personality: input.personality,
    fallbackProvider: input.fallback_provider,
    triggers: input.triggers && triggerOverridesOf(input.triggers),
    contextScope: input.context_scope,
    enabled: input.enabled,
    responseCache: input.response_cache,
    ...safetyOverridesOf(input),
    ...presenceOverridesOf(input),
  };
}

/**
 * `<field>: …` for each string of the body, at any depth (`moderation.blocked_terms.3`), that is
 * not well-formed UTF-16 without NUL. Refused, not normalized: a configuration is written by an
 * operator, who should learn that a model name, prompt or term was not taken as sent; and
 * PostgreSQL's jsonb refuses a lone surrogate that PGlite would store.
 */
function unsafeTextIssues(value: unknown, path = '', depth = 0): string[] {
  if (typeof value === 'string') {
    const fault = textFault(value);
    return fault ? [`${path || 'body'}: ${fault}`] : [];
  }
  // The schema's deepest strings are 6 levels down (`channels.<id>.triggers.<kind>.reward_titles.0`);
  // deeper input is refused by the schema already, and is not walked: a body nested 30,000 deep
  // would overflow the stack.
  if (typeof value !== 'object' || value === null || depth >= MAX_CONFIG_DEPTH) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    unsafeTextIssues(item, path ? `${path}.${key}` : key, depth + 1),
  );
}

/** How deep a config body's strings are checked: as deep as any field of the schema. */
const MAX_CONFIG_DEPTH = 6;

const orNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const { permissions, budgets, moderation } = SafetyBodyFields;
const { stream_replies, background_context, channels } = PresenceBodyFields;

/**
 * `communityConfigJson` as a schema (the answer of the config routes): each field of the body, null
 * when unset (the default applies); `stored`, `has_api_key`, `api_key_last4` (never the key) and
 * `updated_at` (ISO 8601, null when nothing is stored).
 */
export const CommunityConfigJson = Type.Object(
  {
    community_id: Type.String(),
    stored: Type.Boolean({ description: 'Whether a config is stored (else every field is null).' }),
    provider: orNull(Type.Enum(PROVIDER_KINDS)),
    model: orNull(Type.String()),
    base_url: orNull(Type.String()),
    has_api_key: Type.Boolean(),
    api_key_last4: orNull(Type.String({ description: 'The last 4 characters of the stored key.' })),
    temperature: orNull(Type.Number()),
    max_tokens: orNull(Type.Integer()),
    system_prompt: orNull(Type.String()),
    personality: orNull(Type.String()),
    fallback_provider: orNull(Type.Enum(PROVIDER_KINDS)),
    triggers: orNull(TriggersPatch),
    context_scope: orNull(Type.Enum(['user', 'channel'])),
    enabled: orNull(Type.Boolean()),
    response_cache: orNull(Type.Boolean()),
    permissions: orNull(permissions),
    budgets: orNull(budgets),
    moderation: orNull(moderation),
    stream_replies: orNull(stream_replies),
    background_context: orNull(background_context),
    channels: orNull(channels),
    updated_at: orNull(Type.String({ format: 'date-time' })),
  },
  {
    title: 'CommunityConfig',
    description: 'The community’s stored configuration; null fields take the defaults.',
  },
);

/** A stored configuration as JSON: unset fields are `null` (the default applies); never the key. */
export function communityConfigJson(communityId: string, stored: StoredCommunityConfig | undefined) {
  return {
    community_id: communityId,
    stored: stored !== undefined,
    provider: stored?.provider ?? null,
    model: stored?.model ?? null,
    base_url: stored?.baseUrl ?? null,
    has_api_key: stored?.hasApiKey ?? false,
    api_key_last4: stored?.apiKeyLast4 ?? null,
    temperature: stored?.temperature ?? null,
    max_tokens: stored?.maxTokens ?? null,
    system_prompt: stored?.systemPrompt ?? null,
    personality: stored?.personality ?? null,
    fallback_provider: stored?.fallbackProvider ?? null,
    triggers: stored?.triggers ? triggerOverridesJson(stored.triggers) : null,
    context_scope: stored?.contextScope ?? null,
    enabled: stored?.enabled ?? null,
    response_cache: stored?.responseCache ?? null,
    ...safetyJson(stored),
    ...presenceJson(stored),
    updated_at: stored ? new Date(stored.updatedAt).toISOString() : null,
  };
}
