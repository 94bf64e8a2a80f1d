/**
 * EventSub and IRC make the same ChatEvent for the same message: each case states the facts once,
 * builds the `channel.chat.message` / `channel.chat.notification` payload (the EventSub reference's
 * shape) and the tags tmi.js 1.8.5 hands over for the PRIVMSG / USERNOTICE
 * (https://dev.twitch.tv/docs/chat/irc/#privmsg-tags, #usernotice-tags), and compares both
 * normalizations (all but `raw`). Then the EventSub-only rules: unanswered notice types, anonymous
 * gifts, mass-gift keys, shared chat.
 */
import { describe, expect, it } from 'vitest';
import {
  giftBundleTags,
  normalizeChatMessage,
  normalizeChatNotification,
} from '../../../../adapters/twitch/eventsub/normalize.js';
import { normalizeTwitchEvent, type TwitchInbound } from '../../../../adapters/twitch/normalize.js';
import { type ChatEvent, withoutRaw } from '../../../../src/core/chat-event.js';
import {
  type Chatter,
  chatMessageEvent,
  chatNotificationEvent,
  raidNotice,
} from '../../../fakes/twitch-eventsub-payloads.js';

const NOW = 1_700_000_000_000;
const BOT = 'chatgatebot';
const esContext = { botLogin: BOT, knownBots: new Set(['nightbot']), now: NOW };
const ircContext = { ...esContext, roomIdOf: () => undefined };
const channel = { id: '1001', login: 'mychan', name: 'MyChan' };

/** tmi.js's tags for a chatter: badges as an object, `'1'` flags as booleans. */
function ircUserTags(chatter: Chatter, id: string): Record<string, unknown> {
  const badges = chatter.badges ?? [];
  return {
    'badge-info': badges.includes('subscriber') ? { subscriber: '12' } : null,
    badges:
      badges.length > 0
        ? Object.fromEntries(badges.map((set) => [set, set === 'subscriber' ? '12' : '1']))
        : null,
    color: '#00FF7F',
    'display-name': chatter.name ?? chatter.login,
    id,
    mod: badges.includes('moderator'),
    'room-id': channel.id,
    subscriber: badges.includes('subscriber'),
    'tmi-sent-ts': String(NOW),
    'user-id': chatter.id,
    'user-type': badges.includes('moderator') ? 'mod' : null,
  };
}

function same(irc: TwitchInbound, eventSub: ChatEvent | undefined): void {
  const fromIrc = normalizeTwitchEvent(irc, ircContext);
  expect(fromIrc).toBeDefined();
  expect(eventSub).toBeDefined();
  expect(withoutRaw(eventSub as ChatEvent)).toEqual(withoutRaw(fromIrc as ChatEvent));
}

const viewer: Chatter = { id: '4242', login: 'viewer', name: 'Viewer', badges: ['moderator', 'subscriber'] };

describe('EventSub and IRC normalize a chat message alike', () => {
  it('a plain message with badges (roles)', () => {
    same(
      {
        event: 'message',
        channel: '#mychan',
        tags: { ...ircUserTags(viewer, 'm-1'), username: 'viewer', 'message-type': 'chat' },
        text: 'what game is this?',
      },
      normalizeChatMessage(chatMessageEvent(channel, viewer, 'm-1', 'what game is this?'), esContext),
    );
  });

  it('a reply to the bot (replyTo, mentionsBot)', () => {
    const plain: Chatter = { id: '5', login: 'asker', name: 'Asker' };
    same(
      {
        event: 'message',
        channel: '#mychan',
        tags: {
          ...ircUserTags(plain, 'm-2'),
          username: 'asker',
          'message-type': 'chat',
          'reply-parent-msg-id': 'parent-1',
          'reply-parent-user-id': '90001',
          'reply-parent-user-login': BOT,
          'reply-parent-display-name': 'ChatGateBot',
          'reply-parent-msg-body': 'an\\searlier\\smessage',
        },
        text: '@chatgatebot and then?',
      },
      normalizeChatMessage(
        chatMessageEvent(channel, plain, 'm-2', '@chatgatebot and then?', {
          reply: { parentMessageId: 'parent-1', parentUserId: '90001', parentUserLogin: BOT },
        }),
        esContext,
      ),
    );
  });

  it('a cheer (bits)', () => {
    const cheerer: Chatter = { id: '6', login: 'cheerer', badges: ['vip'] };
    same(
      {
        event: 'cheer',
        channel: '#mychan',
        tags: { ...ircUserTags(cheerer, 'm-3'), username: 'cheerer', bits: '100', 'message-type': 'chat' },
        text: 'Cheer100 great stream',
      },
      normalizeChatMessage(
        chatMessageEvent(channel, cheerer, 'm-3', 'Cheer100 great stream', { bits: 100 }),
        esContext,
      ),
    );
  });

  it('a /me action (EventSub keeps the CTCP wrapping that tmi.js removes)', () => {
    const actor: Chatter = { id: '7', login: 'actor', badges: ['broadcaster'] };
    same(
      {
        event: 'message',
        channel: '#mychan',
        tags: { ...ircUserTags(actor, 'm-4'), username: 'actor', 'message-type': 'action' },
        text: 'waves at chatgatebot',
      },
      normalizeChatMessage(
        chatMessageEvent(channel, actor, 'm-4', '\u0001ACTION waves at chatgatebot\u0001'),
        esContext,
      ),
    );
  });
});

describe('EventSub and IRC normalize a chat notification alike', () => {
  const raider: Chatter = { id: '777', login: 'raider', name: 'Raider' };

  it('a raid', () => {
    same(
      {
        event: 'raided',
        channel: '#mychan',
        tags: {
          ...ircUserTags(raider, 'n-1'),
          login: 'raider',
          'msg-id': 'raid',
          'msg-param-displayName': 'Raider',
          'msg-param-login': 'raider',
          'msg-param-viewerCount': '42',
        },
        text: null,
      },
      normalizeChatNotification(
        chatNotificationEvent(channel, raider, 'n-1', 'raid', raidNotice(raider, 42)),
        esContext,
      ),
    );
  });

  it('a resub with its message', () => {
    const subber: Chatter = { id: '8', login: 'subber', name: 'Subber', badges: ['subscriber'] };
    same(
      {
        event: 'resub',
        channel: '#mychan',
        tags: {
          ...ircUserTags(subber, 'n-2'),
          login: 'subber',
          'msg-id': 'resub',
          'msg-param-cumulative-months': '7',
          'msg-param-streak-months': '3',
          'msg-param-should-share-streak': true,
          'msg-param-sub-plan': '1000',
        },
        text: 'seven months!',
      },
      normalizeChatNotification(
        chatNotificationEvent(
          channel,
          subber,
          'n-2',
          'resub',
          {
            cumulative_months: 7,
            duration_months: 1,
            streak_months: 3,
            sub_tier: '1000',
            is_prime: false,
            is_gift: false,
          },
          'seven months!',
        ),
        esContext,
      ),
    );
  });

  it('a gifted sub', () => {
    const gifter: Chatter = { id: '9', login: 'gifter', name: 'Gifter' };
    same(
      {
        event: 'subgift',
        channel: '#mychan',
        tags: {
          ...ircUserTags(gifter, 'n-3'),
          login: 'gifter',
          'msg-id': 'subgift',
          'msg-param-gift-months': '1',
          'msg-param-months': '1',
          'msg-param-recipient-display-name': 'Lucky',
          'msg-param-recipient-id': '31',
          'msg-param-recipient-user-name': 'lucky',
          'msg-param-sub-plan': '1000',
        },
        text: null,
      },
      normalizeChatNotification(
        chatNotificationEvent(channel, gifter, 'n-3', 'sub_gift', {
          duration_months: 1,
          cumulative_total: null,
          recipient_user_id: '31',
          recipient_user_name: 'Lucky',
          recipient_user_login: 'lucky',
          sub_tier: '1000',
          community_gift_id: null,
        }),
        esContext,
      ),
    );
  });
});

describe('EventSub-only rules', () => {
  const someone: Chatter = { id: '10', login: 'someone' };

  it('leaves out notice types chatgate does not answer', () => {
    const announcement = chatNotificationEvent(
      channel,
      someone,
      'n-4',
      'announcement',
      { color: 'BLUE' },
      'hear ye',
    );
    expect(normalizeChatNotification(announcement, esContext)).toBeUndefined();
  });

  it('marks an anonymous mass gift and keys its bundle', () => {
    const event = chatNotificationEvent(
      channel,
      { ...someone, anonymous: true },
      'n-5',
      'community_sub_gift',
      {
        id: 'bundle-1',
        total: 5,
        sub_tier: '1000',
        cumulative_total: null,
      },
    );
    expect(normalizeChatNotification(event, esContext)).toMatchObject({
      type: 'submysterygift',
      user: { login: 'ananonymousgifter' },
      meta: { anonymous: true, giftCount: 5, tier: '1000' },
    });
    expect(giftBundleTags(event)).toEqual({ 'msg-param-community-gift-id': 'bundle-1' });
  });

  it('notes the source room of a shared-chat message', () => {
    const event = chatMessageEvent(channel, someone, 'm-6', 'hi from next door', {
      sourceBroadcasterId: '2002',
    });
    expect(normalizeChatMessage(event, esContext)?.meta).toEqual({ sourceRoomId: '2002' });
  });

  it('refuses an event without its ids', () => {
    const event = { ...chatMessageEvent(channel, someone, 'm-7', 'x'), message_id: '' };
    expect(normalizeChatMessage(event, esContext)).toBeUndefined();
  });
});
