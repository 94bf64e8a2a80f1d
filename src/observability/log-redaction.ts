import { publicEndpoint } from '../core/endpoint-url.js';

/**
 * Fields blanked out wherever they appear, at the top of a log object or one level down:
 * credentials. (Message text is logged only at debug level, and then by our own code.)
 */
const SECRET_FIELDS = new Set(['apiKey', 'api_key', 'token']);
/** Fields that hold an endpoint URL: logged in their public form (no userinfo, no query). */
const URL_FIELDS = new Set(['baseUrl', 'base_url', 'endpoint']);
const ONE_DOWN = [...SECRET_FIELDS, ...URL_FIELDS];
/** A request's own headers that carry a key, should one be logged by hand as `req.headers`. */
const SECRET_HEADERS = ['authorization', 'x-api-key'];

/** What a redacted field is written as: an URL's public form, else `[redacted]`. */
function censored(field: string, value: unknown): unknown {
  if (URL_FIELDS.has(field)) return typeof value === 'string' ? publicEndpoint(value) : value;
  return '[redacted]';
}

/**
 * A copy of `value` that keeps its prototype and every own property, as data read through `value`
 * (an Error's non-enumerable `message` and its `stack`, an accessor that would read nothing on
 * another receiver: pino's error serializer reads both), with `changes` on top.
 */
function copyWith<T extends object>(value: T, changes: Record<string, unknown>): T {
  const copy = Object.create(Object.getPrototypeOf(value)) as T;
  for (const name of Reflect.ownKeys(value)) {
    const enumerable = Object.getOwnPropertyDescriptor(value, name)?.enumerable ?? false;
    const read = Object.hasOwn(changes, name) ? changes[name as string] : Reflect.get(value, name);
    Object.defineProperty(copy, name, { value: read, enumerable, writable: true, configurable: true });
  }
  return copy;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` (a field of the log object named `key`) with its own credential and URL fields redacted. */
function redactNested(key: string, value: Record<string, unknown>): Record<string, unknown> {
  let changes: Record<string, unknown> | undefined;
  for (const field of ONE_DOWN) {
    if (Object.hasOwn(value, field)) {
      changes ??= {};
      changes[field] = censored(field, value[field]);
    }
  }
  const headers = key === 'req' ? value.headers : undefined;
  if (isRecord(headers) && SECRET_HEADERS.some((name) => Object.hasOwn(headers, name))) {
    const blanked: Record<string, unknown> = {};
    for (const name of SECRET_HEADERS) if (Object.hasOwn(headers, name)) blanked[name] = '[redacted]';
    changes ??= {};
    changes.headers = copyWith(headers, blanked);
  }
  return changes ? copyWith(value, changes) : value;
}

/**
 * `object` (a log line's fields, or a child logger's bindings) as it may be logged: credentials
 * (`apiKey`, `api_key`, `token`, and `req.headers.authorization` / `x-api-key`) written as
 * `[redacted]`, endpoint URLs (`baseUrl`, `base_url`, `endpoint`) in their public form, at the top
 * and one level down. Arrays are left as they are. The caller's objects are never changed: what
 * needs a change is copied. Returns `object` itself when nothing matched, so an ordinary line
 * (the per-request access line) costs a few lookups and no allocation; pino's own `redact` option
 * re-parsed each path on every value of every line (13 KiB of garbage per request on the gateway).
 */
export function redactLogFields<T extends object>(object: T): T {
  let changes: Record<string, unknown> | undefined;
  const fields = object as Record<string, unknown>;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    let next = value;
    if (SECRET_FIELDS.has(key) || URL_FIELDS.has(key)) {
      // pino leaves an undefined top-level field out of the line: nothing to blank.
      if (value !== undefined) next = censored(key, value);
    } else if (isRecord(value)) {
      next = redactNested(key, value);
    }
    if (next !== value) {
      changes ??= {};
      changes[key] = next;
    }
  }
  return changes ? copyWith(object, changes) : object;
}
