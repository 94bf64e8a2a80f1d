import { afterAll, beforeAll, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../../src/stores/community-config-store.js';
import type { Interaction } from '../../../src/stores/interaction-log.js';
import { migrate } from '../../../src/stores/postgres/migrate.js';
import type { SqlClient, SqlQueryable } from '../../../src/stores/postgres/sql-client.js';
import {
  SqlInteractionLog,
  type SqlInteractionLogOptions,
} from '../../../src/stores/postgres/sql-interaction-log.js';
import { describeNeeding } from '../../support/requirements.js';
import { waitFor } from '../../support/wait-for.js';
import { describeInteractionLogContract, interaction } from '../interaction-log.contract.js';
import { sqlBackends } from './support.js';

const DAY_MS = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A SqlClient that fails with StoreUnavailableError while `down`, and counts statements. */
function flaky(client: SqlClient): SqlClient & { down: boolean; statements: number } {
  const wrapper = {
    backend: client.backend,
    down: false,
    statements: 0,
    check() {
      wrapper.statements++;
      if (wrapper.down) throw new StoreUnavailableError(client.backend, { cause: new Error('test outage') });
    },
    async query<T>(text: string, params?: readonly unknown[]) {
      wrapper.check();
      return client.query<T>(text, params);
    },
    async exec(script: string) {
      wrapper.check();
      return client.exec(script);
    },
    async transaction<T>(work: Parameters<SqlClient['transaction']>[0]): Promise<T> {
      wrapper.check();
      return client.transaction(work) as Promise<T>;
    },
    close: () => client.close(),
  };
  return wrapper;
}

/** Records every row the interactions table is written (inserted or updated), in order. */
const ROW_WRITES_SQL = `
  CREATE TABLE row_writes (n serial, op text, id text, status text);
  CREATE FUNCTION record_row_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO row_writes (op, id, status) VALUES (TG_OP, NEW.id, NEW.status); RETURN NEW; END $$;
  CREATE TRIGGER interactions_row_writes AFTER INSERT OR UPDATE ON interactions
    FOR EACH ROW EXECUTE FUNCTION record_row_write();`;
const DROP_ROW_WRITES_SQL = `DROP TRIGGER interactions_row_writes ON interactions;
  DROP FUNCTION record_row_write(); DROP TABLE row_writes;`;

/** A SqlClient that records the first word of every statement, transactions' own included. */
function recording(client: SqlClient): SqlClient & { statements: string[] } {
  const statements: string[] = [];
  const verb = (text: string) => text.trim().split(/\s/, 1)[0] ?? '';
  const queryable = (on: SqlQueryable): SqlQueryable => ({
    query: (text, params) => {
      statements.push(verb(text));
      return on.query(text, params);
    },
    exec: (script) => {
      statements.push(verb(script));
      return on.exec(script);
    },
  });
  return {
    ...queryable(client),
    backend: client.backend,
    statements,
    transaction: async (work) => {
      statements.push('BEGIN');
      const result = await client.transaction((tx) => work(queryable(tx)));
      statements.push('COMMIT');
      return result;
    },
    close: () => client.close(),
  };
}

const backends = sqlBackends('log');

for (const backend of backends) {
  describeNeeding(backend.needs, `SqlInteractionLog on ${backend.name}`, () => {
    let client: SqlClient;
    const open: SqlInteractionLog[] = [];

    beforeAll(async () => {
      client = await backend.open();
      await migrate(client);
    }, 60_000);

    afterAll(async () => {
      for (const log of open) await log.close().catch(() => undefined);
      if (client && 'schema' in backend)
        await client.query(`DROP SCHEMA IF EXISTS ${backend.schema} CASCADE`);
      await client?.close();
    });

    /** A fresh log on an empty table; the logs made before are closed first (flushed). */
    const fresh = async (options: SqlInteractionLogOptions = {}, on: SqlClient = client) => {
      for (const log of open.splice(0)) await log.close();
      await client.query('DELETE FROM interactions');
      const log = new SqlInteractionLog(on, { flushIntervalMs: 60_000, ...options });
      open.push(log);
      return log;
    };
    const rowCount = async () =>
      (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM interactions')).rows[0]?.n;

    describeInteractionLogContract(backend.name, ({ maxSize }) => fresh({ maxRows: maxSize }));

    it('add only buffers: no statement runs until the flush, and get answers from the buffer', async () => {
      const counted = flaky(client);
      const log = await fresh({}, counted);
      for (let n = 1; n <= 50; n++) await log.add(interaction(n));
      await log.update('ia-7', { status: 'running' });
      expect(counted.statements).toBe(0);
      expect(log.buffered).toBe(50);
      expect(await log.get('ia-7')).toEqual({ ...interaction(7), status: 'running' });
      expect(counted.statements).toBe(0);
      await log.flush();
      expect(await rowCount()).toBe(50);
      expect(log.buffered).toBe(0);
    });

    it('writes the buffer after flushIntervalMs, and at once when it holds flushBatchSize', async () => {
      const timed = await fresh({ flushIntervalMs: 20 });
      await timed.add(interaction(1));
      await expect.poll(rowCount, { timeout: 5_000 }).toBe(1);

      const batched = await fresh({ flushBatchSize: 10 });
      for (let n = 1; n <= 9; n++) await batched.add(interaction(n));
      await sleep(50);
      expect(await rowCount()).toBe(0);
      await batched.add(interaction(10));
      await expect.poll(rowCount, { timeout: 5_000 }).toBe(10);
    });

    it('reads see updates of rows written before, and fields set to undefined are cleared', async () => {
      const log = await fresh();
      await log.add({ ...interaction(1), reason: 'waiting', sessionId: 's-1', callbackUrl: 'http://x/cb' });
      await log.flush();
      await log.update('ia-1', { status: 'failed', reason: undefined, completedAt: 5_000 });
      expect(await log.list({ status: 'failed', limit: 10 })).toEqual([
        {
          ...interaction(1),
          status: 'failed',
          sessionId: 's-1',
          callbackUrl: 'http://x/cb',
          completedAt: 5_000,
        },
      ]);
    });

    it('never moves a row back when two processes flush out of order (api queued, worker done)', async () => {
      const api = await fresh();
      const worker = new SqlInteractionLog(client, { flushIntervalMs: 60_000 });
      open.push(worker);
      // The worker runs and finishes the interaction before the api's buffer is written.
      await api.add(interaction(1));
      await worker.add({ ...interaction(1), status: 'running' });
      await worker.update('ia-1', { status: 'done', completedAt: 9_000 });
      await worker.flush();
      await api.flush();
      expect(await worker.get('ia-1')).toMatchObject({ status: 'done', completedAt: 9_000 });
      // In order, a later state still replaces an earlier one.
      await api.add(interaction(2));
      await api.flush();
      await worker.add({ ...interaction(2), status: 'running' });
      await worker.flush();
      expect(await api.get('ia-2')).toMatchObject({ status: 'running' });
    });

    it('stores the event without raw, and survives NUL characters and lone surrogates', async () => {
      const log = await fresh();
      const odd = interaction(2);
      odd.event = { ...odd.event, text: 'a\u0000b \ud800 c' };
      await log.add({
        ...interaction(1),
        event: { ...interaction(1).event, raw: { secret: 'x' } } as Interaction['event'],
      });
      await log.add(odd);
      await log.flush();
      const { rows } = await client.query<{ raw: boolean }>("SELECT event ? 'raw' AS raw FROM interactions");
      expect(rows).toEqual([{ raw: false }, { raw: false }]);
      expect((await log.get('ia-1'))?.event).toEqual(interaction(1).event);
      expect((await log.get('ia-2'))?.event.text).toBe('ab \ufffd c');
    });

    it('prunes rows older than maxAgeMs, and beyond maxRows written by others', async () => {
      const now = 100 * DAY_MS;
      const log = await fresh({ maxAgeMs: 7 * DAY_MS, maxRows: 3, now: () => now });
      const at = (n: number, createdAt: number) => ({ ...interaction(n), createdAt });
      await log.add(at(1, now - 8 * DAY_MS));
      await log.add(at(2, now - 6 * DAY_MS));
      await log.add(at(3, now - 1_000));
      await log.flush();
      await log.prune();
      expect((await log.list({ limit: 10 })).map((item) => item.id)).toEqual(['ia-3', 'ia-2']);

      for (const n of [4, 5, 6]) {
        await client.query(
          `INSERT INTO interactions (id, event, platform, community_id, status, created_at)
           VALUES ($1, '{}'::jsonb, 'twitch', 'c', 'done', to_timestamp($2::float8 / 1000))`,
          [`other-${n}`, now - n],
        );
      }
      await log.prune();
      expect(await rowCount()).toBe(3);
    });

    it('keeps writes buffered while the database is down, reports once, and catches up after', async () => {
      const errors: unknown[] = [];
      const outage = flaky(client);
      const log = await fresh({ flushIntervalMs: 20, onError: (error) => errors.push(error) }, outage);
      outage.down = true;
      await log.add(interaction(1));
      await log.add(interaction(2));
      await waitFor(() => errors.length > 0, 5_000, 'the first failed flush');
      await log.update('ia-1', { status: 'done' });
      await expect(log.list({ limit: 10 })).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(log.buffered).toBe(2);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(StoreUnavailableError);

      outage.down = false;
      await expect.poll(rowCount, { timeout: 5_000 }).toBe(2);
      expect((await log.list({ limit: 10 })).map((item) => [item.id, item.status])).toEqual([
        ['ia-2', 'queued'],
        ['ia-1', 'done'],
      ]);
      expect(errors).toHaveLength(1);
    });

    it('drops the oldest buffered writes past maxBuffered during an outage', async () => {
      const errors: unknown[] = [];
      const outage = flaky(client);
      const log = await fresh({ maxBuffered: 3, onError: (error) => errors.push(error) }, outage);
      outage.down = true;
      for (let n = 1; n <= 5; n++) await log.add(interaction(n));
      await expect(log.flush()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(log.buffered).toBe(3);
      expect(String(errors[0])).toMatch(/dropped the 2 oldest/);
      outage.down = false;
      await log.flush();
      expect((await log.list({ limit: 10 })).map((item) => item.id)).toEqual(['ia-5', 'ia-4', 'ia-3']);
    });

    it('close writes the buffer; writes after close are reported, not thrown', async () => {
      const errors: unknown[] = [];
      const log = await fresh({ onError: (error) => errors.push(error) });
      await log.add(interaction(1));
      await log.close();
      expect(await rowCount()).toBe(1);
      await log.add(interaction(2));
      await log.update('ia-1', { status: 'done' });
      expect(errors.map(String)).toEqual([
        expect.stringMatching(/closed: dropped the write of ia-2/),
        expect.stringMatching(/closed: dropped the write of ia-1/),
      ]);
    });

    it('writes one row per state change, and one row for all the states one flush holds', async () => {
      await client.exec(ROW_WRITES_SQL);
      try {
        const log = await fresh();
        // queued, running and done before a flush: the row is written once, done.
        await log.add(interaction(1));
        await log.update('ia-1', { status: 'running' });
        await log.update('ia-1', { status: 'done', completedAt: 9_000 });
        await log.flush();
        // Each state in a flush of its own: one row write each.
        await log.add(interaction(2));
        await log.flush();
        await log.update('ia-2', { status: 'running' });
        await log.flush();
        await log.update('ia-2', { status: 'done', completedAt: 9_000 });
        await log.flush();
        const { rows } = await client.query('SELECT op, id, status FROM row_writes ORDER BY n');
        expect(rows).toEqual([
          { op: 'INSERT', id: 'ia-1', status: 'done' },
          { op: 'INSERT', id: 'ia-2', status: 'queued' },
          { op: 'UPDATE', id: 'ia-2', status: 'running' },
          { op: 'UPDATE', id: 'ia-2', status: 'done' },
        ]);
      } finally {
        await client.exec(DROP_ROW_WRITES_SQL);
      }
    });

    it('writes a whole buffer in one transaction: one insert for all its rows, then the maxRows cut', async () => {
      const recorded = recording(client);
      const log = await fresh({}, recorded);
      for (let n = 1; n <= 500; n++) await log.add(interaction(n));
      await log.flush();
      expect(recorded.statements).toEqual(['BEGIN', 'INSERT', 'DELETE', 'COMMIT']);
      expect(await rowCount()).toBe(500);
    });

    it('keeps the table from growing on disk while rows come and go (PGlite has no autovacuum)', async () => {
      // PGlite's log vacuums by default (it has no autovacuum); on PostgreSQL autovacuum does it in
      // its own time, so the test asks the log for it there, to hold the same bound on both.
      const vacuum = client.backend === 'pglite' ? undefined : true;
      // The rows' createdAt is ~1 s after the epoch: a clock there keeps the age cut out of it.
      const log = await fresh({ maxRows: 500, vacuum, now: () => 100_000 });
      const tableBytes = async () =>
        Number(
          (await client.query<{ n: string }>("SELECT pg_total_relation_size('interactions')::text AS n"))
            .rows[0]?.n,
        );
      const cycle = async (round: number) => {
        for (let n = 1; n <= 1_000; n++) await log.add(interaction(round * 1_000 + n));
        await log.flush();
        await log.prune();
      };
      await cycle(0);
      await cycle(1);
      const settled = await tableBytes();
      for (let round = 2; round < 8; round++) await cycle(round);
      expect(await rowCount()).toBe(500);
      expect(await tableBytes()).toBeLessThanOrEqual(settled * 1.25);
    });

    it('keeps text that only looks like a refused escape, and surrogate pairs', async () => {
      const log = await fresh();
      const lookalikes = String.raw`a literal \u0000 and \ud800`;
      const text = `${lookalikes} 😀 and a lone \udc00`;
      await log.add({ ...interaction(1), event: { ...interaction(1).event, text } });
      await log.flush();
      const { rows } = await client.query<{ text: string }>(
        "SELECT event->>'text' AS text FROM interactions",
      );
      expect(rows).toEqual([{ text: `${lookalikes} 😀 and a lone \ufffd` }]);
    });
  });
}
