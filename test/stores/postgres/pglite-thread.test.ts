import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../../src/stores/community-config-store.js';
import { PgliteSqlClient } from '../../../src/stores/postgres/pglite-sql-client.js';

/** A statement that keeps PGlite busy for a while (a few hundred ms on a quiet machine). */
const BUSY_SQL = 'SELECT count(*)::int AS n FROM generate_series(1, 2000000)';

/**
 * How often the caller's event loop turned (a setImmediate ran) while `work` was pending. PGlite
 * on the calling thread runs a statement synchronously, between two turns: 0.
 */
async function loopTurnsDuring(work: Promise<unknown>): Promise<number> {
  let turns = 0;
  let settled = false;
  const spin = () => {
    if (settled) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  await work.finally(() => {
    settled = true;
  });
  return turns;
}

describe('PgliteSqlClient: PGlite in a worker thread', { timeout: 60_000 }, () => {
  // One database for the tests that leave it usable (start-up costs seconds); the crash gets its own.
  let client: PgliteSqlClient;
  beforeAll(async () => {
    client = new PgliteSqlClient({ dataDir: 'memory://' });
    await client.ready();
  }, 60_000);
  afterAll(() => client?.close());

  it('runs statements off the main thread: the event loop keeps turning while PGlite works', async () => {
    expect(client.thread.threadId).not.toBe(threadId);
    const busy = client.query<{ n: number }>(BUSY_SQL);
    expect(await loopTurnsDuring(busy)).toBeGreaterThan(0);
    expect((await busy).rows).toEqual([{ n: 2_000_000 }]);
  });

  it('keeps a transaction to itself: a statement sent while it is open runs after its rollback', async () => {
    await client.exec('CREATE TABLE t (x int)');
    let outside: Promise<{ rows: { n: number }[] }> | undefined;
    let outsideDone = false;
    const rolledBack = client.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (1)');
      outside = client.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
      void outside.then(() => {
        outsideDone = true;
      });
      // Answered after `outside` was sent: the thread has seen it, and held it back.
      await tx.query('SELECT 1');
      expect(outsideDone).toBe(false);
      throw new Error('undo');
    });
    await expect(rolledBack).rejects.toThrow('undo');
    expect((await outside)?.rows).toEqual([{ n: 0 }]);
  });

  it('passes SQL errors through as PGlite raised them, with their fields', async () => {
    const error = await client.query('SELECT * FROM missing_table').catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ code: '42P01', message: 'relation "missing_table" does not exist' });
    await expect(client.query('SELECT 1 AS one')).resolves.toEqual({ rows: [{ one: 1 }] });
  });

  it('reports a crashed thread as StoreUnavailableError, for the statement running and every later one', async () => {
    const crashing = new PgliteSqlClient({ dataDir: 'memory://' });
    await crashing.ready();
    const running = crashing.query(BUSY_SQL);
    await crashing.thread.terminate();
    await expect(running).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(crashing.query('SELECT 1')).rejects.toThrow('pglite is unavailable');
    await expect(crashing.transaction(async (tx) => tx.query('SELECT 1'))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await crashing.close();
  });
});
