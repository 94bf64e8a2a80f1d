/**
 * Issue 14 end to end on Discord: a member with Manage Messages pauses the bot with `!ai off`, a
 * plain member's is refused, and a guild ban (GUILD_BAN_ADD) makes the bot ignore the user. Real
 * discord.js against the fake gateway and REST, the whole pipeline with the local responder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { messageCreate, SCENE, TOKEN, user } from '../adapters/discord/support.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { testConfig } from '../support/services.js';
import { settledInteraction } from '../support/settled-interaction.js';
import { waitFor } from '../support/wait-for.js';

const mod = user('700000000000000301', 'moddy');
const viewer = user('700000000000000302', 'viewer');
const troll = user('700000000000000303', 'troll');

describe('moderation on Discord, end to end', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function start(): Promise<{ discord: FakeDiscord; pipeline: Pipeline }> {
    const discord = await startFakeDiscord({
      token: TOKEN,
      user: { id: SCENE.bot, username: 'chatgate', bot: true },
      guilds: [
        {
          id: SCENE.guild,
          channels: [{ id: SCENE.channel, name: 'general' }],
          roles: [{ id: SCENE.modRole, name: 'mods', permissions: String(1n << 13n) }], // ManageMessages
        },
      ],
    });
    closers.push(() => discord.close());
    const pipeline = await startPipeline(
      testConfig({
        ai: { mode: 'local' },
        platforms: { discord: { token: TOKEN, apiUrl: discord.apiUrl } },
      }),
    );
    closers.push(() => pipeline.close());
    await waitFor(
      () => pipeline.platforms.adapters[0]?.state().status === 'online',
      10_000,
      'Discord online',
    );
    return { discord, pipeline };
  }

  /** Dispatches a message in #general from `author`; its event id. */
  function say(discord: FakeDiscord, author: Record<string, unknown>, content: string, roles: string[] = []) {
    const mentions = content.includes(`<@${SCENE.bot}>`) ? [user(SCENE.bot, 'chatgate', { bot: true })] : [];
    const d = messageCreate({
      guild_id: SCENE.guild,
      channel_id: SCENE.channel,
      author,
      content,
      roles,
      mentions,
    });
    discord.dispatch('MESSAGE_CREATE', d);
    return `discord:${String(d.id)}`;
  }

  /** What became of event `id`, once settled. */
  const outcome = (pipeline: Pipeline, id: string) =>
    settledInteraction(pipeline, 'discord', (eventId) => eventId === id);

  const posts = (discord: FakeDiscord) =>
    discord.requests.filter(
      (request) => request.method === 'POST' && request.path.endsWith(`/channels/${SCENE.channel}/messages`),
    );

  it('a member with Manage Messages pauses and resumes the bot; a plain member cannot', async () => {
    const { discord, pipeline } = await start();
    expect(await outcome(pipeline, say(discord, viewer, '!ai off'))).toMatchObject({ reason: 'role' });
    expect(await outcome(pipeline, say(discord, mod, '!ai off', [SCENE.modRole]))).toMatchObject({
      status: 'ignored',
      reason: 'command',
    });
    await waitFor(() => posts(discord).length >= 1, 10_000, 'the pause confirmation');
    expect(JSON.stringify(posts(discord)[0]?.body)).toMatch(/paused/i);
    expect(await outcome(pipeline, say(discord, viewer, `<@${SCENE.bot}> are you there?`))).toMatchObject({
      reason: 'paused',
    });
    expect(await outcome(pipeline, say(discord, mod, '/ai on', [SCENE.modRole]))).toMatchObject({
      reason: 'command',
    });
    expect(await outcome(pipeline, say(discord, viewer, `<@${SCENE.bot}> and now?`))).toMatchObject({
      status: 'done',
    });
    await waitFor(() => posts(discord).length >= 3, 10_000, 'the answer after /ai on');
    expect(posts(discord)).toHaveLength(3);
  }, 60_000);

  it('a guild ban (GUILD_BAN_ADD) forgets the user and makes the bot ignore them (moderated); others are answered', async () => {
    const { discord, pipeline } = await start();
    const session = async (userId: string) => {
      const key = encodeURIComponent(`discord:guild:${SCENE.guild}|${SCENE.channel}|${userId}`);
      const response = await pipeline.app.inject({ method: 'GET', url: `/api/v1/sessions/${key}` });
      return response.json().messages as unknown[];
    };
    // The troll talks first: the bot answers and remembers the exchange.
    expect(await outcome(pipeline, say(discord, troll, `<@${SCENE.bot}> remember me?`))).toMatchObject({
      status: 'done',
    });
    expect(await session(String(troll.id))).toHaveLength(2);
    // A ban is on the whole guild (no channel): the channels the troll wrote in are forgotten.
    expect(discord.banAdd(SCENE.guild, troll)).toBe(true);
    await waitFor(
      async () => (await session(String(troll.id))).length === 0,
      10_000,
      'the context forgotten',
    );
    // Past the mention cooldown the troll's next mention is still ignored, as moderated.
    await waitFor(
      async () =>
        (await outcome(pipeline, say(discord, troll, `<@${SCENE.bot}> hi?`))).reason === 'moderated',
      10_000,
      'the banned user to be ignored as moderated',
    );
    expect(await outcome(pipeline, say(discord, viewer, `<@${SCENE.bot}> hello?`))).toMatchObject({
      status: 'done',
    });
  }, 60_000);
});
