/**
 * Telegram end to end: Updates served by the fake Bot API go through telegraf, the router, the
 * queue, the worker and a fake Ollama, and come back as `sendMessage` replies; every event shows
 * in `GET /api/v1/ai/interactions`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/fake-telegram.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

describe('Telegram through the whole pipeline', () => {
  let telegram: FakeTelegram;
  let ollama: FakeServer;
  let pipeline: Pipeline;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    ollama.behave({ reply: 'Happy to help!' });
    telegram = await startFakeTelegram();
    const config = testConfig({
      ai: { ollama: { host: ollama.url } },
      platforms: { telegram: { botToken: telegram.token, apiRoot: telegram.url } },
    });
    pipeline = await startPipeline(config);
    await waitFor(() => (pipeline.platforms.adapters[0]?.state().status === 'online' ? true : undefined));
  });
  afterAll(async () => {
    await pipeline.close();
    await telegram.close();
    await ollama.close();
  });

  it('answers a private message and a group mention as replies, and stays quiet otherwise', async () => {
    const from = { id: 42, is_bot: false, first_name: 'Ann', username: 'ann' };
    telegram.pushUpdate({
      update_id: 1,
      message: {
        message_id: 10,
        from,
        chat: { id: 42, type: 'private', first_name: 'Ann' },
        date: 1,
        text: 'what can you do',
      },
    });
    const group = { id: -100123, type: 'supergroup', title: 'Fans' };
    telegram.pushUpdate({
      update_id: 2,
      message: {
        message_id: 11,
        from,
        chat: group,
        date: 1,
        text: '@chatgate_test_bot tell me a joke',
        entities: [{ type: 'mention', offset: 0, length: 18 }],
      },
    });
    telegram.pushUpdate({
      update_id: 3,
      message: {
        message_id: 12,
        from: { ...from, id: 43 },
        chat: group,
        date: 1,
        text: 'random chatter here',
      },
    });
    await waitFor(() => (telegram.sent.length >= 2 ? true : undefined));
    const byReply = Object.fromEntries(telegram.sent.map((message) => [message.replyTo, message]));
    expect(byReply[10]?.chatId).toBe(42);
    expect(byReply[11]?.chatId).toBe(-100123);
    expect(byReply[10]?.text).toBe('Happy to help!');

    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=telegram' })
    ).json();
    const outcome = Object.fromEntries(
      listed.interactions.map((item: { event: { id: string }; status: string; reason: string | null }) => [
        item.event.id,
        item.reason ?? item.status,
      ]),
    );
    expect(outcome).toMatchObject({
      'telegram:42:10': 'done',
      'telegram:-100123:11': 'done',
      'telegram:-100123:12': 'no_trigger',
    });
  });
});
