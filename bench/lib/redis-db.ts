import { Redis } from 'ioredis';
import { deleteByPrefix } from '../../test/stores/redis/support.js';

/**
 * A Redis database of its own for a benchmark: an empty numbered database (1–10, tried in random
 * order; 11–15 are flushed by test/scale and `scale.ts`) on the server of `baseUrl`. chatgate's
 * BullMQ queue uses a fixed key prefix that the benchmarks cannot set through `createServices`; a
 * database nobody else uses keeps those keys apart from other runs, and `cleanup` deletes them.
 * @throws when the server does not answer, or every database 1–10 holds keys.
 */
export async function privateRedisDb(
  baseUrl: string,
  prefix = 'chatgate',
): Promise<{ url: string; db: number; cleanup(): Promise<number> }> {
  const admin = new Redis(baseUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  try {
    const dbs = Array.from({ length: 10 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    for (const db of dbs) {
      await admin.select(db);
      if ((await admin.dbsize()) > 0) continue;
      const url = `${baseUrl.replace(/\/\d*$/, '')}/${db}`;
      return { url, db, cleanup: () => deleteIn(url, prefix) };
    }
  } finally {
    admin.disconnect();
  }
  throw new Error(`no empty Redis database (1–10) at ${baseUrl}`);
}

/** Deletes every key under `prefix` in the database of `url`; returns how many. */
async function deleteIn(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await deleteByPrefix(client, prefix);
  } finally {
    client.disconnect();
  }
}
