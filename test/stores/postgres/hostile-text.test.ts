import { afterAll, beforeAll, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { migrate } from '../../../src/stores/postgres/migrate.js';
import { SqlChannelStore } from '../../../src/stores/postgres/sql-channel-store.js';
import type { SqlClient } from '../../../src/stores/postgres/sql-client.js';
import { SqlCommunityConfigStore } from '../../../src/stores/postgres/sql-community-config-store.js';
import { SqlInteractionLog } from '../../../src/stores/postgres/sql-interaction-log.js';
import { describeNeeding } from '../../support/requirements.js';
import { interaction } from '../interaction-log.contract.js';
import { sqlBackends } from './support.js';

/** A rejection with ValidationError whose field is `field` (a 400 at the edge, never a 500). */
async function expectRefused(work: Promise<unknown>, field: string): Promise<void> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).field).toBe(field);
}

for (const backend of sqlBackends('hostile_text')) {
  describeNeeding(backend.needs, `the SQL stores with text PostgreSQL refuses (${backend.name})`, () => {
    let client: SqlClient;
    let log: SqlInteractionLog;

    beforeAll(async () => {
      client = await backend.open();
      await migrate(client);
      log = new SqlInteractionLog(client, { flushIntervalMs: 60_000 });
    }, 60_000);

    afterAll(async () => {
      await log?.close();
      if (client && backend.schema) await client.query(`DROP SCHEMA IF EXISTS ${backend.schema} CASCADE`);
      await client?.close();
    });

    it('community configs: a NUL in an id or a text column is a ValidationError naming it', async () => {
      const store = new SqlCommunityConfigStore(client);
      await expectRefused(store.get('a\u0000b'), 'communityId');
      await expectRefused(store.secret('a\u0000b'), 'communityId');
      await expectRefused(store.delete('a\u0000b'), 'communityId');
      await expectRefused(store.put('a\u0000b', { model: 'm' }), 'communityId');
      await expectRefused(store.put('api:ok', { model: 'm\u0000' }), 'model');
      await expectRefused(store.patch('api:ok', { systemPrompt: 'be\u0000 nice' }), 'systemPrompt');
      // Nothing was written, and the store still works.
      expect(await store.get('api:ok')).toBeUndefined();
      expect((await store.put('api:ok', { model: 'm' })).model).toBe('m');
    });

    it('the interaction log: a NUL in a looked-up id or filter is a ValidationError naming it', async () => {
      await expectRefused(log.get('a\u0000b'), 'id');
      await expectRefused(log.list({ communityId: 'a\u0000b', limit: 5 }), 'communityId');
      await expectRefused(log.list({ platform: 'a\u0000b', limit: 5 }), 'platform');
    });

    it('joined channels: a NUL in a name is a ValidationError naming it', async () => {
      const channels = new SqlChannelStore(client);
      await expectRefused(channels.add('twitch', 'a\u0000b'), 'channel');
      await expectRefused(channels.list('t\u0000'), 'platform');
      await expectRefused(channels.remove('twitch', 'a\u0000b'), 'channel');
    });

    it('keeps an interaction whose meta and text hold NUL and lone surrogates readable', async () => {
      const base = interaction(1);
      const hostile = {
        ...base,
        id: 'ia-hostile-text',
        event: {
          ...base.event,
          text: 'hi\u0000 \ud800',
          meta: { 'k\u0000ey': 'v\u0000', 'x\udc00y': '\ud83d', fine: 1 },
        },
      };
      await log.add(hostile);
      await log.flush();
      const [read] = await log
        .list({ limit: 50 })
        .then((rows) => rows.filter((row) => row.id === hostile.id));
      expect(read?.event.text).toBe('hi \ufffd');
      expect(read?.event.meta).toEqual({ key: 'v', 'x\ufffdy': '\ufffd', fine: 1 });
    });
  });
}
