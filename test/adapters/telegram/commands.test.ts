import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTelegramAdapter, type TelegramAdapter } from '../../../adapters/telegram/adapter.js';
import { commandAction, parseCommand } from '../../../adapters/telegram/commands.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import { type FakeTelegram, recordingHost, startFakeTelegram } from '../../fakes/fake-telegram.js';
import { chatEvent } from '../../support/events.js';

const FAST = { interval: 5, timeout: 3000 };
const BOT = 'chatgate_test_bot';

describe('parseCommand', () => {
  it('reads /name, /name@bot and the arguments', () => {
    expect(parseCommand('/ask what is up')).toEqual({ name: 'ask', args: 'what is up' });
    expect(parseCommand('/ASK@Chatgate_Test_Bot  two\nlines ')).toEqual({
      name: 'ask',
      target: 'Chatgate_Test_Bot',
      args: 'two\nlines',
    });
    expect(parseCommand('/reset')).toEqual({ name: 'reset', args: '' });
  });

  it('is not fooled by text that only looks like a command', () => {
    for (const text of ['ask me', 'a /ask b', '/', '/ ask', '/ask@', 'http://x/ask']) {
      expect(parseCommand(text), text).toBeUndefined();
    }
  });
});

describe('commandAction', () => {
  const event = (text: string): ChatEvent =>
    chatEvent({
      id: 'telegram:-5:1',
      platform: 'telegram',
      communityId: 'telegram:chat:-5',
      channelId: '-5',
      messageId: '1',
      text,
      user: { id: '9', login: 'ann', displayName: 'Ann' },
      meta: { chatType: 'group' },
      receivedAt: 0,
    });

  it('leaves commands for other bots and unknown commands to the router', () => {
    expect(commandAction(event('/help@other_bot'), BOT)).toEqual({ kind: 'none' });
    expect(commandAction(event('/report'), BOT)).toEqual({ kind: 'none' });
    expect(commandAction(event('hello'), BOT)).toEqual({ kind: 'none' });
  });

  it('answers /ask without a question with its usage', () => {
    expect(commandAction(event('/ask'), BOT)).toMatchObject({
      kind: 'reply',
      text: 'Usage: /ask <question>',
    });
  });
});

describe('Telegram commands, end to end', () => {
  let fake: FakeTelegram;
  let adapter: TelegramAdapter | undefined;
  let recorder: ReturnType<typeof recordingHost>;
  let messageId = 100;

  /** A group message from Ann, with a bot_command entity when the text starts with `/`. */
  function groupMessage(text: string, chatType = 'group') {
    const command = /^\/\S+/.exec(text)?.[0];
    return {
      update_id: 0,
      message: {
        message_id: ++messageId,
        from: { id: 9, is_bot: false, first_name: 'Ann', username: 'ann' },
        chat: { id: -4001, title: 'Friends', type: chatType },
        date: 1_700_000_000,
        text,
        ...(command ? { entities: [{ offset: 0, length: command.length, type: 'bot_command' }] } : {}),
      },
    };
  }

  async function deliver(update: object): Promise<void> {
    const id = fake.pushUpdate(update);
    await vi.waitFor(() => expect(fake.confirmed(id)).toBe(true), FAST);
  }

  beforeEach(async () => {
    fake = await startFakeTelegram({ username: BOT });
    recorder = recordingHost();
    adapter = createTelegramAdapter(
      { botToken: fake.token, apiRoot: fake.url },
      { limits: { perChatIntervalMs: 0 }, watchdogMs: 0 },
    );
    await adapter?.start(recorder.host);
  });
  afterEach(async () => {
    await adapter?.stop();
    await fake.close();
  });

  it('/reset@bot clears this chat context and says so', async () => {
    await deliver(groupMessage(`/reset@${BOT}`));
    expect(recorder.resets).toHaveLength(1);
    expect(recorder.resets[0]).toMatchObject({ communityId: 'telegram:chat:-4001', channelId: '-4001' });
    expect(recorder.ingested).toEqual([]);
    await vi.waitFor(() => expect(fake.sent).toHaveLength(1), FAST);
    expect(fake.sent[0]).toMatchObject({ chatId: -4001, replyTo: messageId });
    expect(fake.sent[0]?.text).toContain('forgotten');
  });

  it('/reset without @bot works too', async () => {
    await deliver(groupMessage('/reset'));
    expect(recorder.resets).toHaveLength(1);
  });

  it('/ask ingests the question, addressed to the bot, with and without @bot', async () => {
    await deliver(groupMessage('/ask what is 2+2?'));
    await deliver(groupMessage(`/ask@${BOT} and 3+3?`));
    expect(recorder.ingested.map((e) => [e.text, e.mentionsBot, e.meta.command])).toEqual([
      ['what is 2+2?', true, 'ask'],
      ['and 3+3?', true, 'ask'],
    ]);
    expect(recorder.ingested[0]).toMatchObject({ id: `telegram:-4001:${messageId - 1}`, isDirect: false });
    expect(fake.sent).toEqual([]);
  });

  it('/start and /help answer at once, without the router', async () => {
    await deliver(groupMessage('/start'));
    await deliver(groupMessage(`/help@${BOT}`));
    await vi.waitFor(() => expect(fake.sent).toHaveLength(2), FAST);
    expect(recorder.ingested).toEqual([]);
    for (const message of fake.sent) {
      expect(message.parseMode).toBe('MarkdownV2');
      expect(message.text).toContain(`@${BOT}`);
      expect(message.text).toContain('/ask <question>');
    }
  });

  it('hands a command for another bot to the router unchanged', async () => {
    await deliver(groupMessage('/help@other_bot'));
    expect(recorder.ingested).toHaveLength(1);
    expect(recorder.ingested[0]).toMatchObject({ text: '/help@other_bot', mentionsBot: false });
    expect(fake.sent).toEqual([]);
  });
});
