/**
 * The reply queue of the redis queue backend (real Redis, a key prefix of its own): a reply written twice
 * is sent once; a re-run finds it written; platform replies go to the process holding the adapter,
 * stale ones are dropped; callbacks are POSTed with their Idempotency-Key.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OutgoingReply, PlatformAdapter } from '../../src/core/adapter.js';
import { withoutRaw } from '../../src/core/chat-event.js';
import { createLogger } from '../../src/observability/logger.js';
import type { InteractionJob } from '../../src/queue/interaction-queue.js';
import type { InteractionReply } from '../../src/stores/interaction-log.js';
import { CallbackSender } from '../../src/worker/callback.js';
import { CallbackTargetPolicy } from '../../src/worker/callback-target.js';
import { ReplyDelivery } from '../../src/worker/delivery.js';
import { ReplyQueue, replyQueueName } from '../../src/worker/reply-queue.js';
import { createInteractionRunner } from '../../src/worker/worker.js';
import { TEST_REDIS_URL } from '../stores/redis/support.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { chatEvent } from '../support/events.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig, testServices } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

const PREFIX = `chatgate-test-replies-${randomUUID()}`;
const reply: InteractionReply = {
  text: 'hello back',
  mode: 'remote',
  provider: 'ollama',
  model: 'm',
  serviceStatus: 'healthy',
  processingTimeMs: 5,
};

function twitchJob(overrides: Partial<InteractionJob> = {}): InteractionJob {
  const event = chatEvent({ platform: 'twitch', communityId: 'twitch:channel:1', channelId: 'mychan' });
  return {
    interactionId: `int-${randomUUID()}`,
    event,
    trigger: 'mention',
    text: 'hi',
    fromAdapter: true,
    ...overrides,
  };
}

describeNeeding(['redis'], 'ReplyQueue on Redis', () => {
  let receiver: CallbackReceiver;
  const opened: ReplyQueue[] = [];
  const replyQueue = (replyMaxAgeMs = 60_000) => {
    const made = new ReplyQueue({
      redisUrl: TEST_REDIS_URL,
      prefix: PREFIX,
      replyMaxAgeMs,
      backoffMs: 10,
      logger: createLogger('silent'),
    });
    opened.push(made);
    return made;
  };
  // The receiver listens on 127.0.0.1, which callbacks reach only when the host is allowed.
  const sender = new CallbackSender({
    maxAttempts: 2,
    timeoutMs: 2000,
    initialDelayMs: 5,
    targets: new CallbackTargetPolicy({ allowedHosts: ['127.0.0.1'] }),
  });

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((made) => made.close()));
  });
  afterAll(async () => {
    await receiver.close();
    for (const target of ['twitch', 'callbacks']) {
      const queue = new Queue(replyQueueName(target), {
        prefix: PREFIX,
        connection: { url: TEST_REDIS_URL },
      });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  /** An adapter for Twitch that records what it is asked to send. */
  function recordingAdapter(): PlatformAdapter & { sent: OutgoingReply[] } {
    const sent: OutgoingReply[] = [];
    return {
      platform: 'twitch',
      sent,
      state: () => ({ platform: 'twitch', status: 'online' }),
      start: async () => {},
      stop: async () => {},
      send: async (outgoing) => {
        sent.push(outgoing);
      },
    };
  }

  it('sends a platform reply written twice (a job run again) once, through the adapter holder', async () => {
    const writer = replyQueue();
    const holder = replyQueue();
    const adapter = recordingAdapter();
    const delivery = new ReplyDelivery(sender, createLogger('silent'));
    delivery.useReplyQueue(writer);
    const job = twitchJob();

    expect(await delivery.alreadyDelivered(job)).toBe(false);
    await delivery.deliver(job, { ok: true, reply });
    await delivery.deliver(job, { ok: true, reply: { ...reply, text: 'a second answer' } });
    expect(await delivery.alreadyDelivered(job)).toBe(true);
    expect(await delivery.alreadyDelivered(twitchJob())).toBe(false);

    await holder.consumeSends(adapter);
    await waitFor(() => (adapter.sent.length >= 1 ? true : undefined), 5000);
    await new Promise((done) => setTimeout(done, 300));
    expect(adapter.sent.map((sent) => [sent.text, sent.event.id])).toEqual([['hello back', job.event.id]]);
    // No callback for a chat reply without a callback URL.
    expect(
      receiver.received.filter((callback) => callback.body.interaction_id === job.interactionId),
    ).toEqual([]);
  });

  it('drops a platform reply whose event has grown stale while it waited', async () => {
    const writer = replyQueue(1000);
    const adapter = recordingAdapter();
    const old = twitchJob();
    old.event = { ...old.event, receivedAt: Date.now() - 5000 };
    const fresh = twitchJob();
    await writer.publishSend({
      interactionId: old.interactionId,
      event: withoutRaw(old.event),
      text: 'too late',
    });
    await writer.publishSend({
      interactionId: fresh.interactionId,
      event: withoutRaw(fresh.event),
      text: 'in time',
    });
    // As old as the stale one, but it waited for a human until a moment ago: it ages from then.
    const waited = twitchJob();
    await writer.publishSend({
      interactionId: waited.interactionId,
      event: { ...withoutRaw(waited.event), receivedAt: Date.now() - 5000 },
      text: 'after the grace',
      runAt: Date.now() - 100,
    });
    await writer.consumeSends(adapter);
    await waitFor(() => (adapter.sent.length >= 2 ? true : undefined), 5000);
    await new Promise((done) => setTimeout(done, 300));
    expect(adapter.sent.map((sent) => sent.text).sort()).toEqual(['after the grace', 'in time']);
  });

  it('POSTs callbacks from an edge process with their Idempotency-Key, failures included', async () => {
    const writer = replyQueue();
    const edge = replyQueue();
    const delivery = new ReplyDelivery(sender, createLogger('silent'));
    delivery.useReplyQueue(writer);
    const event = chatEvent();
    const done: InteractionJob = {
      interactionId: `int-${randomUUID()}`,
      event,
      trigger: 'mention',
      text: 'hi',
      callbackUrl: receiver.url,
    };
    const failed: InteractionJob = { ...done, interactionId: `int-${randomUUID()}` };
    await delivery.deliver(done, { ok: true, reply });
    await delivery.deliver(failed, { ok: false, error: 'stale', processingTimeMs: 0 });
    await edge.consumeCallbacks(sender);
    await waitFor(() => (receiver.received.length >= 2 ? true : undefined), 5000);
    const byId = new Map(receiver.received.map((callback) => [callback.idempotencyKey, callback.body]));
    expect(byId.get(done.interactionId)).toMatchObject({
      success: true,
      response_data: { message: 'hello back' },
    });
    expect(byId.get(failed.interactionId)).toMatchObject({ success: false, error: 'stale' });
  });
});

describe('the runner with a job run again', () => {
  it('skips the model when the reply was already written, and asks only on a re-run', async () => {
    const services = await testServices(testConfig({ ai: { mode: 'local' } }));
    try {
      const complete = vi.spyOn(services.ai, 'complete');
      const written = vi.spyOn(services.delivery, 'alreadyDelivered').mockResolvedValue(true);
      const runner = createInteractionRunner(services);
      const first = twitchJob({ fromAdapter: false });
      await runner({ ...first, rerun: true }, new AbortController().signal);
      expect(complete).not.toHaveBeenCalled();
      // A first run never asks the reply queue (no round trip on the common path).
      written.mockClear();
      await runner(twitchJob({ fromAdapter: false }), new AbortController().signal);
      expect(written).not.toHaveBeenCalled();
      expect(complete).toHaveBeenCalledTimes(1);
    } finally {
      await services.close();
    }
  });
});
