import type { Usage } from '../../ai/providers/provider.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { UsageStore } from '../../stores/usage-store.js';
import type { BudgetSettings } from '../safety-settings.js';
import { budgetLimits } from './budgets.js';
import { costUsd, estimateTokens, type PriceTable } from './prices.js';
import {
  type ScopeLimit,
  scopeKey,
  scopesOf,
  type UsageCounters,
  type UsageSubject,
} from './usage-counters.js';
import { secondsToNextUtcMidnight, utcDay } from './usage-day.js';

/** One answered request, as the worker or an OpenAI route saw it. */
export interface UsageEntry extends UsageSubject {
  /** The model that answered, as the provider named it. */
  model: string;
  /** The provider's `usage`; when absent, tokens are estimated from the characters below. */
  usage?: Pick<Usage, 'prompt_tokens' | 'completion_tokens'>;
  /** The prompt's length, chars (for the estimate). */
  promptChars?: number;
  /** The answer's length, chars (for the estimate). */
  completionChars?: number;
}

/** What a reservation asks to hold back. */
export interface ReservationAsk {
  /** The reply's bound, tokens (`maxTokens`, or the request's `max_tokens`). */
  maxTokens: number;
  /** The prompt's length, chars (estimated at 4 chars a token). */
  promptChars: number;
  /** The model expected to answer, for the USD figure. */
  model: string;
}

/**
 * A reservation's outcome: admitted (`held`: a reservation was taken and must be released; false
 * when no budget applies), or refused with the seconds to midnight.
 */
export type Admission = { ok: true; held: boolean } | { ok: false; scope: string; retryAfterSeconds: number };

/** Today's figures of a community or a channel (`!ai usage`). */
export interface UsageToday {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** USD, when a price covered what was used. */
  costUsd?: number;
}

export interface UsageMeterOptions {
  /** The live counters budgets check (Redis, or in process). */
  counters: UsageCounters;
  /** The persisted daily totals (`usage_daily`). */
  store: UsageStore;
  /** `safety.prices`: USD per million tokens, by model. */
  prices: PriceTable;
  metrics: Pick<Metrics, 'tokens'>;
  logger: Logger;
  /**
   * How long an unreleased reservation is remembered, ms; 2 days. Longer than any interaction can
   * wait and run: a reservation forgotten before its release keeps its hold for the rest of the day.
   */
  reservationTtlMs?: number;
  /** The clock that picks the UTC day, ms since the epoch (tests move it past midnight). */
  now?: () => number;
}

/**
 * Meters tokens and cost (issue "Made for crowds": budgets and usage). `record` adds an answered
 * request to the live counters (per UTC day: its community, channel, user and client key), to the
 * persisted daily totals (per day, community, channel, user, model and key) and to
 * `chatgate_tokens_total`. Tokens are the provider's `usage` (prompt + completion); when it reports
 * none they are **estimated from characters, ~4 chars a token**, so budgets on such providers are
 * approximate. Cost is from `safety.prices` (USD per million tokens), unknown for an unpriced model.
 *
 * `reserve` and `release` keep budgets: a reservation (the reply's bound plus the prompt's
 * estimate) is taken atomically at admission while every scope is under its limit, and released
 * when the interaction ends, `record` having added the real figure. So a budget of N tokens ends a
 * day at most one reply over N (the last one admitted while under it), however many are admitted
 * at once on however many instances, as long as replies stay within their reservation.
 *
 * Counters and the store failing never fail a reply: `record` and `release` log and go on.
 */
export class UsageMeter {
  private readonly now: () => number;

  constructor(private readonly options: UsageMeterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Today, UTC, `YYYY-MM-DD`. */
  today(): string {
    return utcDay(this.now());
  }

  /** Seconds to the next UTC midnight, when budgets start again. */
  secondsToReset(): number {
    return secondsToNextUtcMidnight(this.now());
  }

  /** Adds an answered request's figures everywhere they are counted; never throws. */
  async record(entry: UsageEntry): Promise<void> {
    const { prices, store, counters, metrics } = this.options;
    const promptTokens = entry.usage?.prompt_tokens ?? estimateTokens(entry.promptChars ?? 0);
    const completionTokens = entry.usage?.completion_tokens ?? estimateTokens(entry.completionChars ?? 0);
    const cost = costUsd(prices, entry.model, promptTokens, completionTokens);
    const day = this.today();
    metrics.tokens.inc({ community: entry.communityId, kind: 'prompt' }, promptTokens);
    metrics.tokens.inc({ community: entry.communityId, kind: 'completion' }, completionTokens);
    try {
      store.add({
        day,
        communityId: entry.communityId,
        channelId: entry.channelId ?? '',
        userId: entry.userId ?? '',
        model: entry.model,
        keyId: entry.keyId ?? '',
        requests: 1,
        promptTokens,
        completionTokens,
        ...(cost === undefined ? {} : { costUsd: cost }),
      });
      await counters.add(day, scopesOf(entry), {
        requests: 1,
        promptTokens,
        completionTokens,
        costUsd: cost ?? 0,
      });
    } catch (error) {
      this.options.logger.warn({ err: error, community: entry.communityId }, 'usage not counted');
    }
  }

  /**
   * Takes a reservation `id` against `budgets` for `subject` when it has a limit; refused when a
   * scope has reached one (used plus reserved). Unique ids: a second reserve with one is a no-op.
   * @param extraLimits more scopes to check in the same atomic step, e.g. a client key's
   *   `daily_tokens`: `[{ scope: scopeKey.key(keyId), tokens: dailyTokens }]`.
   * @throws the counters' error when they fail (Redis and memory both): the caller decides.
   */
  async reserve(
    id: string,
    budgets: BudgetSettings,
    subject: UsageSubject,
    ask: ReservationAsk,
    extraLimits: readonly ScopeLimit[] = [],
  ): Promise<Admission> {
    const limits = [...budgetLimits(budgets, subject), ...extraLimits];
    if (limits.length === 0) return { ok: true, held: false };
    const promptTokens = estimateTokens(ask.promptChars);
    const result = await this.options.counters.reserve({
      id,
      day: this.today(),
      limits,
      tokens: ask.maxTokens + promptTokens,
      usd: costUsd(this.options.prices, ask.model, promptTokens, ask.maxTokens) ?? 0,
      ttlMs: this.options.reservationTtlMs ?? 2 * 86_400_000,
    });
    if (result.ok) return { ok: true, held: true };
    return { ok: false, scope: result.scope, retryAfterSeconds: this.secondsToReset() };
  }

  /** Releases reservation `id` (a no-op when there is none); never throws. */
  async release(id: string): Promise<void> {
    try {
      await this.options.counters.release(id);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'usage reservation not released');
    }
  }

  /**
   * Today's requests, tokens and cost in a community, or in one channel of it (the moderators'
   * `!ai usage`), from the live counters.
   */
  async usageToday(where: { communityId: string; channelId?: string }): Promise<UsageToday> {
    const scope = where.channelId
      ? scopeKey.channel(where.communityId, where.channelId)
      : scopeKey.community(where.communityId);
    return this.scopeToday(scope);
  }

  /** Today's requests, tokens and cost of a stored client key (its `daily_tokens`, `x-ratelimit-*`). */
  keyUsageToday(keyId: string): Promise<UsageToday> {
    return this.scopeToday(scopeKey.key(keyId));
  }

  private async scopeToday(scope: string): Promise<UsageToday> {
    const counts = await this.options.counters.read(this.today(), scope);
    return {
      requests: counts.requests,
      promptTokens: counts.promptTokens,
      completionTokens: counts.completionTokens,
      ...(counts.costUsd > 0 ? { costUsd: counts.costUsd } : {}),
    };
  }
}
