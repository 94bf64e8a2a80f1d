/**
 * The worker thread that owns the embedded database: one PGlite instance, answering the requests
 * of PgliteSqlClient (see pglite-thread-protocol.ts). PGlite runs PostgreSQL in WASM synchronously
 * on the thread that calls it; here that is not the thread serving HTTP.
 *
 * Only `import type` from our own files: Node runs this file's TypeScript source by stripping the
 * types, and a relative `.js` import would not resolve next to a `.ts` file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { messages, PGlite, type Transaction } from '@electric-sql/pglite';
import type { PgliteMessage, PgliteRequest, PgliteThreadData, WireError } from './pglite-thread-protocol.js';

/** An open transaction: its handle, how to end it, and its end (COMMIT or ROLLBACK done). */
interface OpenTransaction {
  tx: Transaction;
  finish(commit: boolean): void;
  done: Promise<void>;
}

/** Thrown inside PGlite's transaction callback to make it roll back; never leaves this file. */
const ROLLBACK = Symbol('rollback');

const port = parentPort;
if (!port) throw new Error('pglite-thread.ts runs as a worker thread (new Worker), not on its own');
const { dataDir, settings } = workerData as PgliteThreadData;
const startParams = [
  ...PGlite.defaultStartParams,
  ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
];
const db = new PGlite(dataDir, { startParams });
const open = new Map<number, OpenTransaction>();

const post = (message: PgliteMessage) => port.postMessage(message);

db.waitReady.then(
  () => post({ id: 'started' }),
  (error: unknown) => {
    post({ id: 'started', error: toWire(error) });
    port.close();
  },
);

// PGlite queues statements itself: a statement outside a transaction waits for an open one to end,
// as it did when PGlite ran on the main thread.
port.on('message', (request: PgliteRequest) => {
  handle(request).then(
    (value) => post({ id: request.id, ok: true, value }),
    (error: unknown) => post({ id: request.id, ok: false, error: toWire(error) }),
  );
});

async function handle(request: PgliteRequest): Promise<unknown> {
  if (request.op === 'close') {
    if (!db.closed) await db.close();
    return undefined;
  }
  if (db.closed) throw Object.assign(new Error('PGlite is closed'), { closed: true });
  switch (request.op) {
    case 'query':
      return (await target(request.tx).query(request.text, request.params)).rows;
    case 'exec':
      await target(request.tx).exec(request.script);
      return undefined;
    case 'begin':
      open.set(request.id, await begin());
      return undefined;
    case 'end':
      return end(request.tx, request.commit);
  }
}

/** The database, or the open transaction `tx`. */
function target(tx: number | undefined): Pick<Transaction, 'query' | 'exec'> {
  if (tx === undefined) return db;
  const transaction = open.get(tx);
  if (!transaction) throw new Error(`no open transaction ${tx}`);
  return transaction.tx;
}

/** Opens a transaction that stays open until `end` says how it ends. */
async function begin(): Promise<OpenTransaction> {
  let finish: (commit: boolean) => void = () => undefined;
  const outcome = new Promise<boolean>((resolve) => {
    finish = resolve;
  });
  let opened: (tx: Transaction) => void = () => undefined;
  const started = new Promise<Transaction>((resolve) => {
    opened = resolve;
  });
  const done = db
    .transaction(async (tx) => {
      opened(tx);
      if (!(await outcome)) throw ROLLBACK;
    })
    .then(
      () => undefined,
      (error: unknown) => {
        if (error !== ROLLBACK) throw error;
      },
    );
  // BEGIN itself failed: `done` settles before the callback ever ran.
  const tx = await Promise.race([
    started,
    done.then(() => {
      throw new Error('the transaction ended before it began');
    }),
  ]);
  return { tx, finish, done };
}

/** Commits (or rolls back) transaction `tx`; rejects with COMMIT's error. */
async function end(tx: number, commit: boolean): Promise<void> {
  const transaction = open.get(tx);
  if (!transaction) throw new Error(`no open transaction ${tx}`);
  open.delete(tx);
  transaction.finish(commit);
  await transaction.done;
}

/** `error` with its class and fields named, for the main thread to rebuild. */
function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: String(error), database: false, closed: false, fields: {} };
  }
  const fields: WireError['fields'] = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[key] = value;
  }
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    database: error instanceof messages.DatabaseError,
    closed: fields.closed === true,
    fields,
  };
}
