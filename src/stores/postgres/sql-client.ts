import { join } from 'node:path';
import { Pool, type PoolClient } from 'pg';
import { StoreUnavailableError } from '../community-config-store.js';
import { PgliteSqlClient } from './pglite-sql-client.js';

/** Statement parameters, `$1`, `$2` …: strings, numbers, booleans, null, Buffers (bytea). */
export type SqlParams = readonly unknown[];

/** What runs statements: the client itself, or one transaction of it. */
export interface SqlQueryable {
  /** One statement with `$n` parameters. Rows come back with PostgreSQL's types parsed. */
  query<T>(text: string, params?: SqlParams): Promise<{ rows: T[] }>;
  /** A script of several statements, without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * The little of SQL the stores need, over PostgreSQL (pg Pool) or PGlite. Both return jsonb parsed,
 * float8/int4 as numbers and timestamptz as Date; bytea is a Buffer on pg, a Uint8Array on PGlite.
 * Connection failures reject with StoreUnavailableError; SQL errors pass through as they are.
 */
export interface SqlClient extends SqlQueryable {
  readonly backend: 'postgres' | 'pglite';
  /** Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** Closes the pool or the database; idempotent. */
  close(): Promise<void>;
}

/** Node and pg errors that mean "no usable connection", as opposed to a bad statement. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end|connection error|Client was closed/i;

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return CONNECTION_MESSAGES.test(error.message);
}

function unavailable(store: string, error: unknown): unknown {
  return isConnectionError(error) ? new StoreUnavailableError(store, { cause: error }) : error;
}

/** Options of PgSqlClient. */
export interface PgSqlClientOptions {
  /** `postgres://user@host:port/db` (`DATABASE_URL`). */
  connectionString: string;
  /**
   * A schema to work in (created when missing), set as `search_path` on every connection: tests
   * isolate per run with it. Lower-case letters, digits and `_`.
   */
  schema?: string;
  /** Pool size; 10 by default. */
  max?: number;
  /** How long to wait for a connection before the store counts as unavailable, ms; 5000 by default. */
  connectionTimeoutMs?: number;
  /** Errors of idle connections (the server went away); they must not crash the process. */
  onError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * SqlClient on a pg Pool. Nothing connects until the first statement (or `ready()`).
 * @throws RangeError when `schema` is not a plain lower-case identifier.
 */
export class PgSqlClient implements SqlClient {
  readonly backend = 'postgres';
  private readonly pool: Pool;
  private schemaReady: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: PgSqlClientOptions) {
    const { schema } = options;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new RangeError(`schema must match ${SCHEMA_NAME}: ${JSON.stringify(schema)}`);
    }
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      // In the startup packet, so it holds from the first statement on every connection.
      options: schema ? `-c search_path=${schema}` : undefined,
    });
    this.pool.on('error', (error) => options.onError?.(error));
  }

  /** Connects once (and creates the schema); rejects with StoreUnavailableError when it cannot. */
  async ready(): Promise<void> {
    const { schema } = this.options;
    if (!schema) {
      await this.query('SELECT 1');
      return;
    }
    this.schemaReady ??= this.run((client) => client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)).then(
      () => undefined,
      (error: unknown) => {
        // Two clients creating the same schema at once: the loser sees a duplicate, which is fine.
        const code = (error as { code?: unknown }).code;
        if (code === '23505' || code === '42P06') return;
        this.schemaReady = undefined;
        throw error;
      },
    );
    await this.schemaReady;
  }

  async query<T>(text: string, params: SqlParams = []): Promise<{ rows: T[] }> {
    if (this.options.schema) await this.ready();
    const result = await this.run((client) => client.query(text, [...params]));
    return { rows: result.rows as T[] };
  }

  async exec(script: string): Promise<void> {
    if (this.options.schema) await this.ready();
    await this.run((client) => client.query(script));
  }

  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    if (this.options.schema) await this.ready();
    return this.run(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work({
          query: async <R>(text: string, params: SqlParams = []) => {
            const { rows } = await client.query(text, [...params]);
            return { rows: rows as R[] };
          },
          exec: async (script: string) => {
            await client.query(script);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Runs `work` on a pooled connection, mapping connection failures to StoreUnavailableError. */
  private async run<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailableError('postgres', { cause: error });
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      throw unavailable('postgres', error);
    } finally {
      // A connection that failed is destroyed rather than handed to the next caller.
      client.release(broken);
    }
  }
}

/** Where the stores live: `stores.databaseUrl` and `stores.dataDir` of the config. */
export interface SqlClientConfig {
  /** `DATABASE_URL`; PostgreSQL when set. */
  databaseUrl?: string;
  /** `CHATGATE_DATA_DIR`; PGlite keeps its files in `<dataDir>/pglite` when `databaseUrl` is unset. */
  dataDir: string;
  /** PostgreSQL only: work in this schema (tests). */
  schema?: string;
  onError?: (error: Error) => void;
}

/**
 * PostgreSQL when `databaseUrl` is set, else PGlite under `<dataDir>/pglite` (`memory://` as
 * `dataDir` keeps it in memory). Waits until the database answers; run `migrate()` next.
 * @throws StoreUnavailableError when the database cannot be reached or started.
 */
export async function openSqlClient(config: SqlClientConfig): Promise<SqlClient> {
  const client = config.databaseUrl
    ? new PgSqlClient({
        connectionString: config.databaseUrl,
        schema: config.schema,
        onError: config.onError,
      })
    : new PgliteSqlClient({
        dataDir: config.dataDir === 'memory://' ? 'memory://' : join(config.dataDir, 'pglite'),
      });
  try {
    await client.ready();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  return client;
}
