/**
 * `allowedChannels` / `allowedRoles`: only events in an allowed channel (or a thread under one), from
 * a member with an allowed role, reach the router; member joins are checked by their greeting
 * channel only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformAdapter } from '../../../src/core/adapter.js';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.js';
import {
  messageCreate,
  type RecordingHost,
  recordingHost,
  settle,
  startAdapter,
  TOKEN,
  user,
} from './support.js';

const GUILD = '600000000000000100';
const ALLOWED = '600000000000000101';
const OTHER = '600000000000000102';
const THREAD = '600000000000000103';
const SYSTEM = '600000000000000104';
const ROLE = '600000000000000201';
const carol = user('600000000000000301', 'carol');
const home = { guildId: GUILD, channelId: ALLOWED, roles: [ROLE] };

let fake: FakeDiscord;
let host: RecordingHost;
let adapter: PlatformAdapter;

beforeAll(async () => {
  fake = await startFakeDiscord({
    token: TOKEN,
    user: { id: '600000000000000001', username: 'chatgate', bot: true },
    guilds: [
      {
        id: GUILD,
        systemChannelId: SYSTEM,
        channels: [
          { id: ALLOWED },
          { id: OTHER },
          { id: SYSTEM },
          { id: THREAD, type: 11, parentId: ALLOWED },
        ],
        roles: [{ id: ROLE, name: 'ai users' }],
      },
    ],
  });
  host = recordingHost();
  adapter = await startAdapter(fake, host, {
    allowedChannels: [ALLOWED],
    allowedRoles: [ROLE],
    memberJoinGreetings: true,
  });
});
afterAll(async () => {
  await adapter.stop();
  await fake.close();
});

describe('allow lists', () => {
  it('pass an allowed role in an allowed channel or a thread under it; drop the rest', async () => {
    const from = host.events.length;
    const say = (channel_id: string, roles: string[], content: string, extra: Record<string, unknown> = {}) =>
      fake.dispatch(
        'MESSAGE_CREATE',
        messageCreate({ guild_id: GUILD, channel_id, author: carol, roles, content, ...extra }),
      );
    say(ALLOWED, [ROLE], 'allowed');
    say(OTHER, [ROLE], 'other channel');
    say(ALLOWED, [], 'no role');
    say(THREAD, [ROLE], 'thread under allowed', { channel_type: 11 });
    fake.dispatch(
      'MESSAGE_CREATE',
      messageCreate({ channel_id: '600000000000000999', channel_type: 1, author: carol, content: 'a DM' }),
    );
    const events = await settle(fake, host, home, from);
    expect(events.map((e) => e.text)).toEqual(['allowed', 'thread under allowed']);
  });

  it('greet a new member only when the greeting channel is allowed; roles do not apply', async () => {
    const from = host.events.length;
    fake.dispatch('GUILD_MEMBER_ADD', {
      guild_id: GUILD,
      user: user('600000000000000302', 'dave'),
      roles: [],
      joined_at: '2024-05-01T00:00:00.000000+00:00',
      deaf: false,
      mute: false,
    });
    let events = await settle(fake, host, home, from);
    expect(events).toHaveLength(0); // the system channel is not in allowedChannels

    // Without a channel list the same join is greeted.
    await adapter.stop();
    const open = recordingHost();
    const greeter = await startAdapter(fake, open, { memberJoinGreetings: true });
    fake.dispatch('GUILD_MEMBER_ADD', {
      guild_id: GUILD,
      user: user('600000000000000303', 'erin'),
      roles: [],
      joined_at: '2024-05-01T00:00:00.000000+00:00',
      deaf: false,
      mute: false,
    });
    events = await settle(fake, open, home);
    expect(events).toMatchObject([{ type: 'member_join', channelId: SYSTEM, user: { login: 'erin' } }]);
    await greeter.stop();
  });
});
