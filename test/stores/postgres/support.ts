/** What the SQL store tests share: where PostgreSQL is, and both SQL backends. */
import { randomBytes } from 'node:crypto';
import { openSqlClient, type SqlClient } from '../../../src/stores/postgres/sql-client.js';
import type { Requirement } from '../../support/requirements.js';
import { TEST_DATABASE_URL } from '../../support/requirements.js';

/** The shared PostgreSQL of the test machine (`TEST_DATABASE_URL` to point elsewhere). */
export const PG_URL = TEST_DATABASE_URL;

export interface SqlBackend {
  name: string;
  /** What the backend needs from the machine (for `describeNeeding`): nothing, or PostgreSQL. */
  needs: Requirement[];
  /** PostgreSQL only: the schema of this run, to drop afterwards. */
  schema?: string;
  open(): Promise<SqlClient>;
}

/** PGlite in memory, and PostgreSQL in a schema of its own (`chatgate_test_<label>_<pid>_<random>`). */
export function sqlBackends(label: string): SqlBackend[] {
  const schema = `chatgate_test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
  return [
    { name: 'PGlite (memory://)', needs: [], open: () => openSqlClient({ dataDir: 'memory://' }) },
    {
      name: 'PostgreSQL',
      needs: ['postgres'],
      schema,
      open: () => openSqlClient({ databaseUrl: PG_URL, dataDir: 'unused', schema }),
    },
  ];
}
