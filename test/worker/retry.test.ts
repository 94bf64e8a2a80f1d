/**
 * Interactions on the redis queue (real Redis, a prefix of their own) are run again with backoff
 * when the whole AI chain fails: the caller hears once, with the answer if a later run gets one,
 * else with the failure, and the job stays among the queue's failed ones.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { RedisInteractionQueue } from '../../src/queue/redis-queue.js';
import type { Services } from '../../src/services.js';
import { createInteractionRunner } from '../../src/worker/worker.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { TEST_REDIS_URL } from '../stores/redis/support.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { chatEvent } from '../support/events.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig, testServices } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

describeNeeding(['redis'], 'an interaction whose AI chain fails, on the redis queue', () => {
  let ollama: FakeServer;
  let receiver: CallbackReceiver;
  let services: Services;
  let queue: RedisInteractionQueue;

  async function start() {
    ollama = await startFakeOllama();
    receiver = await startCallbackReceiver();
    services = await testServices(
      testConfig({
        ai: {
          mode: 'remote',
          offlineResponses: false,
          ollama: { host: ollama.url },
          breaker: { failureThreshold: 100 },
        },
      }),
    );
    queue = await RedisInteractionQueue.start({
      redisUrl: TEST_REDIS_URL,
      prefix: `chatgate-test-retry-${randomUUID()}`,
      runner: createInteractionRunner(services),
      concurrency: 2,
      maxSize: 100,
      jobTimeoutMs: 10_000,
      backoffMs: 20,
      attempts: 3,
      onFailed: () => {},
      logger: createLogger('silent'),
    });
  }
  afterEach(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
    await services.close();
    await receiver.close();
    await ollama.close();
  });

  async function enqueue() {
    const event = chatEvent({ text: '@chatgate are you back?' });
    const interactionId = `int-${randomUUID()}`;
    await services.interactions.add({
      id: interactionId,
      event,
      status: 'queued',
      trigger: 'mention',
      createdAt: Date.now(),
    });
    queue.enqueue({
      interactionId,
      event,
      trigger: 'mention',
      text: 'are you back?',
      callbackUrl: receiver.url,
    });
    return interactionId;
  }

  it('answers once from a later run when the model comes back', async () => {
    await start();
    // The provider's own three attempts all fail the first run; the second run gets an answer.
    ollama.behave({ fail: { status: 503, times: 3 }, reply: 'Back again!' });
    const id = await enqueue();
    await waitFor(() => (receiver.received.length >= 1 ? true : undefined), 10_000);
    await new Promise((done) => setTimeout(done, 300));
    expect(
      receiver.received.map((callback) => [callback.body.success, callback.body.response_data.message]),
    ).toEqual([[true, 'Back again!']]);
    expect(await services.interactions.get(id)).toMatchObject({ status: 'done' });
    expect((await queue.failures(10)).count).toBe(0);
  });

  it('tells the caller once after the last run, and keeps the job among the failed ones', async () => {
    await start();
    ollama.behave({ fail: { status: 503 } });
    const id = await enqueue();
    await waitFor(() => (receiver.received.length >= 1 ? true : undefined), 10_000);
    await expect.poll(async () => (await queue.failures(10)).count, { timeout: 5000 }).toBe(1);
    await new Promise((done) => setTimeout(done, 300));
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.body).toMatchObject({ success: false, interaction_id: id });
    expect(await services.interactions.get(id)).toMatchObject({ status: 'failed' });
    const failed = await queue.failures(10);
    expect(failed.recent[0]).toMatchObject({ interactionId: id, attempts: 3 });
    // Three runs of the provider's three attempts each.
    expect(ollama.calls.filter((call) => call.path === '/api/chat')).toHaveLength(9);
  });
});
