import { type ChatEvent, withoutRaw } from '../../core/chat-event.js';
import { StoreUnavailableError } from '../community-config-store.js';
import type { Interaction, InteractionFilter, InteractionLog } from '../interaction-log.js';
import type { SqlClient } from './sql-client.js';
import { refuseNulInSqlText } from './sql-text.js';

/** Options of SqlInteractionLog; every one has a default. */
export interface SqlInteractionLogOptions {
  /** Rows kept at most, the newest (`interactions.logSize`); 10,000. Enforced at every flush. */
  maxRows?: number;
  /** Rows created longer ago are deleted (`interactions.retentionDays`), ms; 7 days. */
  maxAgeMs?: number;
  /** Buffered writes wait at most this long, ms; 200. */
  flushIntervalMs?: number;
  /** A buffer of this many interactions is written at once; 1,000. */
  flushBatchSize?: number;
  /** How often rows past `maxAgeMs` are deleted, ms; 60,000. */
  pruneIntervalMs?: number;
  /** While the database is down, at most this many buffered writes are kept (oldest dropped); 10,000. */
  maxBuffered?: number;
  /** The clock of age retention, ms since the epoch. */
  now?: () => number;
  /**
   * After each prune, `VACUUM` the table and `CHECKPOINT`; default: on PGlite, whose single-user
   * PostgreSQL has no background workers: no autovacuum (every deleted or replaced row would stay on
   * disk for good) and no checkpointer (the write-ahead log would grow without end, whatever
   * `max_wal_size` says). PostgreSQL's own workers do both there.
   */
  vacuum?: boolean;
  /**
   * Background failures: the first failed flush or prune of an outage (not every retry), rows the
   * database refused (dropped), writes dropped after `close()` or past `maxBuffered`.
   */
  onError?: (error: unknown) => void;
}

type Patch = Partial<Omit<Interaction, 'id' | 'event'>>;
/** A buffered write: a whole interaction to upsert, or a patch for a row written before. */
type Pending = { kind: 'insert'; row: Interaction } | { kind: 'patch'; patch: Patch };
/** A selected row: the Interaction's fields, NULL where unset. */
type Row = { [K in keyof Interaction]-?: Interaction[K] | null };

const DAY_MS = 86_400_000;
const DEFAULTS: Required<SqlInteractionLogOptions> = {
  maxRows: 10_000,
  maxAgeMs: 7 * DAY_MS,
  flushIntervalMs: 200,
  // Every flush pays a transaction and the maxRows cut (an index walk over maxRows entries): on
  // PGlite a row cost ~56 µs in flushes of 100 and ~38 µs in flushes of 1,000 (measured, 10k rows).
  flushBatchSize: 1_000,
  pruneIntervalMs: 60_000,
  maxBuffered: 10_000,
  now: Date.now,
  vacuum: false,
  onError: () => undefined,
};
const RETRY_DELAY_MS = 1_000;
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const SELECTED = `id, event, status, trigger, reason, reply, callback_url AS "callbackUrl",
  session_id AS "sessionId", ${ms('created_at')} AS "createdAt", ${ms('completed_at')} AS "completedAt"`;
const NEWEST_FIRST = 'ORDER BY created_at DESC, seq DESC';
const toTime = (field: string) => `to_timestamp((d->>'${field}')::float8 / 1000)`;

/** How far along a status is: an upsert never moves a row back (queued 0, running 1, settled 2). */
const progress = (status: string) => `CASE ${status} WHEN 'queued' THEN 0 WHEN 'running' THEN 1 ELSE 2 END`;

/**
 * Upserts a JSON array of interactions, in array order (`seq` follows it). An existing row is
 * replaced only when the new one is at least as far along: with several processes (an `api` that
 * logs the event as queued, a `worker` that runs it), each flushing its own buffer, the api's
 * late "queued" must not undo the worker's "done".
 */
const INSERT_SQL = `INSERT INTO interactions (id, event, platform, community_id, status, trigger, reason, reply,
    callback_url, session_id, created_at, completed_at)
  SELECT d->>'id', d->'event', d->'event'->>'platform', d->'event'->>'communityId', d->>'status', d->>'trigger',
    d->>'reason', NULLIF(d->'reply', 'null'::jsonb), d->>'callbackUrl', d->>'sessionId', ${toTime('createdAt')},
    ${toTime('completedAt')}
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(d, ord) ORDER BY ord
  ON CONFLICT (id) DO UPDATE SET event = EXCLUDED.event, platform = EXCLUDED.platform,
    community_id = EXCLUDED.community_id, status = EXCLUDED.status, trigger = EXCLUDED.trigger,
    reason = EXCLUDED.reason, reply = EXCLUDED.reply, callback_url = EXCLUDED.callback_url,
    session_id = EXCLUDED.session_id, created_at = EXCLUDED.created_at, completed_at = EXCLUDED.completed_at
  WHERE ${progress('EXCLUDED.status')} >= ${progress('interactions.status')}`;

/** `column` takes the patch's value when the patch has `field` (null clears it), else keeps its own. */
const set = (column: string, field: string, value: string, notNull = false) =>
  `${column} = CASE WHEN d ? '${field}' THEN ${notNull ? `COALESCE(${value}, i.${column})` : value} ELSE i.${column} END`;

/** Applies a JSON array of `{ id, patch }`; ids without a row are skipped. */
const UPDATE_SQL = `UPDATE interactions AS i SET ${[
  set('status', 'status', "d->>'status'", true),
  set('trigger', 'trigger', "d->>'trigger'"),
  set('reason', 'reason', "d->>'reason'"),
  set('reply', 'reply', "NULLIF(d->'reply', 'null'::jsonb)"),
  set('callback_url', 'callbackUrl', "d->>'callbackUrl'"),
  set('session_id', 'sessionId', "d->>'sessionId'"),
  set('created_at', 'createdAt', toTime('createdAt'), true),
  set('completed_at', 'completedAt', toTime('completedAt')),
].join(',\n  ')}
  FROM (SELECT e->>'id' AS id, e->'patch' AS d FROM jsonb_array_elements($1::jsonb) AS e) AS p
  WHERE i.id = p.id`;

const PRUNE_COUNT_SQL = `DELETE FROM interactions WHERE id IN (SELECT id FROM interactions ${NEWEST_FIRST} OFFSET $1)`;
const PRUNE_AGE_SQL = 'DELETE FROM interactions WHERE created_at < to_timestamp($1::float8 / 1000)';

/**
 * InteractionLog on PostgreSQL or PGlite (table `interactions`). `add` and `update` only touch an
 * in-memory buffer, so the ack path never waits for the database; the buffer is written in one
 * transaction every `flushIntervalMs`, or at once when it holds `flushBatchSize` interactions. Reads
 * see the latest state: `get` answers from the buffer when it can, else (and `list` always) flushes
 * first. Retention: at most `maxRows` rows after each flush; rows older than `maxAgeMs` are deleted
 * every `pruneIntervalMs`. While the database is down, writes stay buffered (up to `maxBuffered`)
 * and are retried every second; `get`/`list` reject with StoreUnavailableError.
 * `close()` writes the buffer; it does not close the SQL client, which the caller owns.
 *
 * @example
 * const log = new SqlInteractionLog(client, { maxRows: config.interactions.logSize,
 *   maxAgeMs: config.interactions.retentionDays * 86_400_000, onError: (err) => logger.warn({ err }) });
 */
export class SqlInteractionLog implements InteractionLog {
  private pending = new Map<string, Pending>();
  private readonly options: Required<SqlInteractionLogOptions>;
  private readonly pruneTimer: NodeJS.Timeout;
  private timer: NodeJS.Timeout | undefined;
  /** Flushes run one at a time; `queued` is the one waiting to start, which later calls join. */
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private failing = false;
  private reported = false;
  private closed = false;

  constructor(
    private readonly client: SqlClient,
    options: SqlInteractionLogOptions = {},
  ) {
    this.options = { ...DEFAULTS, vacuum: client.backend === 'pglite', ...withoutNullish(options) };
    this.pruneTimer = setInterval(() => this.background(this.prune()), this.options.pruneIntervalMs);
    this.pruneTimer.unref();
  }

  /** `degraded` from a flush the database refused until one it takes: writes wait in memory. */
  get status(): 'ok' | 'degraded' {
    return this.failing ? 'degraded' : 'ok';
  }

  /** Writes waiting in the buffer. */
  get buffered(): number {
    return this.pending.size;
  }

  async add(interaction: Interaction): Promise<void> {
    if (this.closed) return this.dropped(interaction.id);
    const row = { ...interaction, event: withoutRaw(interaction.event as ChatEvent) };
    this.pending.set(interaction.id, { kind: 'insert', row });
    this.schedule();
  }

  async update(id: string, patch: Patch): Promise<void> {
    if (this.closed) return this.dropped(id);
    // A patch never moves an interaction to another id or event, whatever else it carries.
    const { id: _id, event: _event, ...fields } = patch as Patch & Partial<Interaction>;
    this.pending.set(id, merge(this.pending.get(id), { kind: 'patch', patch: fields }));
    this.schedule();
  }

  async get(id: string): Promise<Interaction | undefined> {
    refuseNulInSqlText({ id });
    const entry = this.pending.get(id);
    // Unless the buffer alone holds more than maxRows, a buffered interaction is what its row will be.
    const inserts = [...this.pending.values()].filter((pending) => pending.kind === 'insert').length;
    if (entry?.kind === 'insert' && inserts <= this.options.maxRows) return { ...entry.row };
    await this.flush();
    const { rows } = await this.client.query<Row>(`SELECT ${SELECTED} FROM interactions WHERE id = $1`, [id]);
    return rows[0] && toInteraction(rows[0]);
  }

  async list(filter: InteractionFilter): Promise<Interaction[]> {
    refuseNulInSqlText({
      platform: filter.platform,
      communityId: filter.communityId,
      status: filter.status,
      channelId: filter.channelId,
      user: filter.user,
      reason: filter.reason,
    });
    await this.flush();
    // Planned with the values bound, so an unset filter folds away and the matching index is used;
    // channel and user live in the event's JSON (unindexed: the table is bounded by maxRows).
    const { rows } = await this.client.query<Row>(
      `SELECT ${SELECTED} FROM interactions WHERE ($1::text IS NULL OR platform = $1)
         AND ($2::text IS NULL OR community_id = $2) AND ($3::text IS NULL OR status = $3)
         AND ($5::text IS NULL OR event->>'channelId' = $5)
         AND ($6::text IS NULL OR event->'user'->>'id' = $6 OR lower(event->'user'->>'login') = lower($6))
         AND ($7::text IS NULL OR reason = $7)
         AND ($8::float8 IS NULL OR created_at >= to_timestamp($8::float8 / 1000))
         AND ($9::float8 IS NULL OR created_at < to_timestamp($9::float8 / 1000))
       ${NEWEST_FIRST} LIMIT $4`,
      [
        filter.platform ?? null,
        filter.communityId ?? null,
        filter.status ?? null,
        filter.limit,
        filter.channelId ?? null,
        filter.user ?? null,
        filter.reason ?? null,
        filter.since ?? null,
        filter.until ?? null,
      ],
    );
    return rows.map(toInteraction);
  }

  /**
   * Writes the buffer now. When the database is down the writes go back into the buffer and this
   * rejects with StoreUnavailableError.
   */
  flush(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain.then(() => {
      this.queued = undefined;
      return this.flushOnce();
    });
    this.queued = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Deletes the rows older than `maxAgeMs` and those beyond the newest `maxRows`, then (with
   * `vacuum`) lets PostgreSQL reuse their space and recycle the write-ahead log.
   */
  async prune(): Promise<void> {
    await this.client.query(PRUNE_AGE_SQL, [this.options.now() - this.options.maxAgeMs]);
    await this.client.query(PRUNE_COUNT_SQL, [this.options.maxRows]);
    if (!this.options.vacuum) return;
    // Two statements: VACUUM cannot run inside the transaction block a multi-statement script is.
    await this.client.exec('VACUUM interactions');
    await this.client.exec('CHECKPOINT');
  }

  /** Stops the timers and writes the buffer; later writes are dropped (and reported). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pruneTimer);
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private schedule(): void {
    if (this.pending.size >= this.options.flushBatchSize && !this.failing) {
      if (!this.queued) this.background(this.flush());
      return;
    }
    if (this.timer) return;
    const { flushIntervalMs } = this.options;
    const delay = this.failing ? Math.max(flushIntervalMs, RETRY_DELAY_MS) : flushIntervalMs;
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
      await this.write([...batch]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) return this.restore(batch, error);
      // A statement error is about some row, not the database: write the rows one by one, and drop
      // (and report) only those that fail, so that one bad row cannot block the log.
      for (const [id, entry] of batch) {
        try {
          await this.write([[id, entry]]);
        } catch (rowError) {
          if (rowError instanceof StoreUnavailableError) return this.restore(batch, rowError);
          this.options.onError(rowError);
        }
        batch.delete(id);
      }
    }
    this.failing = false;
    this.reported = false;
  }

  /** Inserts, then patches, then the `maxRows` cut, in one transaction. */
  private async write(entries: [string, Pending][]): Promise<void> {
    const inserts = entries.flatMap(([, entry]) => (entry.kind === 'insert' ? [entry.row] : []));
    const patches = entries.flatMap(([id, entry]) =>
      entry.kind === 'patch' ? [{ id, patch: nullForUndefined(entry.patch) }] : [],
    );
    await this.client.transaction(async (tx) => {
      if (inserts.length > 0) await tx.query(INSERT_SQL, [toJson(inserts)]);
      if (patches.length > 0) await tx.query(UPDATE_SQL, [toJson(patches)]);
      if (inserts.length > 0) await tx.query(PRUNE_COUNT_SQL, [this.options.maxRows]);
    });
  }

  /** Puts writes that failed back under those buffered since, schedules a retry, and rethrows. */
  private restore(batch: Map<string, Pending>, error: StoreUnavailableError): never {
    const newer = this.pending;
    this.pending = batch;
    for (const [id, entry] of newer) this.pending.set(id, merge(this.pending.get(id), entry));
    const excess = this.pending.size - this.options.maxBuffered;
    if (excess > 0) {
      for (const id of [...this.pending.keys()].slice(0, excess)) this.pending.delete(id);
      this.options.onError(new Error(`interaction log buffer full: dropped the ${excess} oldest writes`));
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

  private dropped(id: string): void {
    this.options.onError(new Error(`interaction log is closed: dropped the write of ${id}`));
  }
}

/** `newer` over `older`: a whole interaction replaces; a patch merges into either. */
function merge(older: Pending | undefined, newer: Pending): Pending {
  if (!older || newer.kind === 'insert') return newer;
  if (older.kind === 'insert') return { kind: 'insert', row: { ...older.row, ...newer.patch } };
  return { kind: 'patch', patch: { ...older.patch, ...newer.patch } };
}

/**
 * What jsonb refuses in JSON text: `\u0000`, and surrogate escapes (JSON.stringify escapes a
 * surrogate only when it is lone; a pair comes out as itself). `\\` is matched first so that an
 * escaped backslash followed by "u0000" is left alone.
 */
const JSONB_REFUSED = /\\\\|\\u0000|\\ud[89a-f][0-9a-f]{2}/g;

/**
 * JSON for jsonb, which rejects NUL characters (removed here) and lone surrogates (made U+FFFD).
 * Fixed up in the JSON text rather than with a replacer: a replacer call per field took ~4% of the
 * main thread in `npm run bench:ack` (profiled), the regex pass on the text a fraction of that.
 */
function toJson(value: unknown): string {
  return JSON.stringify(value).replace(JSONB_REFUSED, (found) =>
    found === '\\\\' ? found : found === '\\u0000' ? '' : '\\ufffd',
  );
}

/** A patch key set to undefined clears the field; JSON would drop it, so it is sent as null. */
function nullForUndefined(patch: Patch): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).map(([key, value]) => [key, value ?? null]));
}

function withoutNullish<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field != null)) as Partial<T>;
}

const toInteraction = (row: Row) => withoutNullish(row) as Interaction;
