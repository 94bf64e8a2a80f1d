/**
 * Issue 15, part 2 end to end on Discord: with `human_grace_ms: 5000` on the question trigger, a
 * question another member answers with a reply (type 19, `message_reference`) or by mentioning the
 * asker within the grace is never answered (no message posted, the fake model sees no request);
 * one left alone is answered, no earlier than the grace. Real discord.js against the fake gateway
 * and REST, the whole pipeline with a fake Ollama.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { messageCreate, SCENE, TOKEN, user } from '../../adapters/discord/support.js';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.js';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { settledInteraction } from '../../support/settled-interaction.js';
import { waitFor } from '../../support/wait-for.js';

const GRACE_MS = 5000;
const ann = user('700000000000000401', 'ann');
const bob = user('700000000000000402', 'bob');
const carl = user('700000000000000403', 'carl');
const dora = user('700000000000000404', 'dora');
const erin = user('700000000000000405', 'erin');

describe('answer only if no human did, on Discord', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function start(): Promise<{ discord: FakeDiscord; ollama: FakeServer; pipeline: Pipeline }> {
    const ollama = await startFakeOllama();
    closers.push(() => ollama.close());
    ollama.behave({ reply: 'Right after the break.' });
    const discord = await startFakeDiscord({
      token: TOKEN,
      user: { id: SCENE.bot, username: 'chatgate', bot: true },
      guilds: [{ id: SCENE.guild, channels: [{ id: SCENE.channel, name: 'general' }] }],
    });
    closers.push(() => discord.close());
    const pipeline = await startPipeline(
      testConfig({
        ai: { ollama: { host: ollama.url } },
        platforms: { discord: { token: TOKEN, apiUrl: discord.apiUrl } },
        triggers: {
          kinds: {
            question: { probability: 1, userCooldownMs: 0, channelCooldownMs: 0, humanGraceMs: GRACE_MS },
          },
        },
      }),
    );
    closers.push(() => pipeline.close());
    await waitFor(
      () => pipeline.platforms.adapters[0]?.state().status === 'online',
      10_000,
      'Discord online',
    );
    return { discord, ollama, pipeline };
  }

  /** Dispatches a message in #general; the MESSAGE_CREATE `d` (its `id` is the message id). */
  function say(discord: FakeDiscord, author: Record<string, unknown>, content: string, extra: object = {}) {
    const d = messageCreate({ guild_id: SCENE.guild, channel_id: SCENE.channel, author, content, ...extra });
    discord.dispatch('MESSAGE_CREATE', d);
    return d;
  }

  /** A reply (type 19) to `parent`, as Discord sends it. */
  const replyTo = (parent: Record<string, unknown>) => ({
    type: 19,
    message_reference: { type: 0, message_id: parent.id, channel_id: SCENE.channel, guild_id: SCENE.guild },
    referenced_message: parent,
  });

  /** Resolves once `count` questions of the guild wait for a human, as status shows. */
  const waiting = (pipeline: Pipeline, count: number) =>
    waitFor(async () => {
      const status = (await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
      return (status.human_grace?.[`discord:guild:${SCENE.guild}`]?.waited ?? 0) >= count;
    });

  const outcome = (pipeline: Pipeline, message: Record<string, unknown>) =>
    settledInteraction(pipeline, 'discord', (eventId) => eventId === `discord:${String(message.id)}`);

  it('a question answered by a reply or by mentioning the asker is never answered; one left alone is, after the grace', async () => {
    const { discord, ollama, pipeline } = await start();
    const byReply = say(discord, ann, 'what time does the stream start?');
    const byMention = say(discord, carl, 'which game is next?');
    const alone = say(discord, erin, 'where are the rules?');
    await waiting(pipeline, 3);
    say(discord, bob, 'at eight', replyTo(byReply));
    say(discord, dora, `<@${String(carl.id)}> the racing one`, { mentions: [carl] });

    expect(await outcome(pipeline, byReply)).toMatchObject({
      status: 'ignored',
      reason: 'answered_by_human',
    });
    expect(await outcome(pipeline, byMention)).toMatchObject({
      status: 'ignored',
      reason: 'answered_by_human',
    });
    const answered = (await outcome(pipeline, alone)) as unknown as Record<string, string>;
    expect(answered).toMatchObject({ status: 'done' });
    // A lower bound only: the reply was made no earlier than the grace after the question.
    expect(
      Date.parse(answered.completed_at as string) - Date.parse(answered.created_at as string),
    ).toBeGreaterThanOrEqual(GRACE_MS);

    const posts = () =>
      discord.requests.filter(
        (request) =>
          request.method === 'POST' && request.path.endsWith(`/channels/${SCENE.channel}/messages`),
      );
    await waitFor(() => posts().length >= 1, 10_000, 'the answer in #general');
    expect(posts()).toHaveLength(1);
    expect(posts()[0]?.body).toMatchObject({ message_reference: { message_id: alone.id } });
    const prompts = ollama.calls.filter((call) => call.path === '/api/chat');
    expect(prompts).toHaveLength(1);
    expect(JSON.stringify(prompts[0]?.body)).toContain('where are the rules?');
  }, 60_000);
});
