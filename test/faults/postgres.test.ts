/**
 * Fault matrix (issue 19): PostgreSQL down and back, seen through chatgate's public surface.
 * chatgate (memory queue, no Redis) keeps its community configs and interaction log on the
 * machine's PostgreSQL, in a schema of this file's own, reached through a TCP proxy
 * (`test/support/tcp-proxy.ts`) that the test cuts and restores: the database "goes down" for
 * chatgate alone.
 *
 * | fault              | expected outcome                                                                |
 * |--------------------|---------------------------------------------------------------------------------|
 * | PostgreSQL cut     | events acked (202) and answered (callbacks); the log buffers them, and          |
 * |                    | `GET /api/v1/ai/interaction/:id` still answers; community config reads and      |
 * |                    | writes answer 503 in the error shape, never a 500 or a hang; ready, `degraded`  |
 * | PostgreSQL back    | every buffered interaction is in the database; the config API works again;      |
 * |                    | readiness back to `ready`                                                       |
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { buildStores } from '../../src/stores/store-set.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { privatePostgres } from '../scale/support.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { interactionBody } from '../support/events.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

const COMMUNITY = 'api:pg-faults';
const CONFIG_URL = `/api/v1/communities/${COMMUNITY}/config`;

/** `url` with its host and port replaced by the proxy's. */
function throughProxy(url: string, proxy: TcpProxy): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
}

/** Resolves with the response and how long it took, ms. */
async function timedInject(app: FastifyInstance, options: InjectOptions) {
  const started = performance.now();
  const response = await app.inject(options);
  return { response, ms: performance.now() - started };
}

/** A 503 `store_unavailable` in the project's error shape, with `Retry-After`. */
function expectStoreUnavailable(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBe(503);
  expect(response.headers['retry-after']).toBe('5');
  expect(response.json()).toEqual({
    detail: 'postgres is unavailable; retry later',
    error_code: 'store_unavailable',
    retry_after: 5,
    timestamp: expect.any(String),
    correlation_id: expect.any(String),
  });
}

describeNeeding(['postgres'], 'fault matrix: PostgreSQL down and back', () => {
  let database: { url: string; drop(): Promise<void> };
  let proxy: TcpProxy;
  let ollama: FakeServer;
  let receiver: CallbackReceiver;
  let chatgate: Pipeline;
  /** The test's own look at the schema, straight to PostgreSQL (not through the proxy). */
  let look: pg.Client;

  beforeAll(async () => {
    database = await privatePostgres('faults_pg');
    const target = new URL(database.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    ollama = await startFakeOllama();
    receiver = await startCallbackReceiver();
    const config = testConfig({
      triggers: { kinds: { mention: { userCooldownMs: 0, channelCooldownMs: 0 } } },
      limits: { channelReplyCap: { max: 1_000_000, windowMs: 60_000 } },
      ai: { ollama: { host: ollama.url } },
      stores: { databaseUrl: throughProxy(database.url, proxy) },
    });
    chatgate = await startPipeline(config, await buildStores(config, createLogger('silent')));
    look = new pg.Client({ connectionString: database.url });
    await look.connect();
  }, 30_000);
  afterAll(async () => {
    proxy?.restore();
    await chatgate?.close({ graceMs: 2000 });
    await look?.end();
    await proxy?.close();
    await database?.drop();
    await receiver?.close();
    await ollama?.close();
  }, 30_000);

  async function mention(user: string, text: string) {
    const response = await chatgate.app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      payload: interactionBody({
        community_id: COMMUNITY,
        channel_id: 'pg',
        user: { id: user, login: user },
        text: `@chatgate ${text}`,
        callback_url: receiver.url,
      }),
    });
    expect(response.statusCode, response.body).toBe(202);
    return response.json().interaction_id as string;
  }

  async function rowsOf(ids: string[]) {
    const { rows } = await look.query<{ id: string; status: string; reply: unknown }>(
      'SELECT id, status, reply FROM interactions WHERE id = ANY($1)',
      [ids],
    );
    return rows;
  }

  it('cut → acked, answered, buffered, config 503, degraded; restored → all in the database, config works', async () => {
    const { app } = chatgate;
    const put = await app.inject({
      method: 'PUT',
      url: CONFIG_URL,
      payload: { system_prompt: 'You are the outage bot.' },
    });
    expect(put.statusCode, put.body).toBe(200);
    const before = await mention('ann', 'before the cut');
    await waitFor(async () => (await rowsOf([before]))[0]?.status === 'done', 10_000, 'the row of the first');

    // PostgreSQL cut.
    proxy.cut();
    const during = [
      await mention('ben', 'first during the cut'),
      await mention('cat', 'second during the cut'),
    ];
    await waitFor(
      () => during.every((id) => receiver.distinct().has(id)),
      10_000,
      'callbacks during the cut',
    );
    for (const id of during) {
      expect(receiver.distinct().get(id)?.body.success).toBe(true);
      const read = await app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${id}` });
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toMatchObject({ status: 'done' });
    }

    // Community config reads and writes: a clean 503 to retry, quickly (no 500, no hang).
    const read = await timedInject(app, { method: 'GET', url: CONFIG_URL });
    const write = await timedInject(app, {
      method: 'PUT',
      url: CONFIG_URL,
      payload: { system_prompt: 'written during the cut' },
    });
    for (const { response, ms } of [read, write]) {
      expectStoreUnavailable(response);
      expect(ms).toBeLessThan(6000); // within the pool's connect timeout: not hung
    }
    // Readiness: still ready to take events, but degraded; the log holds the rows in memory.
    const ready = await waitFor(
      async () => {
        const response = await app.inject({ method: 'GET', url: '/health/ready' });
        return response.json().status === 'degraded' ? response : undefined;
      },
      5000,
      'readiness to say degraded',
    );
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.stores).toMatchObject({ database: 'postgres', interaction_log: 'degraded' });
    const status = await app.inject({ method: 'GET', url: '/api/v1/ai/status' });
    expect(status.json().stores).toMatchObject({ interaction_log: 'degraded' });
    expect(await rowsOf(during)).toEqual([]);

    // PostgreSQL back: every buffered interaction lands, the config API works again.
    proxy.restore();
    await waitFor(
      async () => (await rowsOf(during)).filter((row) => row.status === 'done').length === during.length,
      15_000,
      'the buffered rows in the database',
    );
    const rows = await rowsOf([before, ...during]);
    expect(rows.map((row) => row.status)).toEqual(['done', 'done', 'done']);
    expect(rows.every((row) => row.reply !== null)).toBe(true);
    const again = await app.inject({ method: 'GET', url: CONFIG_URL });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ system_prompt: 'You are the outage bot.' });
    const rewrite = await app.inject({
      method: 'PUT',
      url: CONFIG_URL,
      payload: { system_prompt: 'written after the cut' },
    });
    expect(rewrite.statusCode, rewrite.body).toBe(200);
    await waitFor(
      async () => (await app.inject({ method: 'GET', url: '/health/ready' })).json().status === 'ready',
      5000,
      'readiness back to ready',
    );
    // Nothing answered twice.
    expect(receiver.received).toHaveLength(3);
  }, 60_000);
});
