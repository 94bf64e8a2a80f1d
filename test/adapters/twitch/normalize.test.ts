/**
 * Normalization rules on tags shaped as tmi.js 1.8.5 hands them over ('1' → true, '0' → false,
 * empty → null, badges as objects), and the mass-gift bundling. The shared corpus runs through the
 * whole adapter in corpus.test.ts; these cover the edges.
 */
import { describe, expect, it } from 'vitest';
import { MassGiftBundles } from '../../../adapters/twitch/gift-bundles.js';
import { mentions, type NormalizeContext, normalizeTwitchEvent } from '../../../adapters/twitch/normalize.js';
import { badgeNames, tagNumber, tagString } from '../../../adapters/twitch/tags.js';
import { chatEvent } from '../../support/events.js';

const context: NormalizeContext = {
  botLogin: 'chatgatebot',
  knownBots: new Set(['nightbot']),
  roomIdOf: (channel) => (channel === 'known' ? '321' : undefined),
  now: 1_700_000_000_000,
};

const tags = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  'badge-info': null,
  badges: null,
  'display-name': 'Viewer',
  id: 'msg-1',
  mod: false,
  'room-id': '99',
  subscriber: false,
  'user-id': '42',
  'user-type': null,
  username: 'viewer',
  'message-type': 'chat',
  ...extra,
});

describe('normalizeTwitchEvent', () => {
  it('maps a chat message', () => {
    expect(
      normalizeTwitchEvent({ event: 'message', channel: '#Chan', tags: tags(), text: 'hi' }, context),
    ).toEqual({
      id: 'twitch:msg-1',
      platform: 'twitch',
      type: 'message',
      communityId: 'twitch:channel:99',
      channelId: 'chan',
      messageId: 'msg-1',
      text: 'hi',
      user: { id: '42', login: 'viewer', displayName: 'Viewer', isBot: false, roles: [] },
      isDirect: false,
      mentionsBot: false,
      meta: {},
      receivedAt: 1_700_000_000_000,
      raw: { line: undefined, tags: tags() },
    });
  });

  it('marks the bot itself and known bots', () => {
    const self = normalizeTwitchEvent(
      { event: 'message', channel: '#c', tags: tags({ username: 'chatgatebot' }), text: 'x' },
      context,
    );
    const known = normalizeTwitchEvent(
      { event: 'message', channel: '#c', tags: tags({ username: 'nightbot' }), text: 'x' },
      context,
    );
    expect(self?.user.isBot).toBe(true);
    expect(known?.user.isBot).toBe(true);
  });

  it('takes roles from badges and from the mod/vip/subscriber flags', () => {
    const badged = tags({ badges: { broadcaster: '1', founder: '0', vip: '1' } });
    expect(
      normalizeTwitchEvent({ event: 'message', channel: '#c', tags: badged, text: 'x' }, context)?.user.roles,
    ).toEqual(['broadcaster', 'vip', 'subscriber']);
    const flagged = tags({ mod: true, subscriber: true });
    expect(
      normalizeTwitchEvent({ event: 'message', channel: '#c', tags: flagged, text: 'x' }, context)?.user
        .roles,
    ).toEqual(['moderator', 'subscriber']);
  });

  it('reads numbers tmi.js turned into booleans (a raid of 1, a first resub month)', () => {
    const raid = normalizeTwitchEvent(
      {
        event: 'raided',
        channel: '#c',
        tags: tags({ login: 'raider', 'msg-param-viewerCount': true }),
        text: null,
      },
      context,
    );
    expect(raid).toMatchObject({ type: 'raid', text: '', meta: { viewers: 1 } });
    const resub = normalizeTwitchEvent(
      {
        event: 'resub',
        channel: '#c',
        tags: tags({ 'msg-param-cumulative-months': '7', 'msg-param-streak-months': false }),
        text: null,
      },
      context,
    );
    expect(resub?.meta).toEqual({ months: 7 });
  });

  it('maps anonymous gifts with the recipient and count', () => {
    const gift = normalizeTwitchEvent(
      {
        event: 'anonsubgift',
        channel: '#c',
        tags: tags({ 'msg-param-recipient-user-name': 'lucky' }),
        text: null,
      },
      context,
    );
    expect(gift).toMatchObject({ type: 'subgift', meta: { recipient: 'lucky', anonymous: true } });
    const mystery = normalizeTwitchEvent(
      {
        event: 'anonsubmysterygift',
        channel: '#c',
        tags: tags({ 'msg-param-mass-gift-count': '5' }),
        text: null,
      },
      context,
    );
    expect(mystery).toMatchObject({ type: 'submysterygift', meta: { giftCount: 5, anonymous: true } });
  });

  it('falls back to the ROOMSTATE room id, and skips a line with none', () => {
    const noRoom = tags({ 'room-id': undefined });
    expect(
      normalizeTwitchEvent({ event: 'message', channel: '#known', tags: noRoom, text: 'x' }, context)
        ?.communityId,
    ).toBe('twitch:channel:321');
    expect(
      normalizeTwitchEvent({ event: 'message', channel: '#unknown', tags: noRoom, text: 'x' }, context),
    ).toBeUndefined();
  });

  it('ignores whispers', () => {
    const whisper = tags({ 'message-type': 'whisper' });
    expect(
      normalizeTwitchEvent({ event: 'message', channel: '#randers', tags: whisper, text: 'psst' }, context),
    ).toBeUndefined();
  });

  it('unwraps a /me inside a USERNOTICE and strips the duplicate-dodging U+E0000', () => {
    const resub = normalizeTwitchEvent(
      { event: 'resub', channel: '#c', tags: tags(), text: '\u0001ACTION waves\u0001' },
      context,
    );
    expect(resub).toMatchObject({ text: 'waves', meta: { action: true } });
    const dodged = normalizeTwitchEvent(
      { event: 'message', channel: '#c', tags: tags(), text: 'again \u{E0000}' },
      context,
    );
    expect(dodged?.text).toBe('again');
  });
});

describe('mentions', () => {
  it.each([
    ['@ChatGateBot hello', true],
    ['hey chatgatebot, you there?', true],
    ['CHATGATEBOT', true],
    ['chatgatebots are cool', false],
    ['mychatgatebot', false],
    ['nothing here', false],
  ])('%j → %s', (text, expected) => {
    expect(mentions(text, 'chatgatebot')).toBe(expected);
  });
});

describe('tag helpers', () => {
  it('narrow tmi.js values', () => {
    expect(tagString({ a: true, b: false, c: null, d: 'x', e: '' }, 'a')).toBe('1');
    expect(tagString({ b: false }, 'b')).toBe('0');
    expect(tagString({ c: null }, 'c')).toBeUndefined();
    expect(tagNumber({ n: '12' }, 'n')).toBe(12);
    expect(tagNumber({ n: 'abc' }, 'n')).toBeUndefined();
    expect([...badgeNames('moderator/1,subscriber/12')]).toEqual(['moderator', 'subscriber']);
    expect([...badgeNames({ vip: '1' })]).toEqual(['vip']);
    expect([...badgeNames(true)]).toEqual([]);
  });
});

describe('MassGiftBundles', () => {
  const event = (type: 'subgift' | 'submysterygift', channelId = 'c', giftCount?: number) =>
    chatEvent({ platform: 'twitch', type, channelId, meta: giftCount === undefined ? {} : { giftCount } });

  it('holds back as many subgifts as the mystery gift announced, by origin or community gift id', () => {
    const bundles = new MassGiftBundles(60_000);
    expect(bundles.admit(event('submysterygift', 'c', 2), { 'msg-param-community-gift-id': '9' }, 0)).toBe(
      true,
    );
    expect(bundles.admit(event('subgift'), { 'msg-param-community-gift-id': '9' }, 1)).toBe(false);
    expect(bundles.admit(event('subgift'), { 'msg-param-community-gift-id': '9' }, 2)).toBe(false);
    expect(bundles.admit(event('subgift'), { 'msg-param-community-gift-id': '9' }, 3)).toBe(true);
  });

  it('does not hold back a subgift of another channel, another bundle, or after the window', () => {
    const bundles = new MassGiftBundles(1_000);
    bundles.admit(event('submysterygift', 'c', 5), { 'msg-param-origin-id': 'o' }, 0);
    expect(bundles.admit(event('subgift', 'other'), { 'msg-param-origin-id': 'o' }, 1)).toBe(true);
    expect(bundles.admit(event('subgift'), { 'msg-param-origin-id': 'p' }, 1)).toBe(true);
    expect(bundles.admit(event('subgift'), { 'msg-param-origin-id': 'o' }, 1_001)).toBe(true);
  });
});
