import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../../src/stores/community-config-store.js';
import {
  MIGRATIONS_DIR,
  MigrationError,
  migrate,
  migrationsDir,
  readMigrations,
} from '../../../src/stores/postgres/migrate.js';
import { openSqlClient, PgSqlClient, type SqlClient } from '../../../src/stores/postgres/sql-client.js';
import { SqlCommunityConfigStore } from '../../../src/stores/postgres/sql-community-config-store.js';
import { SqlInteractionLog } from '../../../src/stores/postgres/sql-interaction-log.js';
import { describeNeeding } from '../../support/requirements.js';
import { interaction } from '../interaction-log.contract.js';
import { PG_URL, sqlBackends } from './support.js';

const backends = sqlBackends('mig');

const tables = async (client: SqlClient) =>
  (
    await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() ORDER BY table_name`,
    )
  ).rows.map((row) => row.name);

describe('migration files', () => {
  it('are found in the source tree, numbered, and read in order', () => {
    expect(migrationsDir()).toBe(MIGRATIONS_DIR);
    expect(MIGRATIONS_DIR.replaceAll('\\', '/')).toMatch(/src\/stores\/migrations\/$/);
    const migrations = readMigrations();
    expect(migrations[0]?.name).toBe('001_init.sql');
    expect(migrations.map((m) => m.name)).toEqual(migrations.map((m) => m.name).sort());
    for (const m of migrations) expect(m.name).toMatch(/^\d{3}_[a-z0-9_]+\.sql$/);
  });
});

for (const backend of backends) {
  describeNeeding(backend.needs, `migrate on ${backend.name}`, () => {
    let client: SqlClient;

    beforeAll(async () => {
      client = await backend.open();
    }, 60_000);

    afterAll(async () => {
      if (client && 'schema' in backend)
        await client.query(`DROP SCHEMA IF EXISTS ${backend.schema} CASCADE`);
      await client?.close();
    });

    it('applies every migration once; running it again applies nothing', async () => {
      expect(await migrate(client)).toEqual(readMigrations().map((m) => m.name));
      expect(await migrate(client)).toEqual([]);
      expect(await tables(client)).toEqual([
        'ai_module_config',
        'client_keys',
        'interactions',
        'platform_channels',
        'platform_grants',
        'schema_migrations',
        'usage_daily',
      ]);
      const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
      expect(rows.map((row) => row.name)).toEqual(readMigrations().map((m) => m.name));
    });

    it('refuses an applied migration whose file has changed', async () => {
      const changed = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
      await expect(migrate(client, changed)).rejects.toThrow(MigrationError);
      await expect(migrate(client, changed)).rejects.toThrow(/001_init.sql was changed after it was applied/);
    });

    it('rolls back a failing migration, and applies the next ones later', async () => {
      const base = readMigrations();
      const broken = {
        name: '999_broken.sql',
        sql: 'CREATE TABLE half_done (a int); SELECT nope;',
        checksum: 'x',
      };
      await expect(migrate(client, [...base, broken])).rejects.toThrow();
      expect(await tables(client)).not.toContain('half_done');
      const fixed = { ...broken, sql: 'CREATE TABLE half_done (a int);' };
      expect(await migrate(client, [...base, fixed])).toEqual(['999_broken.sql']);
      await client.exec(
        'DROP TABLE half_done; DELETE FROM schema_migrations WHERE name = $$999_broken.sql$$;',
      );
    });
  });
}

describeNeeding(['postgres'], 'migrate on PostgreSQL, several instances at once', () => {
  const own = `chatgate_test_mig2_${process.pid}_${randomBytes(4).toString('hex')}`;
  const clients: SqlClient[] = [];

  afterAll(async () => {
    await clients[0]?.query(`DROP SCHEMA IF EXISTS ${own} CASCADE`);
    for (const client of clients) await client.close();
  });

  it('applies each migration exactly once', async () => {
    const opened = [1, 2, 3].map(() => openSqlClient({ databaseUrl: PG_URL, dataDir: '', schema: own }));
    clients.push(...(await Promise.all(opened)));
    const applied = await Promise.all(clients.map((client) => migrate(client)));
    const names = readMigrations().map((m) => m.name);
    // The instances take turns migration by migration, so one may apply 006 after another applied
    // 001–005: all of them once between them, and each instance's own in order.
    expect(applied.flat().sort()).toEqual(names);
    for (const own of applied) expect(own).toEqual([...own].sort());
  });
});

describe('PGlite on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatgate-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps configuration and interactions across close and reopen', { timeout: 60_000 }, async () => {
    const secretKey = 'a-test-secret-of-32-characters!!';
    const first = await openSqlClient({ dataDir: dir });
    expect(existsSync(join(dir, 'pglite'))).toBe(true);
    expect(await migrate(first)).toEqual([
      '001_init.sql',
      '002_platform_channels.sql',
      '003_response_cache.sql',
      '004_community_safety.sql',
      '005_usage.sql',
      '006_client_keys.sql',
      '007_community_presence.sql',
      '008_platform_grants.sql',
    ]);
    await new SqlCommunityConfigStore(first, { secretKey }).put('twitch:channel:1', {
      model: 'llama3.2',
      apiKey: 'sk-persisted-key-1234',
    });
    const log = new SqlInteractionLog(first);
    await log.add(interaction(1));
    await log.close();
    await first.close();

    const second = await openSqlClient({ dataDir: dir });
    try {
      expect(await migrate(second)).toEqual([]);
      const store = new SqlCommunityConfigStore(second, { secretKey });
      expect(await store.get('twitch:channel:1')).toMatchObject({ model: 'llama3.2', hasApiKey: true });
      expect(await store.secret('twitch:channel:1')).toBe('sk-persisted-key-1234');
      expect(await new SqlInteractionLog(second).get('ia-1')).toEqual(interaction(1));
    } finally {
      await second.close();
    }
  });
});

describe('SqlClient failures', () => {
  it('reports an unreachable PostgreSQL as StoreUnavailableError', async () => {
    const url = 'postgres://postgres@127.0.0.1:1/test';
    await expect(openSqlClient({ databaseUrl: url, dataDir: '' })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    const client = new PgSqlClient({ connectionString: url, connectionTimeoutMs: 1_000 });
    await expect(client.query('SELECT 1')).rejects.toThrow('postgres is unavailable');
    await expect(client.transaction(async () => 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    await client.close();
    await expect(client.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => new PgSqlClient({ connectionString: PG_URL, schema: 'x; DROP TABLE y' })).toThrow(
      RangeError,
    );
  });

  it('passes SQL errors through, and reports a closed PGlite as StoreUnavailableError', {
    timeout: 60_000,
  }, async () => {
    const client = await openSqlClient({ dataDir: 'memory://' });
    const error = await client.query('SELECT nope').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    await expect(client.transaction(async (tx) => tx.query('SELECT 1 AS one'))).resolves.toEqual({
      rows: [{ one: 1 }],
    });
    await client.close();
    await client.close();
    await expect(client.query('SELECT 1')).rejects.toThrow('pglite is unavailable');
  });
});
