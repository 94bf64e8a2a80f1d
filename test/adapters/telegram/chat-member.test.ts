/** `chat_member` Updates read on their own: the edges the end-to-end test does not reach. */
import { describe, expect, it } from 'vitest';
import { chatMemberChange } from '../../../adapters/telegram/chat-member.js';

const NOW = 1_800_000_000_000;
const user = { id: 5, is_bot: false, first_name: 'Eve' };
const change = (before: Record<string, unknown>, after: Record<string, unknown>) => ({
  update_id: 1,
  chat_member: {
    chat: { id: -77, type: 'supergroup' },
    old_chat_member: { user, ...before },
    new_chat_member: { user, ...after },
  },
});

describe('chatMemberChange', () => {
  it('a restriction whose until_date has passed is over: nothing to report', () => {
    const past = NOW / 1000 - 60;
    expect(
      chatMemberChange(
        change({ status: 'member' }, { status: 'restricted', can_send_messages: false, until_date: past }),
        NOW,
      ),
    ).toEqual({ chatId: '-77', adminsChanged: false });
  });

  it('an administrator demoted or promoted changes the admins; rights changed within a status do not', () => {
    expect(
      chatMemberChange(change({ status: 'administrator' }, { status: 'member' }), NOW)?.adminsChanged,
    ).toBe(true);
    expect(
      chatMemberChange(change({ status: 'member' }, { status: 'administrator' }), NOW)?.adminsChanged,
    ).toBe(true);
    expect(
      chatMemberChange(
        change({ status: 'administrator' }, { status: 'administrator', can_pin_messages: true }),
        NOW,
      )?.adminsChanged,
    ).toBe(false);
  });

  it('an administrator who is kicked is both: the list is stale and it is a ban', () => {
    expect(
      chatMemberChange(change({ status: 'administrator' }, { status: 'kicked', until_date: 0 }), NOW),
    ).toEqual({
      chatId: '-77',
      adminsChanged: true,
      moderation: { kind: 'ban', communityId: 'telegram:chat:-77', channelId: '-77', userId: '5' },
    });
  });

  it('other Updates and malformed ones are not chat_member changes', () => {
    expect(chatMemberChange({ update_id: 1, message: { chat: { id: 1 } } }, NOW)).toBeUndefined();
    expect(chatMemberChange({ update_id: 1, chat_member: { chat: {} } }, NOW)).toBeUndefined();
    expect(chatMemberChange(null, NOW)).toBeUndefined();
  });
});
