import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryChannelStore } from '../../../src/stores/channel-store.js';
import { migrate } from '../../../src/stores/postgres/migrate.js';
import { SqlChannelStore } from '../../../src/stores/postgres/sql-channel-store.js';
import type { SqlClient } from '../../../src/stores/postgres/sql-client.js';
import { describeNeeding } from '../../support/requirements.js';
import { sqlBackends } from './support.js';

const backends = sqlBackends('chan');

for (const backend of backends) {
  describeNeeding(backend.needs, `ChannelStore on ${backend.name}`, () => {
    let client: SqlClient | undefined;
    beforeAll(async () => {
      client = await backend.open();
      await migrate(client);
    });
    afterAll(async () => {
      if (client && backend.schema) await client.query(`DROP SCHEMA IF EXISTS ${backend.schema} CASCADE`);
      await client?.close();
    });

    it('remembers channels per platform in the order added, once each, and forgets removed ones', async () => {
      const store = new SqlChannelStore(client as SqlClient);
      await store.add('twitch', 'alpha');
      await store.add('twitch', 'beta');
      await store.add('twitch', 'alpha');
      await store.add('kick', 'gamma');
      expect(await store.list('twitch')).toEqual(['alpha', 'beta']);
      await store.remove('twitch', 'alpha');
      expect(await store.list('twitch')).toEqual(['beta']);
      expect(await store.list('kick')).toEqual(['gamma']);
    });
  });
}

describe('ChannelStore in memory', () => {
  it('behaves like the SQL one', async () => {
    const store = new MemoryChannelStore();
    await store.add('twitch', 'alpha');
    await store.add('twitch', 'alpha');
    await store.add('twitch', 'beta');
    await store.remove('twitch', 'alpha');
    expect(await store.list('twitch')).toEqual(['beta']);
  });
});
