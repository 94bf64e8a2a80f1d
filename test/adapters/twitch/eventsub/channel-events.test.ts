/**
 * The channel events a broadcaster's grant opens, normalized from the EventSub reference's payload
 * shapes: a redemption (its input the text, the reward in camelCase meta), a follow and a cheer
 * (ids from the notification's message id); and the cheer twins (chat message with bits and
 * `channel.cheer`) answered once.
 */
import { describe, expect, it } from 'vitest';
import { CheerPairs, normalizeChannelEvent } from '../../../../adapters/twitch/eventsub/channel-events.js';
import { normalizeChatMessage } from '../../../../adapters/twitch/eventsub/normalize.js';
import {
  chatMessageEvent,
  cheerEvent,
  followEvent,
  redemptionEvent,
} from '../../../fakes/twitch-eventsub-payloads.js';

const NOW = 1_700_000_000_000;
const context = { botLogin: 'chatgatebot', knownBots: new Set(['nightbot']), now: NOW };
const channel = { id: '1001', login: 'MyChan', name: 'MyChan' };
const fan = { id: '77', login: 'Fan', name: 'Fan ' };
const REDEMPTION = 'channel.channel_points_custom_reward_redemption.add';

describe('normalizeChannelEvent', () => {
  it('makes a redemption whose text is the viewer input, with the reward in meta', () => {
    const event = redemptionEvent(
      channel,
      fan,
      'red-1',
      { id: 'rw-9', title: 'Ask the AI', cost: 500 },
      ' why? ',
    );
    expect(normalizeChannelEvent(REDEMPTION, 'msg-1', event, context)).toEqual({
      id: 'twitch:redemption:red-1',
      platform: 'twitch',
      type: 'redemption',
      communityId: 'twitch:channel:1001',
      channelId: 'mychan',
      text: 'why?',
      user: { id: '77', login: 'fan', displayName: 'Fan', isBot: false, roles: [] },
      isDirect: false,
      mentionsBot: false,
      meta: { rewardId: 'rw-9', rewardTitle: 'Ask the AI', userInput: 'why?', cost: 500 },
      receivedAt: NOW,
      raw: event,
    });
  });

  it('makes a follow and a cheer, identified by the notification', () => {
    expect(
      normalizeChannelEvent('channel.follow', 'msg-2', followEvent(channel, fan), context),
    ).toMatchObject({
      id: 'twitch:msg-2',
      type: 'follow',
      text: '',
      user: { id: '77', login: 'fan' },
      meta: {},
    });
    expect(
      normalizeChannelEvent(
        'channel.cheer',
        'msg-3',
        cheerEvent(channel, fan, 250, 'Cheer250 nice'),
        context,
      ),
    ).toMatchObject({ id: 'twitch:msg-3', type: 'cheer', text: 'Cheer250 nice', meta: { bits: 250 } });
    // The broadcaster cheering in their own channel is known by id.
    expect(
      normalizeChannelEvent(
        'channel.cheer',
        'msg-4',
        cheerEvent(channel, { id: '1001', login: 'mychan' }, 1, 'x'),
        context,
      )?.user.roles,
    ).toEqual(['broadcaster']);
  });

  it('leaves out what it cannot place', () => {
    expect(
      normalizeChannelEvent(
        REDEMPTION,
        'm',
        { ...redemptionEvent(channel, fan, 'r', { id: 'w', title: 't' }, 'x'), reward: null },
        context,
      ),
    ).toBeUndefined();
    expect(normalizeChannelEvent('channel.follow', '', followEvent(channel, fan), context)).toBeUndefined();
    expect(
      normalizeChannelEvent('channel.cheer', 'm', cheerEvent(channel, fan, 0, 'x'), context),
    ).toBeUndefined();
    expect(
      normalizeChannelEvent(
        'channel.follow',
        'm',
        { ...followEvent(channel, fan), broadcaster_user_id: '' },
        context,
      ),
    ).toBeUndefined();
    expect(normalizeChannelEvent('channel.raid', 'm', followEvent(channel, fan), context)).toBeUndefined();
  });
});

describe('CheerPairs', () => {
  const chatCheer = normalizeChatMessage(
    chatMessageEvent(channel, fan, 'c-1', 'Cheer100 hi', { bits: 100 }),
    context,
  );
  const eventCheer = normalizeChannelEvent(
    'channel.cheer',
    'msg-5',
    cheerEvent(channel, fan, 100, 'Cheer100 hi'),
    context,
  );

  it('answers the first of a chat cheer and its channel.cheer twin, in either order', () => {
    if (!chatCheer || !eventCheer) throw new Error('fixtures');
    const pairs = new CheerPairs(60_000);
    expect(pairs.admit(chatCheer, 'channel.chat.message', NOW)).toBe(true);
    expect(pairs.admit(eventCheer, 'channel.cheer', NOW + 10)).toBe(false);
    expect(pairs.admit(eventCheer, 'channel.cheer', NOW + 20)).toBe(true);
    expect(pairs.admit(chatCheer, 'channel.chat.message', NOW + 30)).toBe(false);
  });

  it('answers two cheers from one source, and a twin after the window', () => {
    if (!chatCheer || !eventCheer) throw new Error('fixtures');
    const pairs = new CheerPairs(60_000);
    expect(pairs.admit(chatCheer, 'channel.chat.message', NOW)).toBe(true);
    expect(pairs.admit(chatCheer, 'channel.chat.message', NOW + 1)).toBe(true);
    expect(pairs.admit(eventCheer, 'channel.cheer', NOW + 120_000)).toBe(true);
  });
});
