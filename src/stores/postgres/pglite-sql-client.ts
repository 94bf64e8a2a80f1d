import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { messages } from '@electric-sql/pglite';
import { StoreUnavailableError } from '../community-config-store.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import type { PgliteMessage, PgliteRequest, PgliteThreadData, WireError } from './pglite-thread-protocol.js';
import type { SqlClient, SqlParams, SqlQueryable } from './sql-client.js';

/** Options of PgliteSqlClient. */
export interface PgliteSqlClientOptions {
  /**
   * A directory (created when missing), or `memory://` for a database that lives as long as the
   * client. A directory is locked (`<dataDir>.lock`) while the client is open.
   */
  dataDir: string;
  /**
   * PostgreSQL settings to start with (`shared_buffers`, `max_wal_size` …); default
   * `EMBEDDED_SETTINGS`. `{}` starts PGlite as it comes (benchmarks compare the two).
   */
  settings?: Record<string, string>;
}

/**
 * The embedded database's settings. PostgreSQL's defaults are sized for a server of its own:
 * `shared_buffers` 128 MB lives in the WASM heap here, which only grows, and `max_wal_size` 1 GB lets
 * the write-ahead log take 1 GB of disk before a checkpoint recycles it (PGlite has no checkpointer:
 * SqlInteractionLog checkpoints after each prune). chatgate's tables are small
 * (the interaction log keeps `interactions.logSize` rows), so a 16 MB cache holds them, and the log
 * is checkpointed every 64 MB (`bench/pglite-footprint.ts` measures both).
 * https://www.postgresql.org/docs/current/runtime-config-resource.html,
 * https://www.postgresql.org/docs/current/runtime-config-wal.html#RUNTIME-CONFIG-WAL-CHECKPOINTS
 */
export const EMBEDDED_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  max_wal_size: '64MB',
  min_wal_size: '32MB',
};

/** A request without its id, which `send` assigns. */
type Request = PgliteRequest extends infer R ? (R extends PgliteRequest ? Omit<R, 'id'> : never) : never;

// The thread's source sits next to this file: TypeScript under vitest and tsx (Node strips the
// types; tsx's loader, inherited through execArgv, would do too), JavaScript in the built dist/.
const THREAD_FILE = new URL(
  import.meta.url.endsWith('.ts') ? './pglite-thread.ts' : './pglite-thread.js',
  import.meta.url,
);

/**
 * SqlClient on PGlite (PostgreSQL in WASM, one connection), run in a worker thread of its own
 * (pglite-thread.ts): PGlite computes synchronously on the thread that calls it, which on the main
 * thread would stall every HTTP request for as long as a statement runs. Statements and
 * transactions go to the thread as messages, in order; PGlite runs them one at a time, a
 * transaction's statements before anyone else's. Start-up takes about 0.2 s on an existing
 * directory and 1.5–4 s for a new one (initdb); `ready()` waits for it.
 *
 * One process at a time: the constructor throws DataDirLockedError when another live process has
 * the directory open (two PGlite instances on one directory corrupt it).
 *
 * Errors arrive as they would in process: SQL errors as PGlite's `DatabaseError` with its fields
 * (`code`, `detail` …); a PGlite that is closed, failed to start, or whose thread died (crashed or
 * was terminated) as StoreUnavailableError.
 */
export class PgliteSqlClient implements SqlClient {
  readonly backend = 'pglite';
  /** The worker thread that owns the database (its `threadId`; tests end it to play a crash). */
  readonly thread: Worker;
  private readonly calls = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  private readonly started: Promise<void>;
  private nextId = 1;
  /** Set once the database can no longer answer: every later statement rejects with it. */
  private gone: StoreUnavailableError | undefined;
  private closing: Promise<void> | undefined;
  private readonly lock: DataDirLock | undefined;

  /** @throws DataDirLockedError when another live process holds `options.dataDir`. */
  constructor(readonly options: PgliteSqlClientOptions) {
    const { dataDir } = options;
    if (!dataDir.includes('://')) {
      mkdirSync(dataDir, { recursive: true });
      this.lock = lockDataDir(dataDir);
    }
    const workerData: PgliteThreadData = {
      dataDir,
      settings: { ...(options.settings ?? EMBEDDED_SETTINGS) },
    };
    this.thread = new Worker(THREAD_FILE, { workerData });
    this.thread.on('message', (message: PgliteMessage) => this.answer(message));
    this.thread.on('error', (error) => this.lose(error));
    this.thread.on('exit', (code) => this.lose(new Error(`the PGlite thread exited with code ${code}`)));
    // Registered after the handlers above, so `gone` is set by the time these run.
    this.started = new Promise<void>((resolve, reject) => {
      this.thread.on('message', (message: PgliteMessage) => {
        if (message.id !== 'started') return;
        if (!message.error) return resolve();
        this.lose(fromWire(message.error));
        reject(this.gone);
      });
      this.thread.once('exit', () => reject(this.gone));
    });
    // Rejections are seen by whoever awaits `ready()` or a statement, not as unhandled.
    this.started.catch(() => undefined);
  }

  /** Waits for start-up; rejects with StoreUnavailableError when the database cannot start. */
  async ready(): Promise<void> {
    await this.started;
  }

  async query<T>(text: string, params: SqlParams = []): Promise<{ rows: T[] }> {
    return { rows: (await this.statement({ op: 'query', text, params: [...params] })) as T[] };
  }

  async exec(script: string): Promise<void> {
    await this.statement({ op: 'exec', script });
  }

  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    // The `begin` request's id names the transaction for the statements inside it.
    const tx = this.nextId++;
    await this.statement({ op: 'begin' }, tx);
    let result: T;
    try {
      result = await work({
        query: async <R>(text: string, params: SqlParams = []) => ({
          rows: (await this.statement({ op: 'query', text, params: [...params], tx })) as R[],
        }),
        exec: async (script: string) => {
          await this.statement({ op: 'exec', script, tx });
        },
      });
    } catch (error) {
      await this.send({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.send({ op: 'end', tx, commit: true });
    return result;
  }

  /** Closes the database in its thread, then ends the thread; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.started.catch(() => undefined);
      if (!this.gone) await this.send({ op: 'close' }).catch(() => undefined);
      this.lose(new Error('PGlite is closed'));
      await this.thread.terminate();
      this.lock?.release();
    })();
    return this.closing;
  }

  /** A statement from a caller: refused once `close()` has begun. */
  private async statement(request: Request, id?: number): Promise<unknown> {
    await this.started;
    if (this.closing) throw unavailable(new Error('PGlite is closed'));
    return this.send(request, id);
  }

  /** Posts `request` and waits for its answer. The thread keeps the process alive only while one is due. */
  private send(request: Request, id = this.nextId++): Promise<unknown> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.thread.ref();
      this.thread.postMessage({ ...request, id });
    });
  }

  private answer(message: PgliteMessage): void {
    if (message.id === 'started') {
      this.idle();
      return;
    }
    const call = this.calls.get(message.id);
    if (!call) return;
    this.calls.delete(message.id);
    this.idle();
    if (message.ok) call.resolve(message.value);
    else call.reject(message.error.closed ? unavailable(fromWire(message.error)) : fromWire(message.error));
  }

  /** The database is gone (closed, thread crashed or ended): every waiting and later call fails. */
  private lose(cause: unknown): void {
    this.gone ??= unavailable(cause);
    for (const call of this.calls.values()) call.reject(this.gone);
    this.calls.clear();
  }

  private idle(): void {
    if (this.calls.size === 0) this.thread.unref();
  }
}

const unavailable = (cause: unknown) => new StoreUnavailableError('pglite', { cause });

/** The error the thread sent, rebuilt: a PGlite DatabaseError for SQL errors, else an Error. */
function fromWire(wire: WireError): Error {
  const { length, name, ...fields } = wire.fields;
  const error = wire.database
    ? new messages.DatabaseError(wire.message, Number(length ?? 0), name as messages.MessageName)
    : Object.assign(new Error(wire.message), { name: wire.name });
  Object.assign(error, fields);
  if (wire.stack) error.stack = wire.stack;
  return error;
}
