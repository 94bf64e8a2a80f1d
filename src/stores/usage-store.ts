/**
 * Daily token and cost totals, persisted (table `usage_daily`, migration 005): what
 * `GET /api/v1/usage` reports. The live counters that budgets check are elsewhere
 * (`src/safety/usage/usage-counters.ts`): shared through Redis, and fast.
 */

/** One answered request's figures, to add to its day's row. */
export interface UsageRecord {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  communityId: string;
  /** '' when none (the OpenAI API has no channel). */
  channelId: string;
  /** The platform user id, or the OpenAI request's `user` / `safety_identifier`; '' when none. */
  userId: string;
  /** The model that answered, as the provider named it; '' when unknown. */
  model: string;
  /** The stored client key's id; '' for other callers and chat events. */
  keyId: string;
  /** Requests (usually 1). */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** USD from `safety.prices`; undefined when no price covers the model. */
  costUsd?: number;
}

/** How `query` groups rows: one row per day, user, model or key (summed over the rest). */
export type UsageGroupBy = 'day' | 'user' | 'model' | 'key';

export interface UsageQuery {
  /** First and last UTC day, inclusive, `YYYY-MM-DD`. */
  from: string;
  to: string;
  communityId?: string;
  userId?: string;
  keyId?: string;
  groupBy: UsageGroupBy;
}

/** One grouped total; the grouped field is set ('' = none), the others absent. */
export interface UsageTotals {
  day?: string;
  userId?: string;
  model?: string;
  keyId?: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Absent when no row of the group had a price. */
  costUsd?: number;
}

/**
 * The persisted daily totals: on PostgreSQL or PGlite (`SqlUsageStore`, writes buffered and
 * flushed in batches) or in process (`MemoryUsageStore`).
 */
export interface UsageStore {
  /** Adds `record` to its row (buffered on SQL: never waits for the database). */
  add(record: UsageRecord): void;
  /**
   * Totals of the rows matching `query`, grouped, ordered by the group field; includes what is
   * still buffered. Rejects with StoreUnavailableError when the database is down.
   */
  query(query: UsageQuery): Promise<UsageTotals[]>;
  /** Writes buffered figures now. */
  flush(): Promise<void>;
  /** Writes what is buffered; later `add`s are dropped. */
  close(): Promise<void>;
}

/** The key of a record's row: its six key fields. */
export function usageRowKey(record: UsageRecord): string {
  return JSON.stringify([
    record.day,
    record.communityId,
    record.channelId,
    record.userId,
    record.model,
    record.keyId,
  ]);
}

/** `b` added into `a` (same row); a cost stays unknown only while both are. */
export function addUsage(a: UsageRecord, b: UsageRecord): UsageRecord {
  const cost =
    a.costUsd === undefined && b.costUsd === undefined ? undefined : (a.costUsd ?? 0) + (b.costUsd ?? 0);
  return {
    ...a,
    requests: a.requests + b.requests,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    ...(cost === undefined ? {} : { costUsd: cost }),
  };
}
