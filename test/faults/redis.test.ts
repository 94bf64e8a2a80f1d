/**
 * Fault matrix (issue 19): Redis down and back, seen through chatgate's public surface (the
 * interaction endpoint with a callback receiver, `/health/ready`, `/api/v1/ai/status`). chatgate
 * runs in this process on a `redis-server` of the test's own, which is killed with SIGKILL and
 * started again on the same port.
 *
 * | queue  | fault                 | expected outcome                                                                 |
 * |--------|-----------------------|----------------------------------------------------------------------------------|
 * | memory | Redis killed          | events acked (202) and answered; context from memory; ready but `degraded`,      |
 * |        |                       | status `redis: down`, `context: memory`                                          |
 * | memory | Redis back            | ready again, `redis: up`, `context: redis`; new turns stored in Redis; every     |
 * |        |                       | accepted event answered exactly once                                             |
 * | redis  | Redis killed          | events refused at once: 503 `queue_unavailable` with `Retry-After`, never a 202  |
 * |        |                       | that is never answered, never a 500 or a hang; ready 503 `not_ready`, queue      |
 * |        |                       | `unavailable` (a load balancer sends the events elsewhere)                       |
 * | redis  | Redis back (its AOF)  | events accepted before the outage and not yet run are answered; new events       |
 * |        |                       | accepted and answered; every accepted event answered exactly once                |
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeepPartial } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/observability/logger.js';
import { buildStores } from '../../src/stores/store-set.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { freePort, keysByPrefix, type RedisServer, startRedisServer } from '../stores/redis/support.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { interactionBody } from '../support/events.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

/** Every mention answered: no cooldowns, no reply cap. */
const ANSWER_ALL: DeepPartial<Config> = {
  triggers: { kinds: { mention: { userCooldownMs: 0, channelCooldownMs: 0 } } },
  limits: { channelReplyCap: { max: 1_000_000, windowMs: 60_000 } },
};

/** A redis-server of this file's own, killed and restarted on one port; `aof` keeps its data across. */
class PrivateRedis {
  server: RedisServer | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'chatgate-faults-redis-'));

  private constructor(
    readonly port: number,
    private readonly aof: boolean,
  ) {}

  static async start(options: { aof: boolean }): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), options.aof);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again); with `aof`, every write was fsynced, so it comes back with all of them. */
  async restart(): Promise<void> {
    const persistence = this.aof ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir] : [];
    this.server = await startRedisServer(this.port, persistence);
  }

  kill(): Promise<void> {
    return this.server?.kill('SIGKILL') ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** chatgate on `redis` (context, keys, and the queue when `queue` is `redis`), PGlite in memory. */
async function chatgateOn(
  redis: PrivateRedis,
  ollama: FakeServer,
  backend: 'memory' | 'redis',
  queue: DeepPartial<Config['queue']> = {},
): Promise<Pipeline> {
  const config = testConfig({
    ...ANSWER_ALL,
    ai: { ollama: { host: ollama.url } },
    stores: { redisUrl: redis.url, dataDir: 'memory://' },
    // A job whose worker lost Redis mid-run is taken over 1 s after Redis is back (default 30 s).
    queue: { backend, stalledIntervalMs: 1000, ...queue },
  });
  return startPipeline(config, await buildStores(config, createLogger('silent')));
}

/** Posts a mention from `user` with a callback to `receiver`. */
function mention(app: FastifyInstance, receiver: CallbackReceiver, user: string, text: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/ai/interaction',
    payload: interactionBody({
      community_id: 'api:faults',
      channel_id: 'faults',
      user: { id: user, login: user },
      text: `@chatgate ${text}`,
      callback_url: receiver.url,
    }),
  });
}

async function readiness(app: FastifyInstance) {
  const response = await app.inject({ method: 'GET', url: '/health/ready' });
  return { code: response.statusCode, body: response.json() };
}

async function stores(app: FastifyInstance) {
  return (await app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json().stores;
}

/** The texts of the user turns the fake model was sent for the call whose last turn mentions `marker`. */
function userTurnsOfCall(ollama: FakeServer, marker: string): string[] {
  const call = ollama.calls.find((c) => {
    const messages = (c.body as { messages?: { role: string; content: string }[] })?.messages ?? [];
    return messages.at(-1)?.content.includes(marker);
  });
  if (!call) throw new Error(`no model call for ${marker}`);
  const messages = (call.body as { messages: { role: string; content: string }[] }).messages;
  return messages.filter((m) => m.role === 'user').map((m) => m.content);
}

/** Waits until every id in `ids` has a callback, then checks none came twice and all succeeded. */
async function expectAnsweredOnce(receiver: CallbackReceiver, ids: string[]): Promise<void> {
  await waitFor(
    () => ids.every((id) => receiver.distinct().has(id)),
    20_000,
    `callbacks for ${ids.length} interactions`,
  );
  for (const id of ids) {
    const callbacks = receiver.received.filter((c) => c.body.interaction_id === id);
    expect(callbacks, id).toHaveLength(1);
    expect(callbacks[0]?.body.success, id).toBe(true);
  }
}

describeNeeding(['redis-server'], 'fault matrix: Redis down and back', () => {
  let ollama: FakeServer;
  let receiver: CallbackReceiver;
  let redis: PrivateRedis | undefined;
  let chatgate: Pipeline | undefined;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    receiver = await startCallbackReceiver();
  });
  beforeEach(() => {
    ollama.reset();
    receiver.received.length = 0;
  });
  afterEach(async () => {
    await chatgate?.close({ graceMs: 2000 });
    await redis?.stop();
    chatgate = undefined;
    redis = undefined;
  }, 20_000);
  afterAll(async () => {
    await receiver?.close();
    await ollama?.close();
  });

  describe('memory queue, context and keys on Redis', () => {
    it('Redis killed → acked, answered from memory context, degraded; back → on Redis again, none lost', async () => {
      redis = await PrivateRedis.start({ aof: false });
      chatgate = await chatgateOn(redis, ollama, 'memory');
      const { app } = chatgate;
      const look = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
      const accepted: string[] = [];
      const send = async (user: string, text: string) => {
        const response = await mention(app, receiver, user, text);
        expect(response.statusCode, response.body).toBe(202);
        accepted.push(response.json().interaction_id);
      };
      try {
        expect(await readiness(app)).toMatchObject({ code: 200, body: { status: 'ready' } });
        await send('alice', 'before the outage');
        await expectAnsweredOnce(receiver, accepted);

        // Redis killed: degraded, not dead.
        await redis.kill();
        await waitFor(async () => (await stores(app)).redis === 'down', 5000, 'status to say redis down');
        expect(await readiness(app)).toMatchObject({
          code: 200,
          body: { status: 'degraded', checks: { stores: { redis: 'down', context: 'memory' } } },
        });
        expect(await stores(app)).toMatchObject({ redis: 'down', context: 'memory' });

        // Events still acked and answered; the conversation goes on in memory.
        await send('bob', 'first while down');
        await expectAnsweredOnce(receiver, accepted);
        await send('bob', 'second while down');
        await expectAnsweredOnce(receiver, accepted);
        const bobsTurns = userTurnsOfCall(ollama, 'second while down');
        expect(bobsTurns.some((turn) => turn.includes('first while down'))).toBe(true);

        // Redis back: up, context on Redis again (the restarted server is empty: no persistence).
        await redis.restart();
        await waitFor(async () => (await stores(app)).redis === 'up', 10_000, 'status to say redis up');
        await waitFor(async () => (await stores(app)).context === 'redis', 5000, 'context back on redis');
        expect(await readiness(app)).toMatchObject({ code: 200, body: { status: 'ready' } });
        await send('carol', 'after the outage');
        await expectAnsweredOnce(receiver, accepted);
        await look.connect();
        expect((await keysByPrefix(look, 'chatgate:ctx:')).some((key) => key.includes('carol'))).toBe(true);

        // Nothing lost, nothing twice: every accepted event has exactly one successful callback.
        expect(accepted).toHaveLength(4);
        await expectAnsweredOnce(receiver, accepted);
      } finally {
        look.disconnect();
      }
    }, 60_000);
  });

  describe('redis queue (BullMQ) on the same Redis', () => {
    it('Redis killed → 503 queue_unavailable at once; back → accepted events answered, none lost', async () => {
      redis = await PrivateRedis.start({ aof: true });
      chatgate = await chatgateOn(redis, ollama, 'redis', { maxConcurrent: 1 });
      const { app } = chatgate;
      // One at a time, 600 ms each: the first is running and two wait when Redis dies.
      ollama.behave({ latencyMs: 600 });
      const accepted: string[] = [];
      for (const user of ['dora', 'emil', 'fay']) {
        const response = await mention(app, receiver, user, `queued before the outage by ${user}`);
        expect(response.statusCode, response.body).toBe(202);
        accepted.push(response.json().interaction_id);
      }
      await waitFor(() => ollama.calls.length > 0, 5000, 'the first job to reach the model');
      expect(receiver.distinct().size).toBe(0);

      // Redis killed: a new event is refused at once in the error shape, never acked and dropped.
      // The producer learns of the dead socket on its next turn of the event loop; an event routed
      // without any Redis I/O before that could still be taken (and its add then fail, reported to
      // its callback): wait for the queue to know, as readiness reports it.
      await redis.kill();
      await waitFor(async () => (await readiness(app)).code === 503, 5000, 'readiness to see Redis gone');
      const started = performance.now();
      const refused = await mention(app, receiver, 'gus', 'during the outage');
      expect(performance.now() - started).toBeLessThan(2000); // refused, not hung
      expect(refused.statusCode, refused.body).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.json()).toMatchObject({
        error_code: 'queue_unavailable',
        detail: expect.stringMatching(/cannot be reached/),
        retry_after: 5,
        correlation_id: expect.any(String),
        timestamp: expect.any(String),
      });
      // Readiness sends traffic elsewhere: this instance cannot take interactions.
      expect(await readiness(app)).toMatchObject({
        code: 503,
        body: { status: 'not_ready', checks: { queue: 'unavailable', stores: { redis: 'down' } } },
      });
      // Status answers (no 500, no hang) and says it cannot read the failed jobs.
      const status = await app.inject({ method: 'GET', url: '/api/v1/ai/status' });
      expect(status.statusCode).toBe(200);
      expect(status.json()).toMatchObject({
        queue: { backend: 'redis', failed: { count: null } },
        stores: { redis: 'down' },
      });

      // Redis back with its AOF: the jobs it held run, and new events are accepted again.
      ollama.behave({ latencyMs: 0 });
      await redis.restart();
      await waitFor(async () => (await readiness(app)).code === 200, 15_000, 'ready again');
      const after = await mention(app, receiver, 'gus', 'after the outage');
      expect(after.statusCode, after.body).toBe(202);
      accepted.push(after.json().interaction_id);

      await expectAnsweredOnce(receiver, accepted);
      // No callback for the refused one: the caller was told to retry, not promised an answer.
      expect(receiver.received).toHaveLength(accepted.length);
    }, 60_000);
  });
});
