/**
 * Discord moderation and roles through the fake gateway and real discord.js: GUILD_BAN_ADD,
 * MESSAGE_DELETE(_BULK) and timeouts (GUILD_MEMBER_UPDATE) reported as `PlatformModeration`; the
 * guild owner and configured role ids as roles; `/ai …` handed in as text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformAdapter, PlatformModeration } from '../../../src/core/adapter.js';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.js';
import { waitFor } from '../../support/wait-for.js';
import {
  messageCreate,
  nextId,
  type RecordingHost,
  recordingHost,
  settle,
  startAdapter,
  TOKEN,
  user,
} from './support.js';

const IDS = {
  bot: '600000000000000001',
  guild: '600000000000000100',
  channel: '600000000000000101',
  thread: '600000000000000102',
  owner: '600000000000000301',
  modRole: '600000000000000201',
  vipRole: '600000000000000202',
  subRole: '600000000000000203',
} as const;
const COMMUNITY = `discord:guild:${IDS.guild}`;
const home = { guildId: IDS.guild, channelId: IDS.channel };
/** A message in #general. */
const inGeneral = (author: Record<string, unknown>, content: string, roles: string[] = []) =>
  messageCreate({ guild_id: IDS.guild, channel_id: IDS.channel, author, content, roles });
const troll = user('600000000000000401', 'troll');
const alice = user('600000000000000402', 'alice');

/** Starts a guild owned by `IDS.owner` with three plain roles, and the adapter on it. */
async function startGuild(
  config: Parameters<typeof startAdapter>[2],
): Promise<{ fake: FakeDiscord; host: RecordingHost; adapter: PlatformAdapter }> {
  const fake = await startFakeDiscord({
    token: TOKEN,
    user: { id: IDS.bot, username: 'chatgate', bot: true },
    guilds: [
      {
        id: IDS.guild,
        ownerId: IDS.owner,
        channels: [
          { id: IDS.channel, name: 'general' },
          { id: IDS.thread, type: 11, name: 'a thread', parentId: IDS.channel },
        ],
        roles: [
          { id: IDS.modRole, name: 'helpers' },
          { id: IDS.vipRole, name: 'vips' },
          { id: IDS.subRole, name: 'supporters' },
        ],
      },
    ],
  });
  const host = recordingHost();
  const adapter = await startAdapter(fake, host, config);
  return { fake, host, adapter };
}

/** The actions reported after `from`, once there are `n` of them. */
function reported(host: RecordingHost, from: number, n: number): Promise<PlatformModeration[]> {
  return waitFor(() => {
    const actions = host.moderations.slice(from);
    return actions.length >= n ? actions : undefined;
  });
}

describe('Discord moderation events', () => {
  let fake: FakeDiscord;
  let host: RecordingHost;
  let adapter: PlatformAdapter;

  beforeAll(async () => {
    // Member-join greetings turn on GuildMembers, which carries timeouts.
    ({ fake, host, adapter } = await startGuild({ memberJoinGreetings: true }));
  });
  afterAll(async () => {
    await adapter.stop();
    await fake.close();
  });

  it('asks for GuildModeration, so a ban reaches it: a ban on the whole guild', async () => {
    const from = host.moderations.length;
    expect(fake.banAdd(IDS.guild, troll)).toBe(true);
    expect(await reported(host, from, 1)).toEqual([
      { kind: 'ban', communityId: COMMUNITY, channelId: '', userId: troll.id, login: 'troll' },
    ]);
  });

  it('a deleted message: its author when it was seen, only its ids when not; a thread names its parent', async () => {
    const seen = inGeneral(alice, 'hello');
    fake.dispatch('MESSAGE_CREATE', seen);
    await settle(fake, host, home);
    const unseen = nextId();
    const inThread = nextId();
    const from = host.moderations.length;
    expect(fake.deleteMessage({ id: String(seen.id), channelId: IDS.channel, guildId: IDS.guild })).toBe(
      true,
    );
    fake.deleteMessage({ id: unseen, channelId: IDS.channel, guildId: IDS.guild });
    fake.deleteMessage({ id: inThread, channelId: IDS.thread, guildId: IDS.guild });
    const deleted = { kind: 'message_deleted', communityId: COMMUNITY, channelId: IDS.channel };
    expect(await reported(host, from, 3)).toEqual([
      { ...deleted, messageId: seen.id, userId: alice.id },
      { ...deleted, messageId: unseen },
      { ...deleted, messageId: inThread },
    ]);
  });

  it('a bulk delete is one deleted message per id', async () => {
    const ids = [nextId(), nextId()];
    const from = host.moderations.length;
    fake.deleteMessages({ ids, channelId: IDS.channel, guildId: IDS.guild });
    const actions = await reported(host, from, 2);
    expect(actions.map((action) => action.kind === 'message_deleted' && action.messageId).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it('a timeout (communication_disabled_until ahead) is reported once with its length; lifting it is not', async () => {
    const from = host.moderations.length;
    // Not cached yet: discord.js makes the member available rather than updated.
    const until = new Date(Date.now() + 600_000).toISOString();
    expect(fake.updateMember(IDS.guild, { user: troll, until })).toBe(true);
    const [timeout] = await reported(host, from, 1);
    expect(timeout).toMatchObject({
      kind: 'timeout',
      communityId: COMMUNITY,
      channelId: '',
      userId: troll.id,
      login: 'troll',
    });
    const durationMs = timeout?.kind === 'timeout' ? timeout.durationMs : 0;
    expect(durationMs).toBeGreaterThan(590_000);
    expect(durationMs).toBeLessThanOrEqual(600_000);

    // Cached now: the same end again, then the timeout lifted, then a new one (an update each).
    fake.updateMember(IDS.guild, { user: troll, roles: [IDS.vipRole], until });
    fake.updateMember(IDS.guild, { user: troll, until: null });
    const later = new Date(Date.now() + 60_000).toISOString();
    fake.updateMember(IDS.guild, { user: troll, until: later });
    const actions = await reported(host, from, 2);
    await settle(fake, host, home);
    expect(host.moderations.slice(from)).toHaveLength(2);
    expect(actions[1]).toMatchObject({ kind: 'timeout', userId: troll.id });
  });

  it('hands `/ai off` in as text (no slash command is registered)', async () => {
    const from = host.events.length;
    fake.dispatch('MESSAGE_CREATE', inGeneral(alice, '/ai off'));
    const events = await settle(fake, host, home, from);
    expect(events.map((event) => event.text)).toEqual(['/ai off']);
  });
});

describe('Discord roles', () => {
  let fake: FakeDiscord;
  let host: RecordingHost;
  let adapter: PlatformAdapter;

  beforeAll(async () => {
    ({ fake, host, adapter } = await startGuild({
      moderatorRoleIds: [IDS.modRole],
      vipRoleIds: [IDS.vipRole],
      subscriberRoleIds: [IDS.subRole],
    }));
  });
  afterAll(async () => {
    await adapter.stop();
    await fake.close();
  });

  /** The roles of a member who writes in #general holding `roles`. */
  const rolesOf = async (author: Record<string, unknown>, roles: string[]) => {
    const from = host.events.length;
    fake.dispatch('MESSAGE_CREATE', inGeneral(author, 'x', roles));
    const [event] = await settle(fake, host, home, from);
    return event?.user.roles;
  };

  it('the guild owner is broadcaster; configured role ids are moderator, vip, subscriber', async () => {
    // The owner holds every permission (https://discord.com/developers/docs/topics/permissions).
    expect(await rolesOf(user(IDS.owner, 'owner'), [])).toEqual(['broadcaster', 'admin', 'moderator']);
    expect(await rolesOf(alice, [IDS.modRole])).toEqual(['moderator']);
    expect(await rolesOf(alice, [IDS.vipRole, IDS.subRole])).toEqual(['vip', 'subscriber']);
    expect(await rolesOf(alice, [])).toEqual([]);
  });

  it('without GuildMembers (no greetings) the gateway sends no member updates', () => {
    expect(fake.intents() & (1 << 1)).toBe(0);
    expect(fake.updateMember(IDS.guild, { user: troll, until: null })).toBe(false);
  });
});
