import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTelegramAdapter, type TelegramAdapter } from '../../../adapters/telegram/adapter.js';
import { normalizeUpdate } from '../../../adapters/telegram/normalize.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import { type FakeTelegram, recordingHost, startFakeTelegram } from '../../fakes/fake-telegram.js';
import { describeNeeding } from '../../support/requirements.js';

/** Real Updates, one per line (../shared/corpus/README.md); record N is line N. */
const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/telegram-updates.jsonl', import.meta.url));
const present = existsSync(CORPUS);
const records: unknown[] = present
  ? readFileSync(CORPUS, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown)
  : [];

/** Whom the bot is, per the corpus README: records 9-10 and 11; the others name no bot. */
const DEFAULT_BOT = 'chatgate_test_bot';
const botFor = (n: number) =>
  n === 9 || n === 10 ? 'nvt_ssh_bot' : n === 11 ? 'SubaruMonitoringBot' : DEFAULT_BOT;

type Expected = Partial<Omit<ChatEvent, 'user'>> & { user?: Partial<ChatEvent['user']> };
const dm = (chat: string, message: string, text: string, user: Expected['user']): Expected => ({
  type: 'message',
  id: `telegram:${chat}:${message}`,
  communityId: `telegram:chat:${chat}`,
  channelId: chat,
  messageId: message,
  text,
  isDirect: true,
  mentionsBot: true,
  user: { id: chat, isBot: false, ...user },
});
const group = (chat: string, message: string, extra: Expected): Expected => ({
  type: 'message',
  id: `telegram:${chat}:${message}`,
  communityId: `telegram:chat:${chat}`,
  channelId: chat,
  messageId: message,
  isDirect: false,
  mentionsBot: false,
  ...extra,
});
const ALEKSEI = 'Алексей Лещенко | Инвест-недвижимость';

/** What each record must become; `replyTo`/`threadId` left out here are checked to be absent. */
const EXPECTED: Record<number, Expected[]> = {
  1: [dm('218485655', '6557', 'hello there', { login: 'WaffleLapkin', displayName: 'Waffle' })],
  2: [dm('408258968', '154', '4', { login: 'hirrolot', displayName: 'Hirrolot' })],
  3: [dm('927266710', '1374510', 'b b b', { login: 'coder2020', displayName: '>_run' })],
  4: [dm('927266710', '1374619', `${'a'.repeat(76)}😋😋`, { login: 'coder2020' })],
  5: [
    {
      ...dm('927266710', '1374526', 'quote reply', { login: 'coder2020' }),
      replyTo: { messageId: '1374510', userId: '927266710', isBot: false },
    },
  ],
  6: [group('-4165056164', '118', { text: 'ask', user: { id: '133526395', displayName: ALEKSEI } })],
  7: [
    {
      type: 'member_join',
      id: 'telegram:-1001765843568:10:687341524',
      communityId: 'telegram:chat:-1001765843568',
      channelId: '-1001765843568',
      text: '',
      isDirect: false,
      mentionsBot: false,
      user: { id: '687341524', login: 'dafkinninja', displayName: 'Петр Лещенко', isBot: false },
      meta: { chatType: 'supergroup', addedBy: '133526395' },
    },
  ],
  8: [],
  9: [],
  10: [
    group('-348651357', '4', {
      text: '/my_id @nvt_ssh_bot',
      mentionsBot: true,
      user: { id: '1107771830', login: '', displayName: 'viet thang', isBot: false },
    }),
  ],
  11: [
    group('-1001269290416', '235', {
      text: '@SubaruMonitoringBot 123',
      mentionsBot: true,
      user: { id: '-1001269290416', displayName: 'Записки Флинта', isBot: false, roles: ['admin'] },
    }),
  ],
  12: [
    group('-1001293752024', '134546', {
      text: '/report',
      replyTo: { messageId: '134545', userId: '6962620676', isBot: false },
    }),
  ],
  13: [],
  14: [],
  15: [dm('27433968', '3460', 'www.example.com', { login: 'tacocrasco' })],
  16: [
    {
      ...dm('1111111', '1365', '/start', {
        login: 'Testusername',
        displayName: 'Test Firstname Test Lastname',
      }),
      replyTo: { messageId: '1334', isBot: false },
    },
  ],
  17: [],
  18: [],
  19: [],
};

function check(events: ChatEvent[], n: number): void {
  const expected = EXPECTED[n] ?? [];
  expect(events, `record ${n}`).toHaveLength(expected.length);
  events.forEach((event, i) => {
    const want = expected[i] ?? {};
    expect(event, `record ${n}`).toMatchObject({ platform: 'telegram', ...want });
    expect(event.raw, `record ${n}`).toBeDefined();
    if (!('replyTo' in want)) expect(event.replyTo, `record ${n} replyTo`).toBeUndefined();
    // No record is in a forum topic; record 12's message_thread_id is a reply thread, not a topic.
    expect(event.threadId, `record ${n} threadId`).toBeUndefined();
  });
}

describeNeeding(['corpus'], 'Telegram corpus (../shared/corpus/telegram-updates.jsonl)', () => {
  it('has an expectation for every record', () => {
    expect(records).toHaveLength(Object.keys(EXPECTED).length);
  });

  it('normalizes every record as the issue says', () => {
    records.forEach((record, i) => {
      const n = i + 1;
      check(normalizeUpdate(record, { bot: { username: botFor(n) }, receivedAt: 1 }), n);
    });
  });

  it('does not see a mention of another bot (records 10 and 11 with a different username)', () => {
    for (const n of [10, 11]) {
      const [event] = normalizeUpdate(records[n - 1], { bot: { username: 'other_bot' }, receivedAt: 1 });
      expect(event?.mentionsBot).toBe(false);
    }
  });

  describe('through telegraf, long polling the fake Bot API', () => {
    let fake: FakeTelegram | undefined;
    let adapter: TelegramAdapter | undefined;
    afterEach(async () => {
      await adapter?.stop();
      await fake?.close();
    });

    for (const username of [DEFAULT_BOT, 'nvt_ssh_bot', 'SubaruMonitoringBot']) {
      it(`handles each record for @${username} without a throw`, async () => {
        fake = await startFakeTelegram({ username });
        const recorder = recordingHost();
        adapter = createTelegramAdapter(
          { botToken: fake.token, apiRoot: fake.url },
          { limits: { perChatIntervalMs: 0 }, watchdogMs: 0 },
        );
        await adapter?.start(recorder.host);
        expect(adapter?.state().status).toBe('online');
        for (const [i, record] of records.entries()) {
          const n = i + 1;
          if (botFor(n) !== username) continue;
          const before = recorder.ingested.length;
          const id = fake.pushUpdate(record as object);
          await vi.waitFor(() => expect(fake?.confirmed(id)).toBe(true), { interval: 5 });
          const events = recorder.ingested.slice(before);
          if (n === 16) {
            // `/start` is answered by the adapter itself, replying to the message, not ingested.
            expect(events).toEqual([]);
            await vi.waitFor(() =>
              expect(fake?.sent.at(-1)).toMatchObject({ chatId: 1111111, replyTo: 1365 }),
            );
          } else check(events, n);
        }
        const failures = recorder.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
        expect(failures).toEqual([]);
        if (username === DEFAULT_BOT) {
          expect(recorder.logs.some((line) => line.includes('removed from a private chat'))).toBe(true);
        }
        expect(recorder.logs.join('\n')).not.toContain(fake.token);
      });
    }
  });
});
