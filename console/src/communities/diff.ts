import { ANSWER_ONLY_FIELDS, type CommunityConfig, type Json, type JsonObject } from './config-types.js';

/** What Save sends: a PATCH of the changed fields, or a PUT of the whole form when a PATCH cannot say it. */
export interface SaveRequest {
  method: 'PATCH' | 'PUT';
  body: JsonObject;
}

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether a PATCH can remove the field at `path` by sending `null`: a channel override, a budget
 * (null = no limit) and the optional moderation fields. Any other field, once stored, can only be
 * dropped by a PUT of the whole config.
 */
function nullable(path: readonly string[]): boolean {
  const [head, field] = path;
  if (path.length !== 2 || field === undefined) return false;
  if (head === 'channels' || head === 'budgets') return true;
  return head === 'moderation' && ['allow_links', 'moderation_url', 'blocked_reply'].includes(field);
}

/**
 * A stored config as the form's JSON: the answer-only fields and every `null` (unset: the default
 * applies) left out, and objects left empty by that too.
 */
export function configBody(config: CommunityConfig): JsonObject {
  const body = withoutNulls(config as unknown as JsonObject);
  for (const field of ANSWER_ONLY_FIELDS) delete body[field];
  return body;
}

function withoutNulls(object: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === null) continue;
    if (isObject(value)) {
      const inner = withoutNulls(value);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else out[key] = value;
  }
  return out;
}

/**
 * The changes from `stored` to `wanted` as a PATCH body (objects merge field by field on the
 * server), and whether some stored field was emptied that only a PUT can drop.
 */
function changes(
  stored: JsonObject,
  wanted: JsonObject,
  path: string[],
): { patch: JsonObject; needsPut: boolean } {
  const patch: JsonObject = {};
  let needsPut = false;
  for (const key of new Set([...Object.keys(stored), ...Object.keys(wanted)])) {
    const before = stored[key];
    const after = wanted[key];
    const at = [...path, key];
    if (after === undefined && before !== undefined && nullable(at)) {
      // A removed channel override or a budget cleared to "no limit".
      patch[key] = null;
    } else if (isObject(before) && (isObject(after) || after === undefined)) {
      // An emptied section is walked too: its fields may each be nullable (all budgets cleared).
      const inner = changes(before, after ?? {}, at);
      needsPut ||= inner.needsPut;
      if (Object.keys(inner.patch).length > 0) patch[key] = inner.patch;
    } else if (after === undefined) {
      if (before === undefined) continue;
      // An emptied list is an empty list (the default lists are empty too): a PATCH can say it.
      if (!Array.isArray(before)) needsPut = true;
      else if (before.length > 0) patch[key] = [];
    } else if (JSON.stringify(before) !== JSON.stringify(after)) {
      patch[key] = after;
    }
  }
  return { patch, needsPut };
}

/**
 * What Save should send to go from `stored` (an answer of the config API) to `wanted` (the form's
 * body: set fields only): a PATCH of what changed, a PUT of `wanted` when a field was emptied that
 * PATCH cannot remove, or undefined when nothing changed. `apiKey`: a new key, `null` to remove
 * the stored one, undefined to keep it (neither request sends the key unless it is given).
 */
export function saveRequest(
  stored: CommunityConfig,
  wanted: JsonObject,
  apiKey: string | null | undefined,
): SaveRequest | undefined {
  const { patch, needsPut } = changes(configBody(stored), wanted, []);
  const key: JsonObject = apiKey === undefined ? {} : { api_key: apiKey };
  if (needsPut) return { method: 'PUT', body: { ...wanted, ...key } };
  const body = { ...patch, ...key };
  return Object.keys(body).length > 0 ? { method: 'PATCH', body } : undefined;
}
