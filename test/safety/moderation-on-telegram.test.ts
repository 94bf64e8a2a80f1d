/**
 * Issue 14 end to end on Telegram: a group's administrator pauses the bot with `/ai off` (roles
 * from `getChatAdministrators`), a member's `/ai off` is refused, and a member kicked for a while
 * (`chat_member`, status `kicked` with an `until_date`) is ignored. Real telegraf against the fake
 * Bot API, the whole pipeline with the local responder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from '../fakes/fake-telegram.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { testConfig } from '../support/services.js';
import { settledInteraction } from '../support/settled-interaction.js';
import { waitFor } from '../support/wait-for.js';

const BOT = 'chatgate_crowd_bot';
const CHAT = -1005550;
const GROUP = { id: CHAT, title: 'Stream', type: 'supergroup' };
const owner = { id: 21, is_bot: false, first_name: 'Olive', username: 'olive' };
const member = { id: 22, is_bot: false, first_name: 'Max', username: 'max' };
const other = { id: 23, is_bot: false, first_name: 'Nia', username: 'nia' };

describe('moderation on Telegram, end to end', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  let messageId = 500;

  async function start(): Promise<{ telegram: FakeTelegram; pipeline: Pipeline }> {
    const telegram = await startFakeTelegram({ username: BOT });
    closers.push(() => telegram.close());
    telegram.setAdministrators(CHAT, [{ status: 'creator', user: owner, is_anonymous: false }]);
    const pipeline = await startPipeline(
      testConfig({
        ai: { mode: 'local' },
        platforms: { telegram: { botToken: telegram.token, apiRoot: telegram.url } },
      }),
    );
    closers.push(() => pipeline.close());
    await waitFor(
      () => pipeline.platforms.adapters[0]?.state().status === 'online',
      10_000,
      'Telegram online',
    );
    return { telegram, pipeline };
  }

  /** Posts `text` from `from` in the group; the message id. */
  function say(telegram: FakeTelegram, from: object, text: string): number {
    const id = ++messageId;
    telegram.pushUpdate({
      update_id: 0,
      message: { message_id: id, from, chat: GROUP, date: Math.floor(Date.now() / 1000), text },
    });
    return id;
  }

  /** What became of Telegram message `id`, once settled. */
  const outcome = (pipeline: Pipeline, id: number) =>
    settledInteraction(pipeline, 'telegram', (eventId) => eventId.endsWith(`:${id}`));

  it("the group's creator pauses the bot with /ai off; a member's /ai off is refused", async () => {
    const { telegram, pipeline } = await start();
    expect(await outcome(pipeline, say(telegram, member, '/ai off'))).toMatchObject({ reason: 'role' });
    expect(await outcome(pipeline, say(telegram, owner, `/ai@${BOT} off`))).toMatchObject({
      status: 'ignored',
      reason: 'command',
    });
    await waitFor(
      () => telegram.sent.some((message) => /paused/i.test(String(message.text))),
      10_000,
      'the pause confirmation in the group',
    );
    expect(await outcome(pipeline, say(telegram, member, `@${BOT} are you there?`))).toMatchObject({
      reason: 'paused',
    });
    expect(await outcome(pipeline, say(telegram, owner, '/ai on'))).toMatchObject({ reason: 'command' });
    expect(await outcome(pipeline, say(telegram, member, `@${BOT} and now?`))).toMatchObject({
      status: 'done',
    });
    // Said: the two confirmations and one answer; nothing to the member's refused command.
    await waitFor(() => telegram.sent.length >= 3, 10_000, 'the answer after /ai on');
    expect(telegram.sent).toHaveLength(3);
  }, 60_000);

  it('a member kicked until a date ahead is ignored (moderated); others are answered', async () => {
    const { telegram, pipeline } = await start();
    const kicked = telegram.pushUpdate({
      update_id: 0,
      chat_member: {
        chat: GROUP,
        from: owner,
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { user: member, status: 'member' },
        new_chat_member: { user: member, status: 'kicked', until_date: Math.floor(Date.now() / 1000) + 600 },
      },
    });
    // telegraf handles the Updates of one poll at once: the message goes after the kick is handled.
    await waitFor(() => telegram.confirmed(kicked), 10_000, 'the chat_member Update to be handled');
    expect(await outcome(pipeline, say(telegram, member, `@${BOT} can I talk?`))).toMatchObject({
      status: 'ignored',
      reason: 'moderated',
    });
    expect(await outcome(pipeline, say(telegram, other, `@${BOT} what about me?`))).toMatchObject({
      status: 'done',
    });
  }, 60_000);
});
