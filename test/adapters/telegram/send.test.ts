import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createTelegramAdapter,
  type TelegramAdapter,
  type TelegramAdapterOptions,
} from '../../../adapters/telegram/adapter.js';
import { PlatformRefusedError } from '../../../src/core/adapter-kit/send-errors.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import { type FakeTelegram, recordingHost, startFakeTelegram } from '../../fakes/fake-telegram.js';
import { type ChatEventOverrides, chatEvent } from '../../support/events.js';

const FAST = { interval: 5, timeout: 3000 };

/** An event as normalize.ts makes it for a message in a forum topic of a supergroup. */
function topicEvent(overrides: ChatEventOverrides = {}): ChatEvent {
  return chatEvent({
    id: 'telegram:-1001500:42',
    platform: 'telegram',
    communityId: 'telegram:chat:-1001500',
    channelId: '-1001500',
    threadId: '7',
    messageId: '42',
    text: '@chatgate_test_bot hi',
    mentionsBot: true,
    meta: { chatType: 'supergroup' },
    ...overrides,
    user: { id: '99', login: 'ann', displayName: 'Ann', ...overrides.user },
  });
}

describe('Telegram delivery', () => {
  let fake: FakeTelegram;
  let adapter: TelegramAdapter;

  async function start(options: TelegramAdapterOptions = {}): Promise<void> {
    const created = createTelegramAdapter(
      { botToken: fake.token, apiRoot: fake.url },
      { limits: { perChatIntervalMs: 0 }, watchdogMs: 0, typingIntervalMs: 40, ...options },
    );
    if (!created) throw new Error('no adapter');
    adapter = created;
    await adapter.start(recordingHost().host);
  }

  beforeEach(async () => {
    fake = await startFakeTelegram();
  });
  afterEach(async () => {
    await adapter?.stop();
    await fake.close();
  });

  it('replies to the triggering message in its forum topic', async () => {
    await start();
    await adapter.send({ event: topicEvent(), text: 'Hello there' });
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({ chatId: -1001500, text: 'Hello there', threadId: 7, replyTo: 42 });
    const [call] = fake.callsOf('sendMessage');
    expect(call?.params).toMatchObject({
      message_thread_id: 7,
      reply_parameters: { message_id: 42, allow_sending_without_reply: true },
      parse_mode: 'MarkdownV2',
    });
  });

  it('leaves out message_thread_id outside forum topics', async () => {
    await start();
    await adapter.send({ event: topicEvent({ threadId: undefined }), text: 'ok' });
    expect(fake.callsOf('sendMessage')[0]?.params).not.toHaveProperty('message_thread_id');
  });

  it('splits a 9000-character reply into 3 messages on paragraph and word boundaries', async () => {
    await start();
    const words = (n: number, seed: number) =>
      Array.from({ length: n }, (_, i) => `word${(i * 7 + seed) % 100}`).join(' ');
    const paragraphs = Array.from({ length: 12 }, (_, i) => words(110, i));
    const text = paragraphs
      .join('\n\n')
      .slice(0, 9000)
      .replace(/\s*\S*$/, '');
    expect(text.length).toBeGreaterThan(8900);
    await adapter.send({ event: topicEvent(), text });
    expect(fake.sent).toHaveLength(3);
    const parts = fake.sent.map((m) => m.text);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    // Cut only between paragraphs: the parts, joined by a blank line, are the text again.
    expect(parts.join('\n\n') === text).toBe(true);
    expect(parts.every((part) => !part.startsWith(' ') && !part.endsWith(' '))).toBe(true);
    expect(fake.sent.every((m) => m.replyTo === 42 && m.threadId === 7)).toBe(true);
  });

  it('escapes every MarkdownV2 special character so that Telegram accepts the text', async () => {
    await start();
    const text = 'Specials: _ * [ ] ( ) ~ ` > # + - = | { } . ! \\ and 3.14 (50%) a_b x*y';
    await adapter.send({ event: topicEvent(), text });
    expect(fake.callsOf('sendMessage')).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({ parseMode: 'MarkdownV2', text, entities: [] });
  });

  it('turns model Markdown into MarkdownV2 entities', async () => {
    await start();
    const text =
      '# Plan\n**Step 1.** Run `npm test` (see [docs](https://example.com/a_(b))).\n```ts\nconst a = `x`;\n```';
    await adapter.send({ event: topicEvent(), text });
    expect(fake.callsOf('sendMessage')).toHaveLength(1);
    expect(fake.sent[0]?.text).toBe('Plan\nStep 1. Run npm test (see docs).\nconst a = `x`;');
    expect(fake.sent[0]?.entities).toEqual(['bold', 'bold', 'code', 'text_link', 'pre']);
  });

  it("re-sends as plain text after a 400 can't parse entities", async () => {
    await start();
    fake.fail('sendMessage', {
      error_code: 400,
      description: "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 4",
    });
    await adapter.send({ event: topicEvent(), text: 'Price: *5.00' });
    const calls = fake.callsOf('sendMessage');
    expect(calls).toHaveLength(2);
    expect(calls[0]?.params.parse_mode).toBe('MarkdownV2');
    expect(calls[1]?.params).not.toHaveProperty('parse_mode');
    expect(fake.sent).toEqual([
      expect.objectContaining({ text: 'Price: *5.00', raw: 'Price: *5.00', replyTo: 42 }),
    ]);
  });

  it('waits out a 429 retry_after and still delivers', async () => {
    await start();
    fake.fail('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    const started = Date.now();
    await adapter.send({ event: topicEvent(), text: 'patience' });
    const calls = fake.callsOf('sendMessage');
    expect(calls).toHaveLength(2);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.sent).toHaveLength(1);
  });

  it('fails loudly (no token in the error) when Telegram keeps refusing', async () => {
    await start({ maxSendAttempts: 2 });
    fake.fail('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    const error = await adapter.send({ event: topicEvent(), text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformRefusedError);
    expect((error as PlatformRefusedError).errorCode).toBe(403);
    expect(String((error as Error).message)).not.toContain(fake.token);
  });

  it('keeps one message per second per chat by default', async () => {
    await start({ limits: {} });
    await adapter.send({ event: topicEvent(), text: `${'a '.repeat(3000)}\n\n${'b '.repeat(100)}` });
    const [first, second] = fake.callsOf('sendMessage');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('sends typing while working, refreshed, and stops after', async () => {
    await start();
    const stop = adapter.typing?.(topicEvent());
    await vi.waitFor(() => expect(fake.callsOf('sendChatAction').length).toBeGreaterThanOrEqual(3), FAST);
    stop?.();
    const count = fake.callsOf('sendChatAction').length;
    expect(fake.callsOf('sendChatAction')[0]?.params).toMatchObject({
      chat_id: -1001500,
      action: 'typing',
      message_thread_id: 7,
    });
    await sleep(150);
    expect(fake.callsOf('sendChatAction')).toHaveLength(count);
  });
});
