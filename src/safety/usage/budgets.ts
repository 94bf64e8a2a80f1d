import type { BudgetSettings } from '../safety-settings.js';
import { type ScopeLimit, scopeKey, type UsageSubject } from './usage-counters.js';

/**
 * The limits a community's `budgets` put on `subject`'s scopes, only those that have one: the
 * community's own (`communityDaily*`), its channel's (`channelDaily*`, when the subject has a
 * channel) and its user's (`userDaily*`, when it has a user). Empty = nothing to check.
 */
export function budgetLimits(budgets: BudgetSettings, subject: UsageSubject): ScopeLimit[] {
  const limits: ScopeLimit[] = [];
  const push = (scope: string, tokens?: number, usd?: number) => {
    if (tokens !== undefined || usd !== undefined) limits.push(withoutUnset({ scope, tokens, usd }));
  };
  push(scopeKey.community(subject.communityId), budgets.communityDailyTokens, budgets.communityDailyUsd);
  if (subject.channelId) {
    push(
      scopeKey.channel(subject.communityId, subject.channelId),
      budgets.channelDailyTokens,
      budgets.channelDailyUsd,
    );
  }
  if (subject.userId) {
    push(scopeKey.user(subject.communityId, subject.userId), budgets.userDailyTokens, budgets.userDailyUsd);
  }
  return limits;
}

function withoutUnset(limit: ScopeLimit): ScopeLimit {
  const out: ScopeLimit = { scope: limit.scope };
  if (limit.tokens !== undefined) out.tokens = limit.tokens;
  if (limit.usd !== undefined) out.usd = limit.usd;
  return out;
}
