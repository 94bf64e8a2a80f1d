/**
 * Delivery of a reply that moderation stopped without a `blocked_reply` (text '', `blocked` set):
 * the platform is sent nothing, in process and through the redis reply queue, while a callback
 * caller still learns the outcome. (Adapters also drop empty text themselves; this is the contract
 * that nothing reaches them at all.)
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingReply, PlatformAdapter } from '../../src/core/adapter.js';
import { createLogger } from '../../src/observability/logger.js';
import type { InteractionJob } from '../../src/queue/interaction-queue.js';
import type { InteractionReply } from '../../src/stores/interaction-log.js';
import { CallbackSender } from '../../src/worker/callback.js';
import { CallbackTargetPolicy } from '../../src/worker/callback-target.js';
import { ReplyDelivery } from '../../src/worker/delivery.js';
import { ReplyQueue, replyQueueName } from '../../src/worker/reply-queue.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { chatEvent } from '../support/events.js';
import { describeNeeding, TEST_REDIS_URL } from '../support/requirements.js';
import { waitFor } from '../support/wait-for.js';

const answered: Omit<InteractionReply, 'text'> = {
  mode: 'remote',
  provider: 'openai',
  model: 'm',
  serviceStatus: 'healthy',
  processingTimeMs: 5,
};
const blocked: InteractionReply = { ...answered, text: '', blocked: 'link' };
const replaced: InteractionReply = { ...answered, text: 'No links here.', blocked: 'link' };

function twitchJob(overrides: Partial<InteractionJob> = {}): InteractionJob {
  return {
    interactionId: `int-${randomUUID()}`,
    event: chatEvent({ platform: 'twitch', communityId: 'twitch:channel:1', channelId: 'mychan' }),
    trigger: 'mention',
    text: 'hi',
    fromAdapter: true,
    ...overrides,
  };
}

/** A Twitch adapter that records what it is asked to send. */
function recordingAdapter(): PlatformAdapter & { sent: OutgoingReply[] } {
  const sent: OutgoingReply[] = [];
  return {
    platform: 'twitch',
    sent,
    state: () => ({ platform: 'twitch', status: 'online' }),
    start: async () => {},
    stop: async () => {},
    send: async (outgoing) => void sent.push(outgoing),
  };
}

const sender = new CallbackSender({
  maxAttempts: 1,
  timeoutMs: 2000,
  targets: new CallbackTargetPolicy({ allowedHosts: ['127.0.0.1'] }),
});

describe('delivery of a blocked reply', () => {
  let receiver: CallbackReceiver;
  beforeAll(async () => {
    receiver = await startCallbackReceiver();
  });
  afterAll(() => receiver.close());

  it('sends nothing to the platform without a blocked_reply, and the blocked_reply with one', async () => {
    const adapter = recordingAdapter();
    const delivery = new ReplyDelivery(sender, createLogger('silent'));
    delivery.addAdapter(adapter);
    await delivery.deliver(twitchJob(), { ok: true, reply: blocked });
    expect(adapter.sent).toEqual([]);
    await delivery.deliver(twitchJob(), { ok: true, reply: replaced });
    expect(adapter.sent.map((sent) => sent.text)).toEqual(['No links here.']);
  });

  it('tells a callback caller that the reply was blocked', async () => {
    const delivery = new ReplyDelivery(sender, createLogger('silent'));
    const job = twitchJob({ fromAdapter: false, callbackUrl: receiver.url });
    await delivery.deliver(job, { ok: true, reply: blocked });
    const callback = await waitFor(
      () => receiver.received.find((c) => c.body.interaction_id === job.interactionId)?.body,
    );
    expect(callback).toMatchObject({ success: true, blocked: 'link', response_data: { message: '' } });
  });
});

describeNeeding(['redis'], 'delivery of a blocked reply through the redis reply queue', () => {
  const prefix = `chatgate-test-blocked-${randomUUID()}`;
  let replyQueue: ReplyQueue;

  beforeAll(() => {
    replyQueue = new ReplyQueue({
      redisUrl: TEST_REDIS_URL,
      prefix,
      replyMaxAgeMs: 60_000,
      logger: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await replyQueue.close();
    const queue = new Queue(replyQueueName('twitch'), { prefix, connection: { url: TEST_REDIS_URL } });
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('writes no platform send for it, and the blocked_reply when there is one', async () => {
    const delivery = new ReplyDelivery(sender, createLogger('silent'));
    delivery.useReplyQueue(replyQueue);
    const silent = twitchJob();
    const told = twitchJob();
    await delivery.deliver(silent, { ok: true, reply: blocked });
    await delivery.deliver(told, { ok: true, reply: replaced });
    expect(await replyQueue.isPublished(silent.interactionId, 'twitch')).toBe(false);
    expect(await replyQueue.isPublished(told.interactionId, 'twitch')).toBe(true);
  });
});
