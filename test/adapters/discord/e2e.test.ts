/**
 * Discord end to end: a mention dispatched by the fake gateway goes through discord.js, the
 * router, the queue, the worker and a fake Ollama, and comes back as a reply posted to the fake's
 * REST API; every event shows in `GET /api/v1/ai/interactions`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.js';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { messageCreate, SCENE, TOKEN, user } from './support.js';

describe('Discord through the whole pipeline', () => {
  let discord: FakeDiscord;
  let ollama: FakeServer;
  let pipeline: Pipeline;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    ollama.behave({ reply: 'Hi Alice, welcome!' });
    discord = await startFakeDiscord({
      token: TOKEN,
      user: { id: SCENE.bot, username: 'chatgate', bot: true },
      guilds: [{ id: SCENE.guild, channels: [{ id: SCENE.channel, name: 'general' }] }],
    });
    const config = testConfig({
      ai: { ollama: { host: ollama.url } },
      // Whole replies here; streamed ones (the default) are stream.test.ts's.
      presence: { streamReplies: false },
      platforms: { discord: { token: TOKEN, apiUrl: discord.apiUrl } },
    });
    pipeline = await startPipeline(config);
    await waitFor(() => (pipeline.platforms.adapters[0]?.state().status === 'online' ? true : undefined));
  });
  afterAll(async () => {
    await pipeline.close();
    await discord.close();
    await ollama.close();
  });

  it('answers a mention as a reply in the channel, and logs every event', async () => {
    const alice = user('500000000000000301', 'alice');
    const mention = messageCreate({
      guild_id: SCENE.guild,
      channel_id: SCENE.channel,
      author: alice,
      content: `<@${SCENE.bot}> hello there`,
      mentions: [user(SCENE.bot, 'chatgate', { bot: true })],
    });
    discord.dispatch('MESSAGE_CREATE', mention);
    discord.dispatch(
      'MESSAGE_CREATE',
      messageCreate({
        guild_id: SCENE.guild,
        channel_id: SCENE.channel,
        author: alice,
        content: 'just chatting',
      }),
    );
    const reply = await waitFor(() =>
      discord.requests.find(
        (request) =>
          request.method === 'POST' && request.path.endsWith(`/channels/${SCENE.channel}/messages`),
      ),
    );
    expect(reply.body).toMatchObject({
      content: 'Hi Alice, welcome!',
      allowed_mentions: { parse: [], replied_user: true },
      message_reference: { message_id: mention.id },
    });
    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=discord' })
    ).json();
    const byText = Object.fromEntries(
      listed.interactions.map((item: { event: { text: string }; status: string; reason: string | null }) => [
        item.event.text,
        item.reason ?? item.status,
      ]),
    );
    expect(byText).toMatchObject({ 'hello there': 'done', 'just chatting': 'no_trigger' });
    const status = (await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
    // Discord, and the web chat, which is always on.
    expect(status.platforms).toEqual([
      expect.objectContaining({ platform: 'discord', status: 'online', error: null }),
      expect.objectContaining({ platform: 'web', status: 'online' }),
    ]);
    const metrics = (await pipeline.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('chatgate_platform_status{platform="discord"} 2');
  });

  it('answers a DM, and splits a 2,500-character answer into two messages', async () => {
    const bob = user('500000000000000302', 'bob');
    ollama.behave({ reply: 'word '.repeat(500).trim() });
    discord.dispatch(
      'MESSAGE_CREATE',
      messageCreate({ channel_id: SCENE.dm, channel_type: 1, author: bob, content: 'tell me everything' }),
    );
    const posts = () =>
      discord.requests.filter(
        (request) => request.method === 'POST' && request.path.endsWith(`/channels/${SCENE.dm}/messages`),
      );
    await waitFor(() => (posts().length >= 2 ? true : undefined));
    const parts = posts().map((request) => (request.body as { content: string }).content);
    expect(parts).toHaveLength(2);
    expect(parts.every((part) => part.length <= 2000)).toBe(true);
    expect(parts.join(' ')).toBe('word '.repeat(500).trim());
  });
});
