/**
 * "typing…" per interaction (ReplyDelivery): from the moment the interaction is queued unless it
 * first waits for a human, once only, and stopped when its outcome is delivered or its streamed
 * reply starts to show; a queued ack heard after the interaction ended starts nothing.
 */
import { describe, expect, it } from 'vitest';
import type { IngestAck, PlatformAdapter, ReplyStream } from '../../src/core/adapter.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { createLogger } from '../../src/observability/logger.js';
import type { InteractionJob } from '../../src/queue/interaction-queue.js';
import { CallbackSender } from '../../src/worker/callback.js';
import { ReplyDelivery } from '../../src/worker/delivery.js';
import { createInteractionRunner } from '../../src/worker/worker.js';
import { chatEvent } from '../support/events.js';
import { testConfig, testServices } from '../support/services.js';

/** An adapter that counts typing indicators running and records what the stream was told. */
function typingAdapter() {
  const state = { running: 0, started: 0, streamed: [] as string[], sent: [] as string[] };
  const adapter: PlatformAdapter = {
    platform: 'discord',
    state: () => ({ platform: 'discord', status: 'online' }),
    start: async () => {},
    stop: async () => {},
    send: async (reply) => void state.sent.push(reply.text),
    typing: () => {
      state.running++;
      state.started++;
      return () => void state.running--;
    },
    openStream: (): ReplyStream => ({
      update: (text) => void state.streamed.push(`update:${text}`),
      finish: async (text) => void state.streamed.push(`finish:${text}`),
      abort: async (replacement) => void state.streamed.push(`abort:${replacement ?? '(cut off)'}`),
    }),
  };
  return { adapter, state };
}

function setup() {
  const { adapter, state } = typingAdapter();
  const delivery = new ReplyDelivery(
    new CallbackSender({ maxAttempts: 1, timeoutMs: 100 }),
    createLogger('silent'),
  );
  delivery.addAdapter(adapter);
  return { delivery, state };
}

const event: ChatEvent = chatEvent({ platform: 'discord', communityId: 'discord:guild:1', channelId: '2' });
const ack = (interactionId: string, extra: Partial<IngestAck> = {}): IngestAck => ({
  interactionId,
  status: 'queued',
  ...extra,
});
const job = (interactionId: string): InteractionJob =>
  ({ interactionId, event, text: event.text, trigger: 'mention', fromAdapter: true }) as InteractionJob;
const reply = {
  text: 'done',
  mode: 'remote' as const,
  provider: 'ollama' as const,
  model: 'm',
  serviceStatus: 'healthy' as const,
  processingTimeMs: 1,
};

describe('typing indicators', () => {
  it('types from the queued ack until the outcome is delivered, once however often it is started', async () => {
    const { delivery, state } = setup();
    delivery.queued(ack('i1'), event);
    expect(state.running).toBe(1);
    delivery.startTyping('i1', event); // the run starts: already typing
    expect(state.started).toBe(1);
    await delivery.deliver(job('i1'), { ok: true, reply });
    expect(state.running).toBe(0);
    expect(state.sent).toEqual(['done']);
  });

  it('does not type while the interaction waits for a human, nor for an ignored event', () => {
    const { delivery, state } = setup();
    delivery.queued(ack('i2', { waitMs: 5000 }), event);
    delivery.queued({ interactionId: 'i3', status: 'ignored', reason: 'no_trigger' }, event);
    expect(state.started).toBe(0);
    delivery.startTyping('i2', event); // its turn comes
    expect(state.running).toBe(1);
  });

  it('starts nothing for an ack heard after the interaction ended', async () => {
    const { delivery, state } = setup();
    await delivery.deliver(job('i4'), { ok: false, error: 'stale', processingTimeMs: 0 });
    delivery.queued(ack('i4'), event);
    expect(state.started).toBe(0);
  });

  it('stops typing at the first shown text of a streamed reply, which the outcome then finishes', async () => {
    const { delivery, state } = setup();
    delivery.queued(ack('i5'), event);
    const stream = delivery.openStream(job('i5'));
    stream?.update('  ');
    expect(state.running).toBe(1);
    stream?.update('Hel');
    expect(state.running).toBe(0);
    await delivery.deliver(job('i5'), { ok: true, reply: { ...reply, text: 'Hello' } });
    await delivery.deliver(job('i6'), { ok: true, reply });
    expect(state.streamed).toEqual(['update:  ', 'update:Hel', 'finish:Hello']);
    expect(state.sent).toEqual(['done']);
  });

  it('ends a streamed reply of a failed interaction as cut off, and one moderation emptied by removing it', async () => {
    const { delivery, state } = setup();
    delivery.openStream(job('i7'))?.update('Half an');
    await delivery.deliver(job('i7'), { ok: false, error: 'model gone', processingTimeMs: 5 });
    delivery.openStream(job('i8'))?.update('Bad');
    await delivery.deliver(job('i8'), { ok: true, reply: { ...reply, text: '', blocked: 'blocked_term' } });
    expect(state.streamed).toEqual(['update:Half an', 'abort:(cut off)', 'update:Bad', 'abort:']);
  });

  it('removes a streamed reply held back on purpose (a ban, a deleted message), unlike a failure', async () => {
    const { delivery, state } = setup();
    delivery.openStream(job('i11'))?.update('The answer is');
    await delivery.deliver(job('i11'), { ok: false, error: 'moderated', processingTimeMs: 0, ignored: true });
    expect(state.streamed).toEqual(['update:The answer is', 'abort:']);
  });

  it('streams only for events from an adapter', () => {
    const { delivery } = setup();
    expect(delivery.openStream({ ...job('i9'), fromAdapter: false })).toBeUndefined();
  });

  it('stops typing when a failed run is left to run again (a retry may end on another instance)', async () => {
    const services = await testServices(
      testConfig({
        ai: { mode: 'remote', offlineResponses: false, ollama: { host: 'http://127.0.0.1:9' } },
      }),
    );
    try {
      const { adapter, state } = typingAdapter();
      services.delivery.addAdapter(adapter);
      const runner = createInteractionRunner(services);
      const run = runner({ ...job('i10'), attemptsLeft: 1 }, new AbortController().signal);
      await expect(run).rejects.toThrow();
      expect(state.started).toBe(1);
      expect(state.running).toBe(0);
    } finally {
      await services.close();
    }
  });
});
