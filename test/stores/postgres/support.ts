/** What the SQL store tests share: where PostgreSQL is, whether it answers, and both backends. */
import { randomBytes } from 'node:crypto';
import { openSqlClient, type SqlClient } from '../../../src/stores/postgres/sql-client.js';

/** The shared PostgreSQL of the test machine; `TEST_DATABASE_URL` to point elsewhere. */
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers at PG_URL (checked once per test file). */
export const pgAnswers: boolean = await openSqlClient({ databaseUrl: PG_URL, dataDir: 'unused' }).then(
  (client) => client.close().then(() => true),
  () => false,
);

export interface SqlBackend {
  name: string;
  enabled: boolean;
  /** PostgreSQL only: the schema of this run, to drop afterwards. */
  schema?: string;
  open(): Promise<SqlClient>;
}

/**
 * PGlite in memory, and PostgreSQL in a schema of its own (`<label>_<pid>_<random>`), or skipped
 * with the reason in its name when nothing answers.
 */
export function sqlBackends(label: string): SqlBackend[] {
  if (!pgAnswers) console.warn(`[${label}] PostgreSQL suites skipped: nothing answers at ${PG_URL}`);
  const schema = `chatgate_test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
  return [
    { name: 'PGlite (memory://)', enabled: true, open: () => openSqlClient({ dataDir: 'memory://' }) },
    {
      name: pgAnswers ? 'PostgreSQL' : `PostgreSQL (skipped: nothing answers at ${PG_URL})`,
      enabled: pgAnswers,
      schema,
      open: () => openSqlClient({ databaseUrl: PG_URL, dataDir: 'unused', schema }),
    },
  ];
}
