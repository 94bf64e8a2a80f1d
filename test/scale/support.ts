import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort, startRedisServer } from '../stores/redis/support.js';
import { interactionBody } from '../support/events.js';
import { TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * Settings shared by the multi-process tests: every mention answered (no cooldowns, no reply cap),
 * a queue bound far above the test's load, and quick retries. Written as a CHATGATE_CONFIG file.
 */
export function scaleConfig(): Record<string, unknown> {
  return {
    triggers: { kinds: { mention: { userCooldownMs: 0, channelCooldownMs: 0 } } },
    limits: { channelReplyCap: { max: 1_000_000, windowMs: 60_000 } },
    ai: { retry: { initialDelayMs: 1, maxDelayMs: 5 } },
    // The callback receiver listens on 127.0.0.1.
    callbacks: { allowedHosts: ['127.0.0.1'] },
  };
}

/**
 * A Redis of the test file's own: a `redis-server` child on a free loopback port, so that runs at
 * the same time (other checkouts on the same machine) never share or flush each other's keys.
 * `REDIS_URL` for the processes, a client to look with, and `stop()` to end both.
 */
export async function privateRedis(): Promise<{ url: string; client: Redis; stop(): Promise<void> }> {
  const server = await startRedisServer(await freePort());
  const url = `redis://127.0.0.1:${server.port}`;
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  return {
    url,
    client,
    async stop() {
      await client.quit();
      await server.kill();
    },
  };
}

/** The body of one HTTP interaction that mentions the bot, with its own event id and callback. */
export function mentionBody(eventId: string, callbackUrl: string, user = 'u1'): string {
  return JSON.stringify(
    interactionBody({
      id: eventId,
      community_id: 'api:scale',
      channel_id: 'scale',
      user: { id: user, login: user },
      text: `@chatgate hello, this is ${eventId}`,
      callback_url: callbackUrl,
    }),
  );
}

/** POSTs an interaction; resolves with the ack's status (`queued`, `ignored`…) or throws on non-2xx. */
export async function postInteraction(baseUrl: string, body: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/ai/interaction`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const ack = (await response.json()) as { status?: string };
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(ack)}`);
  return ack.status ?? 'unknown';
}

/** Runs `task` over `items` with at most `limit` in flight; resolves with the results in order. */
export async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * A PostgreSQL schema of its own on the test machine's database, created empty: `DATABASE_URL` for
 * the processes (`search_path` set through the URL's `options`) and `drop()` to remove it.
 */
export async function privatePostgres(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = TEST_DATABASE_URL;
  const schema = `${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return {
    url: `${base}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
