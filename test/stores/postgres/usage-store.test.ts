import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryUsageStore } from '../../../src/stores/memory/memory-usage-store.js';
import { migrate } from '../../../src/stores/postgres/migrate.js';
import type { SqlClient } from '../../../src/stores/postgres/sql-client.js';
import { SqlUsageStore } from '../../../src/stores/postgres/sql-usage-store.js';
import type { UsageRecord, UsageStore } from '../../../src/stores/usage-store.js';
import { describeNeeding } from '../../support/requirements.js';
import { sqlBackends } from './support.js';

const record = (fields: Partial<UsageRecord>): UsageRecord => ({
  day: '2026-12-03',
  communityId: 'twitch:channel:1',
  channelId: 'main',
  userId: 'u1',
  model: 'm1',
  keyId: '',
  requests: 1,
  promptTokens: 30,
  completionTokens: 20,
  ...fields,
});

/** What every UsageStore does: adds into one row per key, groups and filters, keeps cost unknown when no price was. */
function usageStoreContract(name: string, open: () => Promise<UsageStore>) {
  describe(`${name}: UsageStore`, () => {
    let store: UsageStore;
    beforeAll(async () => {
      store = await open();
    });

    it('sums rows by day, user, model and key within the range, and filters by community, user and key', async () => {
      store.add(record({ costUsd: 0.5 }));
      store.add(record({ costUsd: 0.25 }));
      store.add(record({ userId: 'u2', model: 'm2' }));
      store.add(record({ day: '2026-12-04', keyId: 'k1', costUsd: 1 }));
      store.add(record({ day: '2026-12-05', communityId: 'other' }));
      const range = { from: '2026-12-01', to: '2026-12-04', communityId: 'twitch:channel:1' };
      expect(await store.query({ ...range, groupBy: 'day' })).toEqual([
        { day: '2026-12-03', requests: 3, promptTokens: 90, completionTokens: 60, costUsd: 0.75 },
        { day: '2026-12-04', requests: 1, promptTokens: 30, completionTokens: 20, costUsd: 1 },
      ]);
      // u2 used an unpriced model only: no cost.
      expect(await store.query({ ...range, groupBy: 'user' })).toEqual([
        { userId: 'u1', requests: 3, promptTokens: 90, completionTokens: 60, costUsd: 1.75 },
        { userId: 'u2', requests: 1, promptTokens: 30, completionTokens: 20 },
      ]);
      expect(await store.query({ ...range, groupBy: 'model', userId: 'u2' })).toEqual([
        { model: 'm2', requests: 1, promptTokens: 30, completionTokens: 20 },
      ]);
      expect(await store.query({ ...range, groupBy: 'key', keyId: 'k1' })).toEqual([
        { keyId: 'k1', requests: 1, promptTokens: 30, completionTokens: 20, costUsd: 1 },
      ]);
      expect(await store.query({ from: '2026-12-05', to: '2026-12-05', groupBy: 'day' })).toEqual([
        { day: '2026-12-05', requests: 1, promptTokens: 30, completionTokens: 20 },
      ]);
    });
  });
}

usageStoreContract('memory', async () => new MemoryUsageStore());

for (const backend of sqlBackends('usage_store')) {
  describeNeeding(backend.needs, `usage totals on ${backend.name}`, () => {
    let client: SqlClient;
    beforeAll(async () => {
      client = await backend.open();
      await migrate(client);
    });
    afterAll(async () => {
      if (backend.schema) await client.exec(`DROP SCHEMA IF EXISTS ${backend.schema} CASCADE`);
      await client.close();
    });

    // A flush interval no test waits for: reads must see the buffer, and close must write it.
    usageStoreContract(backend.name, async () => new SqlUsageStore(client, { flushIntervalMs: 60_000 }));

    it('writes what is buffered at close, adding to the rows already there', async () => {
      const first = new SqlUsageStore(client, { flushIntervalMs: 60_000 });
      first.add(record({ communityId: 'closing', costUsd: 0.1 }));
      await first.close();
      const second = new SqlUsageStore(client, { flushIntervalMs: 60_000 });
      second.add(record({ communityId: 'closing', costUsd: 0.2 }));
      await second.close();
      const { rows } = await client.query<{ requests: string; cost_usd: number }>(
        "SELECT requests::text, cost_usd FROM usage_daily WHERE community_id = 'closing'",
      );
      expect(rows).toEqual([{ requests: '2', cost_usd: expect.closeTo(0.3, 9) }]);
    });

    it('stores ids with NUL and lone surrogates cleaned, and refuses a NUL in a filter with a 400-type error', async () => {
      const store = new SqlUsageStore(client, { flushIntervalMs: 60_000 });
      store.add(record({ communityId: 'dirty', userId: 'a\u0000b\ud800' }));
      expect(
        await store.query({ from: '2026-12-03', to: '2026-12-03', communityId: 'dirty', groupBy: 'user' }),
      ).toEqual([{ userId: 'ab\ufffd', requests: 1, promptTokens: 30, completionTokens: 20 }]);
      await expect(
        store.query({ from: '2026-12-03', to: '2026-12-03', userId: 'x\u0000', groupBy: 'user' }),
      ).rejects.toThrow(/user_id: must not contain NUL/);
      await store.close();
    });
  });
}
