import { StoreUnavailableError } from '../community-config-store.js';
import {
  addUsage,
  type UsageGroupBy,
  type UsageQuery,
  type UsageRecord,
  type UsageStore,
  type UsageTotals,
  usageRowKey,
} from '../usage-store.js';
import type { SqlClient } from './sql-client.js';
import { refuseNulInSqlText } from './sql-text.js';

/** Options of SqlUsageStore; every one has a default. */
export interface SqlUsageStoreOptions {
  /** Buffered figures wait at most this long, ms; 1,000. */
  flushIntervalMs?: number;
  /** A buffer of this many rows is written at once; 500. */
  flushBatchSize?: number;
  /** While the database is down, at most this many rows stay buffered (the oldest dropped); 10,000. */
  maxBuffered?: number;
  /** Background failures: the first failed flush of an outage, rows dropped. */
  onError?: (error: unknown) => void;
}

const DEFAULTS: Required<SqlUsageStoreOptions> = {
  flushIntervalMs: 1_000,
  flushBatchSize: 500,
  maxBuffered: 10_000,
  onError: () => undefined,
};
const RETRY_DELAY_MS = 1_000;

/**
 * Adds a JSON array of records (one per row key: the buffer merges them first, since one statement
 * may not touch a row twice) to their rows. A cost stays NULL while neither side knows one.
 */
const UPSERT_SQL = `INSERT INTO usage_daily (day, community_id, channel_id, user_id, model, key_id, requests,
    prompt_tokens, completion_tokens, cost_usd)
  SELECT (d->>'day')::date, d->>'communityId', d->>'channelId', d->>'userId', d->>'model', d->>'keyId',
    (d->>'requests')::bigint, (d->>'promptTokens')::bigint, (d->>'completionTokens')::bigint,
    (d->>'costUsd')::float8
  FROM jsonb_array_elements($1::jsonb) AS d
  ON CONFLICT (day, community_id, channel_id, user_id, model, key_id) DO UPDATE SET
    requests = usage_daily.requests + EXCLUDED.requests,
    prompt_tokens = usage_daily.prompt_tokens + EXCLUDED.prompt_tokens,
    completion_tokens = usage_daily.completion_tokens + EXCLUDED.completion_tokens,
    cost_usd = CASE WHEN usage_daily.cost_usd IS NULL AND EXCLUDED.cost_usd IS NULL THEN NULL
      ELSE COALESCE(usage_daily.cost_usd, 0) + COALESCE(EXCLUDED.cost_usd, 0) END`;

/** The SQL expression grouped on, and the totals field it fills. */
const GROUPS: Record<UsageGroupBy, { column: string; field: 'day' | 'userId' | 'model' | 'keyId' }> = {
  day: { column: "to_char(day, 'YYYY-MM-DD')", field: 'day' },
  user: { column: 'user_id', field: 'userId' },
  model: { column: 'model', field: 'model' },
  key: { column: 'key_id', field: 'keyId' },
};

type TotalsRow = {
  g: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number | null;
};

/**
 * UsageStore on PostgreSQL or PGlite (table `usage_daily`). `add` only merges into an in-memory
 * buffer (one entry per row), so recording never waits for the database; the buffer is upserted in
 * one statement every `flushIntervalMs`, or at once when it holds `flushBatchSize` rows. `query`
 * flushes first, so it sees everything added. While the database is down the buffer is kept (up to
 * `maxBuffered` rows) and retried every second; `query` rejects with StoreUnavailableError.
 * `close()` writes the buffer; it does not close the SQL client, which the caller owns.
 */
export class SqlUsageStore implements UsageStore {
  private pending = new Map<string, UsageRecord>();
  private readonly options: Required<SqlUsageStoreOptions>;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failing = false;
  private reported = false;
  private closed = false;

  constructor(
    private readonly client: SqlClient,
    options: SqlUsageStoreOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  add(record: UsageRecord): void {
    if (this.closed) {
      this.options.onError(new Error('usage store is closed: dropped a usage record'));
      return;
    }
    // NUL cannot go into a text column; such an id never reaches here from the edge, but a
    // platform adapter might hand one over: it is recorded without it rather than failing a flush.
    const clean = sanitize(record);
    const key = usageRowKey(clean);
    const row = this.pending.get(key);
    this.pending.set(key, row ? addUsage(row, clean) : clean);
    this.schedule();
  }

  async query(query: UsageQuery): Promise<UsageTotals[]> {
    refuseNulInSqlText({ community_id: query.communityId, user_id: query.userId, key_id: query.keyId });
    await this.flush();
    const group = GROUPS[query.groupBy];
    const { rows } = await this.client.query<TotalsRow>(
      `SELECT ${group.column} AS g, sum(requests)::float8 AS requests,
         sum(prompt_tokens)::float8 AS prompt_tokens, sum(completion_tokens)::float8 AS completion_tokens,
         sum(cost_usd) AS cost_usd
       FROM usage_daily
       WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR community_id = $3)
         AND ($4::text IS NULL OR user_id = $4) AND ($5::text IS NULL OR key_id = $5)
       GROUP BY g ORDER BY g`,
      [query.from, query.to, query.communityId ?? null, query.userId ?? null, query.keyId ?? null],
    );
    return rows.map((row) => ({
      [group.field]: row.g,
      requests: Number(row.requests),
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      ...(row.cost_usd === null ? {} : { costUsd: Number(row.cost_usd) }),
    }));
  }

  /**
   * Writes the buffer now (after any flush already running). When the database is down the rows go
   * back into the buffer and this rejects with StoreUnavailableError.
   */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.flushOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private schedule(): void {
    if (this.pending.size >= this.options.flushBatchSize && !this.failing) {
      this.background(this.flush());
      return;
    }
    if (this.timer) return;
    const delay = this.failing
      ? Math.max(this.options.flushIntervalMs, RETRY_DELAY_MS)
      : this.options.flushIntervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.background(this.flush());
    }, delay);
    this.timer.unref();
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.client.query(UPSERT_SQL, [JSON.stringify([...batch.values()])]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) return this.restore(batch, error);
      // A statement error is about some row (a value the database refuses): drop the batch, say so.
      this.options.onError(error);
      return;
    }
    this.failing = false;
    this.reported = false;
  }

  /** Merges rows that failed back under those added since, schedules a retry, and rethrows. */
  private restore(batch: Map<string, UsageRecord>, error: StoreUnavailableError): never {
    for (const [key, row] of this.pending) {
      const older = batch.get(key);
      batch.set(key, older ? addUsage(older, row) : row);
    }
    this.pending = batch;
    const excess = this.pending.size - this.options.maxBuffered;
    if (excess > 0) {
      for (const key of [...this.pending.keys()].slice(0, excess)) this.pending.delete(key);
      this.options.onError(new Error(`usage buffer full: dropped the ${excess} oldest rows`));
    }
    this.failing = true;
    if (!this.closed) this.schedule();
    throw error;
  }

  /** Reports a failure of background work once per outage; a successful flush re-arms it. */
  private background(work: Promise<unknown>): void {
    work.catch((error: unknown) => {
      if (this.reported) return;
      this.reported = true;
      this.options.onError(error);
    });
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Strings as a text column takes them: NUL removed, lone surrogates made U+FFFD. */
function sanitize(record: UsageRecord): UsageRecord {
  const clean = (value: string) => value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\ufffd');
  return {
    ...record,
    communityId: clean(record.communityId),
    channelId: clean(record.channelId),
    userId: clean(record.userId),
    model: clean(record.model),
    keyId: clean(record.keyId),
  };
}
