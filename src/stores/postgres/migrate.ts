import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlClient, SqlQueryable } from './sql-client.js';

/**
 * The SQL migrations, next to the sources: `src/stores/migrations` seen from `src/stores/postgres/`
 * under tsx, or from `dist/src/stores/postgres/` after tsc (which does not copy .sql files).
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
const FALLBACK_MIGRATIONS_DIR = fileURLToPath(new URL('../../../../src/stores/migrations/', import.meta.url));

/** Any number taken by both backends for `pg_advisory_xact_lock`: one migrator at a time. */
const LOCK_ID = 7_314_001;

/** A migration file that was applied has changed since, or the folder is unusable. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** One migration file: `NNN_name.sql`. */
export interface Migration {
  name: string;
  sql: string;
  /** sha256 of the file, hex; an applied migration must keep it. */
  checksum: string;
}

/** The folder holding the migrations: the source tree's, wherever this module runs from. */
export function migrationsDir(): string {
  return existsSync(MIGRATIONS_DIR) ? MIGRATIONS_DIR : FALLBACK_MIGRATIONS_DIR;
}

/**
 * Reads `*.sql` of `dir`, in name order (zero-padded numbers: `001_init.sql`, `002_…`).
 * @throws MigrationError when the folder cannot be read.
 */
export function readMigrations(dir = migrationsDir()): Migration[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.sql'));
  } catch (error) {
    throw new MigrationError(`cannot read the migrations in ${dir}`, { cause: error });
  }
  return names.sort().map((name) => {
    const sql = readFileSync(join(dir, name), 'utf8');
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

interface AppliedRow {
  name: string;
  checksum: string;
}

/**
 * Brings the database up to date: applies each migration not yet in `schema_migrations`, in name
 * order, each in its own transaction together with its row in `schema_migrations`. Several
 * instances starting at once take turns (an advisory lock per transaction). Running it again
 * applies nothing.
 * @param migrations what to apply; the files of `migrationsDir()` by default.
 * @returns the names applied by this call.
 * @throws MigrationError when an applied migration's file has changed since.
 * @throws StoreUnavailableError when the database cannot be reached.
 */
export async function migrate(client: SqlClient, migrations = readMigrations()): Promise<string[]> {
  const applied = await client.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<AppliedRow>('SELECT name, checksum FROM schema_migrations');
    return new Map(rows.map((row) => [row.name, row.checksum]));
  });
  for (const { name, checksum } of migrations) {
    const known = applied.get(name);
    if (known !== undefined && known !== checksum) {
      throw new MigrationError(
        `migration ${name} was changed after it was applied; add a new migration instead of editing it`,
      );
    }
  }

  const done: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue;
    const ran = await client.transaction(async (tx) => {
      await lock(tx);
      // Another instance may have applied it while this one waited for the lock.
      const { rows } = await tx.query<AppliedRow>(
        'SELECT name, checksum FROM schema_migrations WHERE name = $1',
        [migration.name],
      );
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    if (ran) done.push(migration.name);
  }
  return done;
}

async function lock(tx: SqlQueryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
}
