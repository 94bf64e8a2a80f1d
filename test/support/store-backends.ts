/**
 * The store backends an HTTP suite runs its app on: in-process stores, and the community configs,
 * interaction log, usage totals and client keys on PGlite and on PostgreSQL (a schema of the run's own, dropped at close);
 * the other stores stay in memory.
 */
import type { Config } from '../../src/config/schema.js';
import { migrate } from '../../src/stores/postgres/migrate.js';
import { SqlClientKeyStore } from '../../src/stores/postgres/sql-client-key-store.js';
import { SqlCommunityConfigStore } from '../../src/stores/postgres/sql-community-config-store.js';
import { SqlInteractionLog } from '../../src/stores/postgres/sql-interaction-log.js';
import { SqlUsageStore } from '../../src/stores/postgres/sql-usage-store.js';
import { memoryStores, type StoreSet } from '../../src/stores/store-set.js';
import { type SqlBackend, sqlBackends } from '../stores/postgres/support.js';
import type { Requirement } from './requirements.js';

/** Where an app under test keeps its community configs and interaction log. */
export interface StoreBackend {
  name: string;
  /** What the backend needs from the machine (for `describeNeeding`). */
  needs: Requirement[];
  /** In-process stores only (no SQL). */
  memory: boolean;
  /** The stores on `config` (its secret key encrypts stored provider keys), and how to drop them. */
  open(config: Config): Promise<{ stores: StoreSet; close(): Promise<void> }>;
}

/** SQL community configs and interaction log over `sql`; the rest in memory. */
function sqlStoreBackend(sql: SqlBackend): StoreBackend {
  return {
    name: sql.name,
    needs: sql.needs,
    memory: false,
    async open(config) {
      const client = await sql.open();
      await migrate(client);
      const interactions = new SqlInteractionLog(client, { flushIntervalMs: 5 });
      const usage = new SqlUsageStore(client, { flushIntervalMs: 5 });
      const stores: StoreSet = {
        ...memoryStores(config),
        interactions,
        usage,
        communityConfigs: new SqlCommunityConfigStore(client, { secretKey: config.stores.secretKey }),
        clientKeys: new SqlClientKeyStore(client),
      };
      return {
        stores,
        async close() {
          await Promise.all([interactions.close(), usage.close()]);
          if (sql.schema) await client.exec(`DROP SCHEMA IF EXISTS ${sql.schema} CASCADE`);
          await client.close();
        },
      };
    },
  };
}

/** Memory stores, PGlite, and PostgreSQL in a schema named after `label` (see `sqlBackends`). */
export function storeBackends(label: string): StoreBackend[] {
  return [
    {
      name: 'memory stores',
      needs: [],
      memory: true,
      open: async (config) => ({ stores: memoryStores(config), close: async () => {} }),
    },
    ...sqlBackends(label).map(sqlStoreBackend),
  ];
}
