/**
 * Durability of the `redis` queue: an `api` process queues 1,000 interactions; the `worker`
 * process running them is killed with SIGKILL mid-run; a new worker takes over, the jobs of the
 * dead one included (BullMQ's stalled-job check). Every interaction is answered; none twice.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { type ChatgateProcess, startChatgate } from '../support/chatgate-process.js';
import { waitFor } from '../support/services.js';
import {
  mapLimit,
  mentionBody,
  postInteraction,
  privatePostgres,
  privateRedis,
  scaleConfig,
} from './support.js';

const EVENTS = 1000;
const CONCURRENCY = 20;

describe('a worker killed with SIGKILL mid-run', () => {
  let ollama: FakeServer;
  let receiver: CallbackReceiver;
  let redis: Redis;
  let database: Awaited<ReturnType<typeof privatePostgres>>;
  const processes: ChatgateProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    // 20 at a time, 50 ms each: about 400 replies/s, so the run lasts a few seconds.
    ollama.behave({ latencyMs: 50 });
    receiver = await startCallbackReceiver();
    const shared = await privateRedis(13);
    redis = shared.client;
    database = await privatePostgres('scale_durability');
    env = {
      QUEUE_BACKEND: 'redis',
      REDIS_URL: shared.url,
      DATABASE_URL: database.url,
      OLLAMA_HOST: ollama.url,
      MAX_CONCURRENT_REQUESTS: String(CONCURRENCY),
      MAX_QUEUE_SIZE: '100000',
      // A dead worker's jobs are taken over after this (the default is 30 s).
      QUEUE_STALLED_INTERVAL_MS: '1000',
      LOG_LEVEL: 'warn',
    };
    processes.push(await startChatgate({ ...env, CHATGATE_ROLE: 'api' }, scaleConfig()));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((process) => process.stop()));
    await redis?.flushdb();
    await redis?.quit();
    await database?.drop();
    await receiver?.close();
    await ollama?.close();
  }, 30_000);

  it('loses none of 1,000 interactions and answers none twice', async () => {
    const api = processes[0] as ChatgateProcess;
    const ids = Array.from({ length: EVENTS }, (_, index) => `dur-${index}`);
    const statuses = await mapLimit(ids, 50, (id) =>
      postInteraction(api.url, mentionBody(id, receiver.url, `user-${id}`)),
    );
    expect(statuses.every((status) => status === 'queued')).toBe(true);

    const first = await startChatgate({ ...env, CHATGATE_ROLE: 'worker' }, scaleConfig());
    processes.push(first);
    await waitFor(() => (receiver.received.length >= 200 ? true : undefined), 30_000);
    await first.stop('SIGKILL');
    const killedAt = Date.now();
    const answeredBeforeKill = receiver.distinct().size;
    expect(answeredBeforeKill).toBeLessThan(EVENTS);

    const second = await startChatgate({ ...env, CHATGATE_ROLE: 'worker' }, scaleConfig());
    processes.push(second);
    await waitFor(() => (receiver.distinct().size >= EVENTS ? true : undefined), 60_000);
    const recoveredAt = receiver.received.find((callback) => callback.at > killedAt)?.at ?? Date.now();
    // A repeat would come from a job re-run; give one more stalled interval for it to show.
    await new Promise((done) => setTimeout(done, 1500));

    const distinct = receiver.distinct();
    expect(distinct.size).toBe(EVENTS);
    expect(new Set([...distinct.values()].map((callback) => callback.body.event_id)).size).toBe(EVENTS);
    expect([...distinct.values()].every((callback) => callback.body.success)).toBe(true);
    // A job that ran again after the kill found its reply already in the outbox and skipped it:
    // no callback came twice. (The last hop is at least once, so callbacks carry an
    // Idempotency-Key; the api process sending them was not killed here.)
    const repeats = receiver.received.length - distinct.size;
    expect(repeats).toBe(0);
    expect(
      receiver.received.every((callback) => callback.idempotencyKey === callback.body.interaction_id),
    ).toBe(true);
    console.info(
      `durability: ${answeredBeforeKill} answered before SIGKILL; first reply after it ${recoveredAt - killedAt} ms later (new worker start included); ${repeats} repeated callbacks`,
    );
  }, 120_000);
});
