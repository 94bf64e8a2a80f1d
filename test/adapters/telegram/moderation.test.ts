/**
 * Telegram moderation and roles through real telegraf and the fake Bot API: `chat_member` Updates
 * (asked for in `allowed_updates`) reported as `PlatformModeration`; group administrators from
 * `getChatAdministrators`, cached, as roles; `/ai …` handed to the router.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTelegramAdapter, type TelegramAdapter } from '../../../adapters/telegram/adapter.js';
import { type FakeTelegram, recordingHost, startFakeTelegram } from '../../fakes/fake-telegram.js';

const FAST = { interval: 5, timeout: 3000 };
const BOT = 'chatgate_test_bot';
const CHAT = -1001234;
const COMMUNITY = `telegram:chat:${CHAT}`;
const ann = { id: 9, is_bot: false, first_name: 'Ann', username: 'ann' };
const bob = { id: 10, is_bot: false, first_name: 'Bob' };
const carl = { id: 11, is_bot: false, first_name: 'Carl', username: 'carl' };
const admin = { id: 12, is_bot: false, first_name: 'Dee', username: 'dee' };

let fake: FakeTelegram;
let adapter: TelegramAdapter | undefined;
let recorder: ReturnType<typeof recordingHost>;
let messageId = 100;

/** A message in the supergroup (or `chat`) from `from`. */
function message(
  from: object,
  text: string,
  chat: object = { id: CHAT, title: 'Stream', type: 'supergroup' },
) {
  return { update_id: 0, message: { message_id: ++messageId, from, chat, date: 1_700_000_000, text } };
}

/** A `chat_member` Update: `user` went from `before` to `after` (ChatMember fields besides `user`). */
function memberChange(user: object, before: Record<string, unknown>, after: Record<string, unknown>) {
  return {
    update_id: 0,
    chat_member: {
      chat: { id: CHAT, title: 'Stream', type: 'supergroup' },
      from: admin,
      date: Math.floor(Date.now() / 1000),
      old_chat_member: { user, ...before },
      new_chat_member: { user, ...after },
    },
  };
}

/** Pushes an Update and waits until the bot has handled it (the next poll confirmed it). */
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

describe('Telegram chat_member updates', () => {
  it('asks for chat_member in allowed_updates (Telegram sends it only then)', async () => {
    await vi.waitFor(() => expect(fake.callsOf('getUpdates').length).toBeGreaterThan(0), FAST);
    expect(fake.allowedUpdates()).toContain('chat_member');
  });

  it('kicked for good is a ban; kicked or muted until a date ahead is a timeout of that length', async () => {
    const inTenMinutes = Math.floor(Date.now() / 1000) + 600;
    await deliver(memberChange(carl, { status: 'member' }, { status: 'kicked', until_date: 0 }));
    await deliver(memberChange(bob, { status: 'member' }, { status: 'kicked', until_date: inTenMinutes }));
    await deliver(
      memberChange(
        carl,
        { status: 'member' },
        { status: 'restricted', is_member: true, can_send_messages: false, until_date: inTenMinutes },
      ),
    );
    const who = { communityId: COMMUNITY, channelId: String(CHAT) };
    expect(recorder.moderations).toEqual([
      { kind: 'ban', ...who, userId: '11', login: 'carl' },
      { kind: 'timeout', ...who, userId: '10', durationMs: expect.any(Number) },
      { kind: 'timeout', ...who, userId: '11', login: 'carl', durationMs: expect.any(Number) },
    ]);
    for (const action of recorder.moderations.slice(1)) {
      const durationMs = action.kind === 'timeout' ? action.durationMs : 0;
      expect(durationMs).toBeGreaterThan(590_000);
      expect(durationMs).toBeLessThanOrEqual(600_000);
    }
    expect(recorder.ingested).toEqual([]);
  });

  it('muted for good is a ban; leaving, joining or a restriction that lets one talk is nothing', async () => {
    await deliver(
      memberChange(
        carl,
        { status: 'member' },
        { status: 'restricted', can_send_messages: false, until_date: 0 },
      ),
    );
    await deliver(memberChange(bob, { status: 'member' }, { status: 'left' }));
    await deliver(memberChange(bob, { status: 'left' }, { status: 'member' }));
    await deliver(
      memberChange(
        bob,
        { status: 'member' },
        { status: 'restricted', can_send_messages: true, until_date: 0 },
      ),
    );
    expect(recorder.moderations).toEqual([
      { kind: 'ban', communityId: COMMUNITY, channelId: String(CHAT), userId: '11', login: 'carl' },
    ]);
  });
});

describe('Telegram roles from getChatAdministrators', () => {
  beforeEach(() => {
    fake.setAdministrators(CHAT, [
      { status: 'creator', user: ann, is_anonymous: false },
      { status: 'administrator', user: bob, can_delete_messages: true },
    ]);
  });

  const rolesOfLast = () => recorder.ingested.at(-1)?.user.roles;

  it('the creator is broadcaster, an administrator moderator, others nothing; one call per chat', async () => {
    await deliver(message(ann, 'hi'));
    expect(rolesOfLast()).toEqual(['broadcaster']);
    await deliver(message(bob, 'hi'));
    expect(rolesOfLast()).toEqual(['moderator']);
    await deliver(message(carl, 'hi'));
    expect(rolesOfLast()).toEqual([]);
    expect(fake.callsOf('getChatAdministrators')).toHaveLength(1);
    expect(fake.callsOf('getChatAdministrators')[0]?.params).toMatchObject({ chat_id: String(CHAT) });
  });

  it('asks again after a chat_member update that makes someone an administrator', async () => {
    await deliver(message(carl, 'hi'));
    expect(rolesOfLast()).toEqual([]);
    fake.setAdministrators(CHAT, [{ status: 'administrator', user: carl }]);
    await deliver(memberChange(carl, { status: 'member' }, { status: 'administrator' }));
    await deliver(message(carl, 'hi again'));
    expect(rolesOfLast()).toEqual(['moderator']);
    expect(fake.callsOf('getChatAdministrators')).toHaveLength(2);
    expect(recorder.moderations).toEqual([]);
  });

  it('a private chat keeps no roles and asks nothing', async () => {
    await deliver(message(ann, 'hi', { id: ann.id, type: 'private', first_name: 'Ann' }));
    expect(rolesOfLast()).toEqual([]);
    expect(fake.callsOf('getChatAdministrators')).toEqual([]);
  });

  it('a failing call leaves roles empty, is not repeated per message and is logged once', async () => {
    fake.fail(
      'getChatAdministrators',
      { error_code: 400, description: 'Bad Request: CHAT_ADMIN_REQUIRED' },
      5,
    );
    await deliver(message(ann, 'hi'));
    await deliver(message(bob, 'hi'));
    expect(recorder.ingested.map((event) => event.user.roles)).toEqual([[], []]);
    expect(fake.callsOf('getChatAdministrators')).toHaveLength(1);
    const warnings = recorder.logs.filter((line) => line.includes('getChatAdministrators failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('CHAT_ADMIN_REQUIRED');
    expect(warnings[0]).not.toContain(fake.token);
  });
});

describe('/ai commands on Telegram', () => {
  it('reach the router as written, with or without @bot', async () => {
    await deliver(message(bob, '/ai off'));
    await deliver(message(bob, `/ai@${BOT} forget @carl`));
    expect(recorder.ingested.map((event) => event.text)).toEqual(['/ai off', `/ai@${BOT} forget @carl`]);
    expect(recorder.handled).toEqual([]);
    expect(fake.sent).toEqual([]);
  });
});
