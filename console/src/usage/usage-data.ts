import { api } from '../api.js';
import type { LiveFeed } from '../live.js';

/** One row of `GET /api/v1/usage`: its grouped field (null: none), then the sums (tokens). */
export interface UsageRow {
  day?: string;
  user_id?: string | null;
  key_id?: string | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Absent when no price in `safety.prices` covered the row's model. */
  cost_usd?: number;
}

/** What the page shows: one community (`communityId`) or all (''), UTC days `from`..`to` inclusive. */
export interface UsageFilter {
  communityId: string;
  from: string;
  to: string;
}

/** The page's three groupings, fetched together. */
export interface UsageView {
  days: UsageRow[];
  users: UsageRow[];
  keys: UsageRow[];
}

/** The path of one grouping under `filter`. */
export function usagePath(groupBy: 'day' | 'user' | 'key', filter: UsageFilter): string {
  const query = new URLSearchParams({ group_by: groupBy, from: filter.from, to: filter.to });
  if (filter.communityId) query.set('community_id', filter.communityId);
  return `/api/v1/usage?${query}`;
}

/**
 * Usage per day, user and client key under `filter`: three `GET /api/v1/usage` calls at once.
 * @throws ApiError from the first that fails (400 naming the field, 403 for a non-admin key, 503).
 */
export async function loadUsage(filter: UsageFilter): Promise<UsageView> {
  const get = (groupBy: 'day' | 'user' | 'key') =>
    api<{ rows: UsageRow[] }>(usagePath(groupBy, filter)).then((answer) => answer.rows);
  const [days, users, keys] = await Promise.all([get('day'), get('user'), get('key')]);
  return { days, users, keys };
}

/** The selector's choices and the client keys' names (id → name). */
export interface UsageChoices {
  communities: string[];
  keyNames: Map<string, string>;
}

/** The community every OpenAI request without `X-Community-Id` (and each static client key) counts on. */
const API_DEFAULT_COMMUNITY = 'api:default';

/**
 * The communities to choose from: those the live snapshot saw, the stored configs (`GET
 * /api/v1/communities`) and the client keys' (`GET /api/v1/keys`, which also names the keys), and
 * `api:default`; sorted. A list that cannot be read leaves its part out: the figures still load.
 */
export async function loadChoices(feed: LiveFeed): Promise<UsageChoices> {
  const [configs, keys] = await Promise.all([
    api<{ communities: { community_id: string }[] }>('/api/v1/communities?limit=200').catch(() => ({
      communities: [],
    })),
    api<{ keys: { id: string; name: string; community_id: string | null }[] }>(
      '/api/v1/keys?limit=500',
    ).catch(() => ({ keys: [] })),
  ]);
  const seen = feed.current?.snapshot.communities.map((community) => community.community_id) ?? [];
  const communities = new Set([
    API_DEFAULT_COMMUNITY,
    ...seen,
    ...configs.communities.map((config) => config.community_id),
    ...keys.keys.map((key) => key.community_id ?? API_DEFAULT_COMMUNITY),
  ]);
  return {
    communities: [...communities].sort(),
    keyNames: new Map(keys.keys.map((key) => [key.id, key.name])),
  };
}

/** Sums of `rows`: requests, tokens, and USD when any row had a price. */
export function sumRows(rows: readonly UsageRow[]): { requests: number; tokens: number; costUsd?: number } {
  let requests = 0;
  let tokens = 0;
  let costUsd: number | undefined;
  for (const row of rows) {
    requests += row.requests;
    tokens += row.total_tokens;
    if (row.cost_usd !== undefined) costUsd = (costUsd ?? 0) + row.cost_usd;
  }
  return costUsd === undefined ? { requests, tokens } : { requests, tokens, costUsd };
}

/** The `limit` rows with the most tokens (then requests), most first. */
export function topByTokens(rows: readonly UsageRow[], limit: number): UsageRow[] {
  return [...rows].sort((a, b) => b.total_tokens - a.total_tokens || b.requests - a.requests).slice(0, limit);
}
