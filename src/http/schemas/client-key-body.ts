import Type, { type TSchema } from 'typebox';
import { ValidationError } from '../../core/errors.js';
import type { ClientKey } from '../../stores/client-key-store.js';
import { textFault } from './safe-text.js';

/** Longest `name`, chars. */
export const MAX_KEY_NAME_CHARS = 200;
/** Longest `community_id`, chars (as `X-Community-Id` and the config routes). */
const MAX_COMMUNITY_CHARS = 256;
/** Highest `rpm`. */
const MAX_RPM = 1_000_000;
/** Highest `daily_tokens` (a PostgreSQL `integer`). */
const MAX_DAILY_TOKENS = 2_147_483_647;

const FIELDS = new Set(['name', 'community_id', 'rpm', 'daily_tokens', 'expires_at']);
/** ISO 8601 date and time with a zone: `2027-01-31T12:00:00Z`, `…:00.123+02:00`, seconds optional. */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

const orNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * The body `parseClientKeyBody` reads, as a schema for the API description (the parser checks the
 * body itself, naming every bad field; a `null` limit is no limit).
 */
export const ClientKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_KEY_NAME_CHARS }),
    community_id: Type.Optional(
      orNull(
        Type.String({ minLength: 1, maxLength: MAX_COMMUNITY_CHARS, description: 'Default `api:default`.' }),
      ),
    ),
    rpm: Type.Optional(
      orNull(Type.Integer({ minimum: 1, maximum: MAX_RPM, description: 'Requests per minute.' })),
    ),
    daily_tokens: Type.Optional(
      orNull(Type.Integer({ minimum: 1, maximum: MAX_DAILY_TOKENS, description: 'Tokens per UTC day.' })),
    ),
    expires_at: Type.Optional(
      orNull(Type.String({ format: 'date-time', description: 'ISO 8601 with a zone, in the future.' })),
    ),
  },
  { title: 'ClientKeyRequest', additionalProperties: false },
);

/** `clientKeyJson` as a schema: a stored key, never the key itself (only `key_prefix`). */
export const ClientKeyJson = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    key_prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
    community_id: orNull(Type.String()),
    rpm: orNull(Type.Integer()),
    daily_tokens: orNull(Type.Integer()),
    expires_at: orNull(Type.String({ format: 'date-time' })),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: orNull(Type.String({ format: 'date-time' })),
  },
  { title: 'ClientKey', description: 'The key’s settings (never the key).' },
);

/** What `POST /api/v1/keys` asks for, checked. */
export interface ClientKeyRequest {
  name: string;
  communityId?: string;
  rpm?: number;
  dailyTokens?: number;
  /** ms since the epoch. */
  expiresAt?: number;
}

/**
 * Reads the body of `POST /api/v1/keys`: `{ name, community_id?, rpm?, daily_tokens?, expires_at? }`
 * (each optional field may be null: no limit). `name` 1–200 chars; `community_id` 1–256 chars;
 * `rpm` an integer 1–1,000,000; `daily_tokens` an integer 1–2,147,483,647; `expires_at` an ISO 8601
 * date-time with a zone, later than `now`.
 * @throws ValidationError naming every bad field (`rpm: must be an integer >= 1; …`), the first as `field`.
 */
export function parseClientKeyBody(body: unknown, now: number): ClientKeyRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('body: must be a JSON object', 'body');
  }
  const input = body as Record<string, unknown>;
  const issues: string[] = [];
  for (const field of Object.keys(input)) {
    if (!FIELDS.has(field))
      issues.push(
        `${JSON.stringify(field).slice(1, -1) || '""'}: is not a field of a client key (${[...FIELDS].join(', ')})`,
      );
  }
  const name = text(input.name, 'name', MAX_KEY_NAME_CHARS, issues, true);
  const communityId = text(input.community_id, 'community_id', MAX_COMMUNITY_CHARS, issues, false);
  const rpm = integer(input.rpm, 'rpm', MAX_RPM, issues);
  const dailyTokens = integer(input.daily_tokens, 'daily_tokens', MAX_DAILY_TOKENS, issues);
  const expiresAt = futureTime(input.expires_at, now, issues);
  if (issues.length > 0) {
    throw new ValidationError(issues.join('; '), issues[0]?.split(':')[0] ?? 'body');
  }
  return { name: name as string, communityId, rpm, dailyTokens, expiresAt };
}

function text(value: unknown, field: string, max: number, issues: string[], required: boolean) {
  if (value === undefined || (value === null && !required)) {
    if (required) issues.push(`${field}: is required`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    issues.push(`${field}: must be a string of 1 to ${max} characters`);
    return undefined;
  }
  const fault = textFault(value);
  if (fault) issues.push(`${field}: ${fault}`);
  return value;
}

function integer(value: unknown, field: string, max: number, issues: string[]) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    issues.push(`${field}: must be an integer from 1 to ${max}`);
    return undefined;
  }
  return value;
}

function futureTime(value: unknown, now: number, issues: string[]) {
  if (value === undefined || value === null) return undefined;
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  const ms = match ? Date.parse(value as string) : Number.NaN;
  if (!match || Number.isNaN(ms) || !isCalendarDate(match) || Number(match[4]) > 23) {
    issues.push('expires_at: must be an ISO 8601 date-time with a zone, such as 2027-01-31T12:00:00Z');
    return undefined;
  }
  if (ms <= now) {
    issues.push('expires_at: must be in the future');
    return undefined;
  }
  return ms;
}

/** True when year-month-day of `match` is a real day (Date.parse takes 2027-02-30 as March 2). */
function isCalendarDate(match: RegExpExecArray): boolean {
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A stored key as JSON (snake_case; unset limits are null). Never the key: only `key_prefix`. */
export function clientKeyJson(key: ClientKey) {
  return {
    id: key.id,
    name: key.name,
    key_prefix: key.keyPrefix,
    community_id: key.communityId ?? null,
    rpm: key.rpm ?? null,
    daily_tokens: key.dailyTokens ?? null,
    expires_at: iso(key.expiresAt),
    created_at: new Date(key.createdAt).toISOString(),
    last_used_at: iso(key.lastUsedAt),
  };
}
