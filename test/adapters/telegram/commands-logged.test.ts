/**
 * Telegram's own commands (`/start`, `/help`, `/reset`) are answered by the adapter without the
 * router; they must show in the interaction log all the same, like every event received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/fake-telegram.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

describe('Telegram commands in the interaction log', () => {
  let telegram: FakeTelegram;
  let pipeline: Pipeline;

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    const config = testConfig({
      ai: { mode: 'local' },
      platforms: { telegram: { botToken: telegram.token, apiRoot: telegram.url } },
    });
    pipeline = await startPipeline(config);
    await waitFor(() => (pipeline.platforms.adapters[0]?.state().status === 'online' ? true : undefined));
  });
  afterAll(async () => {
    await pipeline?.close();
    await telegram?.close();
  });

  const from = { id: 51, is_bot: false, first_name: 'Bo', username: 'bo' };
  const chat = { id: 51, type: 'private', first_name: 'Bo' };
  const command = (updateId: number, messageId: number, text: string) =>
    telegram.pushUpdate({
      update_id: updateId,
      message: {
        message_id: messageId,
        from,
        chat,
        date: 1,
        text,
        entities: [{ type: 'bot_command', offset: 0, length: text.length }],
      },
    });

  it('logs /start, /help and /reset as ignored with reason command, and a redelivered one as duplicate', async () => {
    command(101, 1, '/start');
    command(102, 2, '/help');
    command(103, 3, '/reset');
    // The same message again in a new Update: logged as a duplicate, not answered twice.
    command(104, 2, '/help');
    const logged = async () => {
      const response = await pipeline.app.inject({
        method: 'GET',
        url: '/api/v1/ai/interactions?platform=telegram',
      });
      const items = response.json().interactions as Array<{
        event: { id: string };
        status: string;
        reason: string;
      }>;
      return items.length >= 4 ? items : undefined;
    };
    const items = await waitFor(logged);
    const outcomes = items.map((item) => [item.event.id, item.status, item.reason]).sort();
    expect(outcomes).toEqual([
      ['telegram:51:1', 'ignored', 'command'],
      ['telegram:51:2', 'ignored', 'command'],
      ['telegram:51:2', 'ignored', 'duplicate'],
      ['telegram:51:3', 'ignored', 'command'],
    ]);
    await waitFor(() => (telegram.sent.length >= 3 ? true : undefined));
    // Let a second answer to the duplicate show if it were sent.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(telegram.sent.map((message) => message.replyTo).sort()).toEqual([1, 2, 3]);
  });
});
