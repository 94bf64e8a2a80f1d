/**
 * The messages between PgliteSqlClient (main thread) and the worker thread that owns the PGlite
 * instance (pglite-thread.ts). Types only: the thread imports nothing of ours at run time, so that
 * Node can run its TypeScript source as it is (type stripping) under vitest and tsx alike.
 */

/** What the thread is started with (`workerData`). */
export interface PgliteThreadData {
  /** A directory (existing), or `memory://`. */
  dataDir: string;
  /** Server settings to start PostgreSQL with (`-c name=value`), on top of PGlite's own start parameters. */
  settings: Record<string, string>;
}

/**
 * A request to the thread; `id` pairs it with its answer. `tx` runs a statement inside the open
 * transaction whose `begin` request had that id; `end` commits or rolls that transaction back.
 */
export type PgliteRequest =
  | { id: number; op: 'query'; text: string; params: unknown[]; tx?: number }
  | { id: number; op: 'exec'; script: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/**
 * What the thread sends: once, when PGlite has started (`error` when it could not, after which the
 * thread ends); then one answer per request: a `query`'s rows, or nothing; or the error it failed with.
 */
export type PgliteMessage =
  | { id: 'started'; error?: WireError }
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: WireError };

/**
 * An error as it crosses the thread boundary (structured clone keeps neither the class nor fields
 * such as `code`). `database`: a PGlite DatabaseError (an SQL error); `closed`: PGlite was closed.
 */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  database: boolean;
  closed: boolean;
  /** The error's own string, number and boolean fields (`code`, `detail`, `constraint` …). */
  fields: Record<string, string | number | boolean>;
}
