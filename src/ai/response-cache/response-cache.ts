import { createHash } from 'node:crypto';
import type { FinishReason, ProviderKind, ToolCall, Usage } from '../providers/provider.js';

/**
 * A completed answer as the response cache holds it: what a replay needs to answer again as the
 * provider did (text, tool calls, finish reason, usage, who answered), nothing about the caller.
 */
export interface CachedAnswer {
  content: string;
  toolCalls?: ToolCall[];
  /** `stop`, `length` or `tool_calls`: only answers that ended normally are kept. */
  finishReason: Exclude<FinishReason, 'content_filter'>;
  /** As the provider reported it; absent when it reported none (a replay estimates it again). */
  usage?: Usage;
  provider: ProviderKind;
  model: string;
}

/**
 * Exact-match storage of completed answers by key (see `responseCacheKey`). Backends: Redis
 * (shared by every instance) and an in-process LRU. A backend that cannot be reached behaves as
 * an empty cache: `get` resolves `undefined` and `set` does nothing, so a cache outage costs
 * upstream calls, never a failed request.
 */
export interface ResponseCache {
  /** The answer stored under `key`, if any and not expired. */
  get(key: string): Promise<CachedAnswer | undefined>;
  /** Stores `answer` under `key` for `ttlMs` milliseconds (> 0), replacing what was there. */
  set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void>;
}

/**
 * JSON with object keys sorted at every level, so that two requests that differ only in the order
 * of their fields have one key. `undefined` members are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.keys(value)
      .sort()
      .flatMap((key) => {
        const member = (value as Record<string, unknown>)[key];
        return member === undefined ? [] : [`${JSON.stringify(key)}:${canonicalJson(member)}`];
      });
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The cache key of one request: the sha256 (hex) of the canonical JSON of `parts`, which must hold
 * the community, the model as resolved and the whole normalized request. Never put a caller's API
 * key in `parts`: the key says what was asked and of whom, not who asked.
 */
export function responseCacheKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}
