/**
 * Streamed replies on Discord, end to end (issue 15): a fake Ollama streams the answer part by part
 * (released by the test once the channel showed the previous ones), discord.js talks to the fake
 * Discord. The question is answered through one reply and its edits, at least 1 s apart; a model
 * that fails midway leaves what was shown marked as cut off; a blocked term stops the reply before
 * it shows, and the community's blocked reply takes its place.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CUT_OFF_MARKER } from '../../../src/core/adapter.js';
import { type FakeDiscord, type RecordedRequest, startFakeDiscord } from '../../fakes/fake-discord.js';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { PartGate } from '../../support/part-gate.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { messageCreate, SCENE, TOKEN, user } from './support.js';

/** A new asker per question: the mention trigger's per-user cooldown holds for each. */
let askers = 0;

describe('streamed replies on Discord', () => {
  let discord: FakeDiscord;
  let ollama: FakeServer;
  let pipeline: Pipeline;
  let gate: PartGate;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    discord = await startFakeDiscord({
      token: TOKEN,
      user: { id: SCENE.bot, username: 'chatgate', bot: true },
      guilds: [{ id: SCENE.guild, channels: [{ id: SCENE.channel, name: 'general' }] }],
    });
    const config = testConfig({
      ai: { ollama: { host: ollama.url } },
      safety: {
        moderation: { blockedTerms: ['frobnicate'], blockedReply: 'Let us talk about something else.' },
      },
      platforms: { discord: { token: TOKEN, apiUrl: discord.apiUrl } },
    });
    pipeline = await startPipeline(config);
    await waitFor(() => pipeline.platforms.adapters[0]?.state().status === 'online');
  });
  beforeEach(() => {
    gate = new PartGate();
    ollama.reset();
  });
  afterAll(async () => {
    gate.releaseAll();
    await pipeline.close();
    await discord.close();
    await ollama.close();
  });

  /** Sends a mention of the bot; returns its message id. */
  function ask(content: string): string {
    askers++;
    const message = messageCreate({
      guild_id: SCENE.guild,
      channel_id: SCENE.channel,
      author: user(`50000000000000030${askers}`, `asker${askers}`),
      content: `<@${SCENE.bot}> ${content}`,
      mentions: [user(SCENE.bot, 'chatgate', { bot: true })],
    });
    discord.dispatch('MESSAGE_CREATE', message);
    return message.id as string;
  }

  /** The REST calls that posted the reply to `questionId` and then edited or deleted it. */
  function callsFor(questionId: string): { post?: RecordedRequest; later: RecordedRequest[] } {
    const post = discord.requests.find(
      (r) =>
        r.method === 'POST' &&
        (r.body as { message_reference?: { message_id?: string } })?.message_reference?.message_id ===
          questionId,
    );
    if (!post) return { later: [] };
    const index = discord.requests.indexOf(post);
    const later = discord.requests
      .slice(index + 1)
      .filter((r) => (r.method === 'PATCH' || r.method === 'DELETE') && r.path.includes('/messages/'));
    return { post, later };
  }

  /** The id of the message that answered `questionId` (from the fake's store of our messages). */
  function replyOf(questionId: string) {
    for (const [id, message] of discord.messages) {
      const reference = (message as { message_reference?: { message_id?: string } }).message_reference;
      if (reference?.message_id === questionId) return { id, ...message };
    }
    return undefined;
  }

  async function outcomeOf(text: string): Promise<string | undefined> {
    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=discord' })
    ).json();
    const item = listed.interactions.find((entry: { event: { text: string } }) => entry.event.text === text);
    return item?.status === 'running' || item?.status === 'queued' ? undefined : item?.status;
  }

  it('answers through one reply and its edits, at least 1 s apart, ending with the answer minus reasoning', async () => {
    ollama.behave({
      reply: '<think> private musing </think> Hi Alice. Edits are paced. Done!',
      paceParts: gate.wait,
    });
    const question = ask('how do edits work?');
    gate.releaseThrough(4); // the reasoning and "Hi"
    await waitFor(() => callsFor(question).post);
    gate.releaseThrough(8); // "Alice. Edits are paced."
    await waitFor(() => replyOf(question)?.content.endsWith('paced.'));
    gate.releaseAll();
    expect(await waitFor(() => outcomeOf('how do edits work?'))).toBe('done');
    await waitFor(() => replyOf(question)?.content === 'Hi Alice. Edits are paced. Done!');

    const { post, later } = callsFor(question);
    expect(later.length).toBeGreaterThanOrEqual(1);
    expect(later.every((r) => r.method === 'PATCH')).toBe(true);
    const times = [post?.at ?? 0, ...later.map((r) => r.at)];
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(999);
    }
    const shown = [post, ...later].map((r) => (r?.body as { content?: string } | undefined)?.content ?? '');
    for (const text of shown) {
      expect('Hi Alice. Edits are paced. Done!'.startsWith(text)).toBe(true);
      expect(text).not.toMatch(/musing|think/);
    }
    const replies = discord.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(replies.filter((r) => r === post)).toHaveLength(1);
  });

  it('ends a reply whose model fails midway with what was shown and the cut-off marker', async () => {
    // Five parts, then the connection drops (no `done` part): a failure after the first byte.
    ollama.behave({
      reply: 'Part one is here. Part two never comes',
      paceParts: gate.wait,
      cutAfterParts: 5,
    });
    const question = ask('tell me two parts');
    await waitFor(() => callsFor(question).post);
    gate.releaseAll();
    expect(await waitFor(() => outcomeOf('tell me two parts'))).toBe('failed');
    const reply = await waitFor(() => {
      const current = replyOf(question);
      return current?.content.endsWith(CUT_OFF_MARKER) ? current : undefined;
    });
    const shown = reply.content.slice(0, -CUT_OFF_MARKER.length);
    expect(shown.length).toBeGreaterThan(0);
    expect('Part one is here. Part'.startsWith(shown)).toBe(true);
  });

  it('stops a reply at a blocked term before it shows, and puts the blocked reply in its place', async () => {
    ollama.behave({ reply: 'Sure thing. Now frobnicate the widget please.', paceParts: gate.wait });
    const question = ask('what should I do?');
    gate.releaseThrough(2); // "Sure thing. Now": the first sentence is out
    await waitFor(() => replyOf(question)?.content.startsWith('Sure'));
    gate.releaseAll();
    expect(await waitFor(() => outcomeOf('what should I do?'))).toBe('done');
    await waitFor(() => replyOf(question)?.content === 'Let us talk about something else.');
    const { post, later } = callsFor(question);
    for (const r of [post, ...later]) {
      expect(JSON.stringify(r?.body ?? '')).not.toContain('frobnicate');
    }
  });
});
