import { describe, expect, it } from 'vitest';
import { entitiesMention, membershipChange, normalizeUpdate } from '../../../adapters/telegram/normalize.js';

const BOT = { id: '5000', username: 'Chatgate_Bot' };
const context = { bot: BOT, receivedAt: 1234 };
const ann = { id: 9, is_bot: false, first_name: 'Ann', last_name: 'Lee', username: 'ann' };
const supergroup = { id: -1009, title: 'Club', type: 'supergroup', is_forum: true };

/** A message Update in the forum supergroup, with `extra` fields. */
const message = (extra: object) => ({
  update_id: 1,
  message: { message_id: 30, from: ann, chat: supergroup, date: 1, ...extra },
});

describe('normalizeUpdate', () => {
  it('finds @mentions by UTF-16 offsets, case-insensitively', () => {
    const text = '👍🏽 ok @chatgate_bot!';
    // 👍🏽 is four UTF-16 code units (two code points): the mention starts at 8, not 6.
    const [event] = normalizeUpdate(
      message({ text, entities: [{ type: 'mention', offset: 8, length: 13 }] }),
      context,
    );
    expect(event).toMatchObject({ mentionsBot: true, isDirect: false, text });
    const [shifted] = normalizeUpdate(
      message({ text, entities: [{ type: 'mention', offset: 6, length: 13 }] }),
      context,
    );
    expect(shifted?.mentionsBot).toBe(false);
  });

  it('sees a command addressed to the bot, and a mention in a caption', () => {
    const command = normalizeUpdate(
      message({ text: '/ask@Chatgate_Bot hi', entities: [{ type: 'bot_command', offset: 0, length: 17 }] }),
      context,
    );
    expect(command[0]?.mentionsBot).toBe(true);
    const other = normalizeUpdate(
      message({ text: '/ask@other_bot hi', entities: [{ type: 'bot_command', offset: 0, length: 14 }] }),
      context,
    );
    expect(other[0]?.mentionsBot).toBe(false);
    const caption = normalizeUpdate(
      message({
        photo: [{ file_id: 'x', file_unique_id: 'y', width: 1, height: 1 }],
        caption: 'look @chatgate_bot',
        caption_entities: [{ type: 'mention', offset: 5, length: 13 }],
      }),
      context,
    );
    expect(caption[0]).toMatchObject({ text: 'look @chatgate_bot', mentionsBot: true });
  });

  it('puts a forum topic message in its thread; the topic start is not a reply', () => {
    const [event] = normalizeUpdate(
      message({
        text: 'in a topic',
        message_thread_id: 12,
        is_topic_message: true,
        reply_to_message: { message_id: 12, chat: supergroup, date: 1, forum_topic_created: { name: 'T' } },
      }),
      context,
    );
    expect(event).toMatchObject({ threadId: '12', id: 'telegram:-1009:30', channelId: '-1009' });
    expect(event?.replyTo).toBeUndefined();
  });

  it('marks a reply to this bot (by id), not a reply to another bot', () => {
    const reply = (from: object) =>
      normalizeUpdate(
        message({ text: 'yes', reply_to_message: { message_id: 3, from, chat: supergroup, date: 1 } }),
        context,
      )[0]?.replyTo;
    expect(reply({ id: 5000, is_bot: true, first_name: 'Chatgate', username: 'chatgate_bot' })).toEqual({
      messageId: '3',
      userId: '5000',
      isBot: true,
    });
    expect(reply({ id: 6000, is_bot: true, first_name: 'Other', username: 'other_bot' })?.isBot).toBe(false);
  });

  it('makes one member_join per joining member, bots left out', () => {
    const events = normalizeUpdate(
      message({
        new_chat_members: [
          { id: 11, is_bot: false, first_name: 'Bo' },
          { id: 12, is_bot: true, first_name: 'Spam', username: 'spam_bot' },
          { id: 13, is_bot: false, first_name: 'Cy', username: 'cy' },
        ],
      }),
      context,
    );
    expect(events.map((e) => [e.type, e.id, e.user.id, e.user.displayName, e.meta.addedBy])).toEqual([
      ['member_join', 'telegram:-1009:30:11', '11', 'Bo', '9'],
      ['member_join', 'telegram:-1009:30:13', '13', 'Cy', '9'],
    ]);
  });

  it('takes the user from the message and keeps the raw payload', () => {
    const update = message({ text: 'hi' });
    const [event] = normalizeUpdate(update, context);
    expect(event).toMatchObject({
      platform: 'telegram',
      communityId: 'telegram:chat:-1009',
      messageId: '30',
      receivedAt: 1234,
      user: { id: '9', login: 'ann', displayName: 'Ann Lee', isBot: false, roles: [] },
      meta: { chatType: 'supergroup' },
    });
    expect(event?.raw).toBe(update);
  });

  it('yields nothing, without throwing, for odd or foreign payloads', () => {
    for (const odd of [
      null,
      42,
      'x',
      [],
      {},
      { message: null },
      { message: { chat: {} } },
      message({ text: '' }),
    ]) {
      expect(normalizeUpdate(odd, context)).toEqual([]);
    }
    expect(entitiesMention('x', [null, { type: 'mention' }, 'y'], BOT)).toBe(false);
  });
});

describe('membershipChange', () => {
  it('tells when the bot was added to or removed from a chat', () => {
    const change = (before: string, after: string) =>
      membershipChange({
        update_id: 1,
        my_chat_member: {
          chat: { id: -5, type: 'group', title: 'G' },
          from: ann,
          date: 1,
          old_chat_member: { user: { id: 5000, is_bot: true }, status: before },
          new_chat_member: { user: { id: 5000, is_bot: true }, status: after },
        },
      });
    expect(change('left', 'member')).toMatchObject({ chatId: '-5', change: 'added', chatType: 'group' });
    expect(change('administrator', 'kicked')).toMatchObject({ change: 'removed', status: 'kicked' });
    expect(change('member', 'administrator')).toMatchObject({ change: 'changed' });
    expect(membershipChange(message({ text: 'hi' }))).toBeUndefined();
  });
});
