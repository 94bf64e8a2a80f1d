/**
 * The EventSub moderation hooks: `channel.chat.message_delete`, `channel.chat.clear_user_messages`
 * (a 0 ms timeout) and `channel.ban` become the same
 * `PlatformModeration` the IRC transport reports for CLEARMSG and CLEARCHAT (a deleted message; a
 * ban; a timeout with its length), reported through the adapter host when the fake pushes them;
 * `channel.ban` is subscribed only where the bot's token may (a moderator seat).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventSubModeration } from '../../../../adapters/twitch/eventsub/moderation.js';
import { type FakeTwitchHelix, startFakeTwitchHelix } from '../../../fakes/fake-twitch-helix.js';
import {
  banEvent,
  clearUserMessagesEvent,
  messageDeleteEvent,
} from '../../../fakes/twitch-eventsub-payloads.js';
import { waitFor } from '../../../support/wait-for.js';
import { BOT_SUBSCRIPTIONS, CHANNEL, FAKE_USERS, type RunningEventSub, startEventSub } from './support.js';

const troll = { id: '666', login: 'Troll' };
const community = `twitch:channel:${CHANNEL.id}`;

describe('eventSubModeration', () => {
  it('maps a deleted message, a ban and a timeout as the IRC transport does', () => {
    expect(
      eventSubModeration('channel.chat.message_delete', messageDeleteEvent(CHANNEL, troll, 'm-9')),
    ).toEqual({
      kind: 'message_deleted',
      communityId: community,
      channelId: CHANNEL.login,
      messageId: 'm-9',
      userId: troll.id,
    });
    expect(eventSubModeration('channel.ban', banEvent(CHANNEL, troll))).toEqual({
      kind: 'ban',
      communityId: community,
      channelId: CHANNEL.login,
      userId: troll.id,
      login: 'troll',
    });
    expect(eventSubModeration('channel.ban', banEvent(CHANNEL, troll, 600))).toMatchObject({
      kind: 'timeout',
      durationMs: 600_000,
    });
  });

  it("maps a user's cleared messages to a timeout of 0 ms: their pending answers end, nothing is held after", () => {
    expect(
      eventSubModeration('channel.chat.clear_user_messages', clearUserMessagesEvent(CHANNEL, troll)),
    ).toEqual({
      kind: 'timeout',
      communityId: community,
      channelId: CHANNEL.login,
      userId: troll.id,
      login: 'troll',
      durationMs: 0,
    });
    expect(
      eventSubModeration('channel.chat.clear_user_messages', {
        ...clearUserMessagesEvent(CHANNEL, troll),
        target_user_id: '',
      }),
    ).toBeUndefined();
  });

  it('leaves out what it cannot place', () => {
    expect(
      eventSubModeration('channel.ban', { ...banEvent(CHANNEL, troll, 60), ends_at: null }),
    ).toBeUndefined();
    expect(eventSubModeration('channel.ban', { ...banEvent(CHANNEL, troll), user_id: '' })).toBeUndefined();
    expect(eventSubModeration('channel.chat.message_delete', { message_id: 'x' })).toBeUndefined();
    expect(eventSubModeration('channel.follow', banEvent(CHANNEL, troll))).toBeUndefined();
  });
});

describe('twitch eventsub moderation hooks', () => {
  let fake: FakeTwitchHelix | undefined;
  let running: RunningEventSub | undefined;
  afterEach(async () => {
    await running?.adapter.stop();
    await fake?.close();
    running = undefined;
    fake = undefined;
  });

  it('subscribes to channel.ban where the bot moderates and reports bans, timeouts and deletions', async () => {
    fake = await startFakeTwitchHelix({
      users: FAKE_USERS,
      botModerates: true,
      scopes: ['user:read:chat', 'user:write:chat', 'user:bot', 'channel:moderate'],
    });
    const current = fake;
    running = await startEventSub(current);
    const ban = current.subscriptions().find((sub) => sub.type === 'channel.ban');
    expect(ban?.condition).toEqual({ broadcaster_user_id: CHANNEL.id });
    expect(current.subscriptions()).toHaveLength(BOT_SUBSCRIPTIONS.length + 1);
    current.notify('channel.chat.message_delete', messageDeleteEvent(CHANNEL, troll, 'm-10'));
    current.notify('channel.ban', banEvent(CHANNEL, troll, 300));
    current.notify('channel.ban', banEvent(CHANNEL, { id: '667', login: 'worse' }));
    current.notify('channel.chat.clear_user_messages', clearUserMessagesEvent(CHANNEL, troll));
    const host = running.host;
    await waitFor(() => host.moderations.length === 4);
    expect(host.moderations.map((action) => action.kind)).toEqual([
      'message_deleted',
      'timeout',
      'ban',
      'timeout',
    ]);
    expect(host.moderations[3]).toMatchObject({ userId: troll.id, durationMs: 0 });
    expect(host.moderations[1]).toMatchObject({ userId: troll.id, durationMs: 300_000 });
    expect(host.events).toEqual([]);
  });
});
