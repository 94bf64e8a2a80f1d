import { afterEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { startFakeOllama } from '../fakes/fake-ollama.js';
import { chatEvent } from '../support/events.js';
import { testApp, testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

/** The router through its public surface: `services.router.ingest`, answered by the local responder. */
describe('router', () => {
  let services: Services | undefined;
  afterEach(async () => {
    await services?.close();
    services = undefined;
  });

  async function start(
    options: { random?: () => number; queue?: { maxConcurrent?: number; maxSize?: number } } = {},
  ) {
    const config = testConfig({ ai: { mode: 'local' }, queue: options.queue ?? {} });
    ({ services } = await testApp(config, { random: options.random }));
    return services;
  }

  it('queues a greeting and ignores the same event id a second time', async () => {
    const { router } = await start();
    const event = chatEvent({ text: 'hi everyone' });
    expect(await router.ingest(event)).toMatchObject({ status: 'queued', trigger: 'greeting' });
    expect(await router.ingest({ ...event })).toMatchObject({ status: 'ignored', reason: 'duplicate' });
  });

  it('does not take "this" for a greeting', async () => {
    const { router } = await start();
    expect(await router.ingest(chatEvent({ text: 'this is fine' }))).toMatchObject({
      status: 'ignored',
      reason: 'no_trigger',
    });
  });

  it('ignores itself, and other bots unless they address it', async () => {
    const { router } = await start();
    const self = chatEvent({ text: 'hello', user: { login: 'chatgate', isBot: true } });
    expect(await router.ingest(self)).toMatchObject({ status: 'ignored', reason: 'self' });
    const nightbot = chatEvent({ text: 'hello all', user: { id: 'nb', login: 'nightbot', isBot: true } });
    expect(await router.ingest(nightbot)).toMatchObject({ status: 'ignored', reason: 'bot' });
    const addressing = chatEvent({
      text: 'hey @chatgate',
      mentionsBot: true,
      user: { id: 'nb', login: 'nightbot', isBot: true },
    });
    expect(await router.ingest(addressing)).toMatchObject({ status: 'queued', trigger: 'mention' });
  });

  it('applies the per-user greeting cooldown, then the per-channel one for other users', async () => {
    const { router } = await start();
    expect(await router.ingest(chatEvent({ text: 'hello' }))).toMatchObject({ status: 'queued' });
    expect(await router.ingest(chatEvent({ text: 'hello again' }))).toMatchObject({
      status: 'ignored',
      reason: 'cooldown',
      trigger: 'greeting',
    });
    const other = chatEvent({ text: 'hey', user: { id: 'u2', login: 'other' } });
    expect(await router.ingest(other)).toMatchObject({ status: 'ignored', reason: 'cooldown' });
    const elsewhere = chatEvent({ text: 'hey', channelId: 'offtopic', user: { id: 'u2', login: 'other' } });
    expect(await router.ingest(elsewhere)).toMatchObject({ status: 'queued', trigger: 'greeting' });
  });

  it('answers a question with its configured probability (0.3), drawn from the seeded source', async () => {
    const draws = [0.5, 0.29];
    const { router } = await start({ random: () => draws.shift() ?? 0 });
    const question = 'what game is this?';
    expect(await router.ingest(chatEvent({ text: question }))).toMatchObject({
      status: 'ignored',
      reason: 'probability',
      trigger: 'question',
    });
    expect(await router.ingest(chatEvent({ text: question }))).toMatchObject({
      status: 'queued',
      trigger: 'question',
    });
  });

  it('turns stream events into their triggers', async () => {
    const { router } = await start();
    const raid = chatEvent({ type: 'raid', text: '', meta: { viewers: 120 } });
    expect(await router.ingest(raid)).toMatchObject({ status: 'queued', trigger: 'raid' });
    const resub = chatEvent({ type: 'resub', text: 'love the streams', meta: { months: 12 } });
    expect(await router.ingest(resub)).toMatchObject({ status: 'queued', trigger: 'resub' });
  });

  it('rejects when the queue is full, and accepts the same event again once there is room', async () => {
    // A slow model keeps the first interaction running while the others arrive.
    const ollama = await startFakeOllama();
    ollama.behave({ latencyMs: 300 });
    const config = testConfig({
      ai: { ollama: { host: ollama.url } },
      queue: { maxConcurrent: 1, maxSize: 1 },
    });
    ({ services } = await testApp(config));
    const { router, queue } = services;
    const mention = (user: string) =>
      chatEvent({ text: '@chatgate status?', user: { id: user, login: user } });
    // One runs, one waits: the third finds the backlog at its bound.
    expect(await router.ingest(mention('a'))).toMatchObject({ status: 'queued' });
    expect(await router.ingest(mention('b'))).toMatchObject({ status: 'queued' });
    const third = mention('c');
    const ack = await router.ingest(third);
    expect(ack).toMatchObject({ status: 'rejected', reason: 'queue_full' });
    expect(ack.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await services.interactions.get(ack.interactionId)).toMatchObject({
      status: 'rejected',
      reason: 'queue_full',
      trigger: 'mention',
    });
    await waitFor(() => (queue.size === 0 && queue.running === 0 ? true : undefined));
    expect(await router.ingest(third)).toMatchObject({ status: 'queued', trigger: 'mention' });
    await services.close();
    await ollama.close();
  });

  it('caps replies per channel per window, whatever the triggers say', async () => {
    const config = testConfig({
      ai: { mode: 'local' },
      limits: { channelReplyCap: { max: 2, windowMs: 60_000 } },
    });
    ({ services } = await testApp(config));
    const mention = (user: string, channelId = 'general') =>
      chatEvent({ text: '@chatgate hi', channelId, user: { id: user, login: user } });
    expect(await services.router.ingest(mention('a'))).toMatchObject({ status: 'queued' });
    expect(await services.router.ingest(mention('b'))).toMatchObject({ status: 'queued' });
    expect(await services.router.ingest(mention('c'))).toMatchObject({
      status: 'ignored',
      reason: 'reply_cap',
    });
    // The capped user keeps no cooldown, and another channel has its own budget.
    expect(await services.router.ingest(mention('c', 'offtopic'))).toMatchObject({ status: 'queued' });
  });

  it('records every event in the interaction log with what became of it', async () => {
    const { router, interactions } = await start();
    const queued = await router.ingest(chatEvent({ text: 'hello' }));
    const ignored = await router.ingest(chatEvent({ text: 'nothing to see' }));
    expect((await interactions.get(ignored.interactionId))?.reason).toBe('no_trigger');
    const done = await waitFor(async () => {
      const found = await interactions.get(queued.interactionId);
      return found?.status === 'done' ? found : undefined;
    });
    expect(done.reply).toMatchObject({ provider: 'local', mode: 'local' });
    expect(done.reply?.text).toMatch(/local|offline/i);
  });
});
