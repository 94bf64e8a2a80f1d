/**
 * Fault matrix, platforms: a platform's connection drops (or its send API fails) while chatgate is
 * answering. Each row runs the whole pipeline (the real client library against the fake server,
 * router, queue, worker, a fake Ollama that takes its time) and asserts what the chat sees:
 *
 * | fault | expected outcome |
 * |---|---|
 * | Twitch drops the IRC socket while the model answers | tmi.js reconnects and rejoins; the reply is sent once, on the new connection; the interaction is `done`; a message after the drop is answered too |
 * | Discord closes the gateway (4000) while the model answers | discord.js resumes; the reply is posted once over REST; later mentions are answered |
 * | Telegram's `sendMessage` answers 429 with `retry_after` | the reply is sent once, not before `retry_after`; the interaction is `done` |
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN as DISCORD_TOKEN, messageCreate, SCENE, user } from '../adapters/discord/support.js';
import { BOT, GOOD_TOKEN, viewerLine } from '../adapters/twitch/harness.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { type FakeTelegram, startFakeTelegram } from '../fakes/fake-telegram.js';
import { type FakeTwitch, startFakeTwitch } from '../fakes/fake-twitch.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

/** How long the fake model takes to answer: long enough to drop the connection meanwhile, ms. */
const MODEL_LATENCY_MS = 600;
/** Twitch joins are paced (tmi.js's join interval); a loaded machine needs room, ms. */
const JOIN_WAIT_MS = 20_000;

type Listed = { event: { id: string; text: string }; status: string };

/** The platform's interactions as the log lists them. */
async function interactions(pipeline: Pipeline, platform: string): Promise<Listed[]> {
  const response = await pipeline.app.inject({
    method: 'GET',
    url: `/api/v1/ai/interactions?platform=${platform}`,
  });
  return response.json().interactions;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A fake Ollama that answers `reply (n)` after MODEL_LATENCY_MS (distinct texts: Twitch refuses repeats). */
async function slowModel(): Promise<FakeServer> {
  const ollama = await startFakeOllama();
  let answers = 0;
  ollama.behave({ latencyMs: MODEL_LATENCY_MS, reply: () => `Glad you asked! (${++answers})` });
  closers.push(() => ollama.close());
  return ollama;
}

describe('fault matrix: a platform connection dropped mid-answer', () => {
  it('Twitch: the socket drops while the model answers; the reply goes out once on the new connection', async () => {
    const ollama = await slowModel();
    const twitch: FakeTwitch = await startFakeTwitch();
    closers.push(() => twitch.close());
    const pipeline = await startPipeline(
      testConfig({
        ai: { ollama: { host: ollama.url } },
        platforms: {
          twitch: {
            username: BOT,
            oauthToken: GOOD_TOKEN,
            channels: ['faultchan'],
            server: '127.0.0.1',
            port: twitch.port,
            secure: false,
          },
        },
      } as Parameters<typeof testConfig>[0]),
    );
    closers.push(() => pipeline.close());
    await waitFor(() => twitch.joinedChannels().includes('faultchan'), JOIN_WAIT_MS, 'the first join');

    twitch.inject(viewerLine('faultchan', 'drop-1', `@${BOT} are you still there?`));
    await waitFor(() => ollama.calls.length === 1, 5_000, 'the model to be asked');
    const before = twitch.connectionCount();
    twitch.dropConnections();

    await waitFor(() => twitch.privmsgs.length >= 1, JOIN_WAIT_MS, 'the reply after the reconnect');
    const [reply] = twitch.privmsgs;
    expect(reply?.connection).toBeGreaterThan(before);
    expect(reply?.tags['reply-parent-msg-id']).toBe('drop-1');
    expect(reply?.text).toBe('Glad you asked! (1)');

    twitch.inject(
      viewerLine('faultchan', 'drop-2', `@${BOT} and now?`).replace('user-id=4242', 'user-id=4243'),
    );
    await waitFor(() => twitch.privmsgs.length >= 2, JOIN_WAIT_MS, 'the answer to a message after the drop');
    expect(twitch.privmsgs.map((message) => message.tags['reply-parent-msg-id'])).toEqual([
      'drop-1',
      'drop-2',
    ]);
    const listed = await interactions(pipeline, 'twitch');
    expect(listed.filter((row) => row.event.id.startsWith('twitch:drop-')).map((row) => row.status)).toEqual([
      'done',
      'done',
    ]);
  }, 60_000);

  it('Discord: the gateway closes (4000) while the model answers; the reply is posted once, later mentions answered', async () => {
    const ollama = await slowModel();
    const discord: FakeDiscord = await startFakeDiscord({
      token: DISCORD_TOKEN,
      user: { id: SCENE.bot, username: 'chatgate', bot: true },
      guilds: [{ id: SCENE.guild, channels: [{ id: SCENE.channel, name: 'general' }] }],
    });
    closers.push(() => discord.close());
    const pipeline = await startPipeline(
      testConfig({
        ai: { ollama: { host: ollama.url } },
        platforms: { discord: { token: DISCORD_TOKEN, apiUrl: discord.apiUrl } },
      }),
    );
    closers.push(() => pipeline.close());
    const adapter = pipeline.platforms.adapters[0];
    await waitFor(() => adapter?.state().status === 'online', 10_000, 'Discord online');
    const posts = () =>
      discord.requests.filter(
        (request) =>
          request.method === 'POST' && request.path.endsWith(`/channels/${SCENE.channel}/messages`),
      );
    // Each from another viewer: a user's cooldown must not be what stops an answer here.
    let viewers = 300;
    const mention = (content: string) =>
      messageCreate({
        guild_id: SCENE.guild,
        channel_id: SCENE.channel,
        author: user(`500000000000000${++viewers}`, `viewer${viewers}`),
        content: `<@${SCENE.bot}> ${content}`,
        mentions: [user(SCENE.bot, 'chatgate', { bot: true })],
      });

    const first = mention('are you there?');
    discord.dispatch('MESSAGE_CREATE', first);
    await waitFor(() => ollama.calls.length === 1, 5_000, 'the model to be asked');
    const connections = discord.connections.length;
    discord.closeSocket(4000);

    await waitFor(() => posts().length >= 1, 10_000, 'the reply over REST');
    expect(posts()[0]?.body).toMatchObject({ message_reference: { message_id: first.id } });
    // discord.js resumes on a new socket, and events flow again.
    await waitFor(
      () => discord.connections.length > connections && adapter?.state().status === 'online',
      10_000,
      'the resumed session',
    );
    const second = mention('and now?');
    discord.dispatch('MESSAGE_CREATE', second);
    await waitFor(() => posts().length >= 2, 10_000, 'the answer after the resume');
    expect(
      posts().map(
        (post) => (post.body as { message_reference?: { message_id: string } }).message_reference?.message_id,
      ),
    ).toEqual([first.id, second.id]);
  }, 60_000);

  it('Telegram: sendMessage answers 429 with retry_after; the reply is sent once, after the wait', async () => {
    const ollama = await slowModel();
    const telegram: FakeTelegram = await startFakeTelegram();
    closers.push(() => telegram.close());
    const pipeline = await startPipeline(
      testConfig({
        ai: { ollama: { host: ollama.url } },
        platforms: { telegram: { botToken: telegram.token, apiRoot: telegram.url } },
      }),
    );
    closers.push(() => pipeline.close());
    await waitFor(
      () => pipeline.platforms.adapters[0]?.state().status === 'online',
      10_000,
      'Telegram online',
    );

    telegram.pushUpdate({
      update_id: 1,
      message: {
        message_id: 10,
        from: { id: 42, is_bot: false, first_name: 'Ann' },
        chat: { id: 42, type: 'private', first_name: 'Ann' },
        date: 1,
        text: 'are you there?',
      },
    });
    telegram.fail(
      'sendMessage',
      {
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
      },
      1,
    );

    await waitFor(() => telegram.sent.length >= 1, 15_000, 'the reply after the wait');
    const attempts = telegram.callsOf('sendMessage');
    expect(attempts).toHaveLength(2);
    const [limited, delivered] = attempts;
    expect((delivered?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(telegram.sent.map((message) => message.text)).toEqual(['Glad you asked! (1)']);
    await waitFor(
      async () => (await interactions(pipeline, 'telegram')).some((row) => row.status === 'done'),
      5_000,
      'the interaction to be done',
    );
  }, 60_000);
});
