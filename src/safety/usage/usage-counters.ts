/**
 * The live daily counters that budgets check and `usageToday` reads: per UTC day and per scope
 * (a community, a channel of it, a user in it, a client key), shared by every instance through
 * Redis (`RedisUsageCounters`) or kept in process (`MemoryUsageCounters`). Each scope counts the
 * requests, prompt and completion tokens and USD actually used, and beside them the figures budgets
 * compare with their limits: used **plus** the reservations of interactions still running.
 */

/** A scope's limits for one reservation; unset = no limit on that figure. */
export interface ScopeLimit {
  /** The scope's key (see `scopeKey`). */
  scope: string;
  /** Tokens a day. */
  tokens?: number;
  /** USD a day. */
  usd?: number;
}

/** What one reservation holds back, until it is released. */
export interface ReserveRequest {
  /** Unique per interaction or request: a second reserve with it is a no-op; `release` names it. */
  id: string;
  /** The UTC day counted on, `YYYY-MM-DD`. */
  day: string;
  /** The scopes checked and charged (only those with a limit need a reservation). */
  limits: ScopeLimit[];
  /** Tokens held back: the reply's bound (`maxTokens`) plus the prompt's estimate. */
  tokens: number;
  /** USD held back: the same tokens at the model's price (0 without one). */
  usd: number;
  /** How long an unreleased reservation is remembered, ms (its hold on the counters stays for the day). */
  ttlMs: number;
}

/** A reservation's outcome: taken, or refused because `scope` has reached a limit. */
export type ReserveResult = { ok: true } | { ok: false; scope: string };

/** Figures actually used, added to each scope of a request. */
export interface UsedFigures {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** USD; 0 without a price. */
  costUsd: number;
}

/** A scope's counts for one day. */
export interface ScopeCounts extends UsedFigures {
  /** Used plus reserved tokens: what a token limit is compared with. */
  budgetTokens: number;
  /** Used plus reserved USD: what a USD limit is compared with. */
  budgetUsd: number;
}

/** The counters; every method is atomic across instances on one Redis. */
export interface UsageCounters {
  /**
   * Checks every scope of `request.limits` against its limits (a scope whose used-plus-reserved
   * figure has reached a limit refuses) and, when none refuses, adds the reservation to each, all
   * in one atomic step: many instances reserving at once never all pass on one stale reading.
   */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Takes a reservation's hold off its scopes (on the day it was taken); a no-op for an unknown id. */
  release(id: string): Promise<void>;
  /** Adds what a request used to each of `scopes` on `day`. */
  add(day: string, scopes: readonly string[], used: UsedFigures): Promise<void>;
  /** A scope's counts on `day` (zeros when nothing was counted). */
  read(day: string, scope: string): Promise<ScopeCounts>;
}

/** Counts of a scope nothing was counted on. */
export const ZERO_COUNTS: ScopeCounts = {
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  costUsd: 0,
  budgetTokens: 0,
  budgetUsd: 0,
};

/** The scopes a request counts on. */
export interface UsageSubject {
  communityId: string;
  /** Absent on the OpenAI API (no channel). */
  channelId?: string;
  /** The platform user id, or the OpenAI request's `user`. */
  userId?: string;
  /** A stored client key's id. */
  keyId?: string;
}

/**
 * The key of a scope: a JSON array, so that ids holding `:` (every community id does) cannot make
 * two scopes collide.
 */
export const scopeKey = {
  community: (communityId: string) => JSON.stringify(['community', communityId]),
  channel: (communityId: string, channelId: string) => JSON.stringify(['channel', communityId, channelId]),
  user: (communityId: string, userId: string) => JSON.stringify(['user', communityId, userId]),
  key: (keyId: string) => JSON.stringify(['key', keyId]),
};

/** Every scope `subject` counts on: its community, and its channel, user and key when it has them. */
export function scopesOf(subject: UsageSubject): string[] {
  const scopes = [scopeKey.community(subject.communityId)];
  if (subject.channelId) scopes.push(scopeKey.channel(subject.communityId, subject.channelId));
  if (subject.userId) scopes.push(scopeKey.user(subject.communityId, subject.userId));
  if (subject.keyId) scopes.push(scopeKey.key(subject.keyId));
  return scopes;
}
