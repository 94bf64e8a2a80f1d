/**
 * Streamed replies over EventSub + Helix (issues 15 and 16): as on IRC, Twitch cannot edit a
 * message, so a long answer goes out in whole sentences while the model writes, the first
 * `POST /chat/messages` before the model is done, the rest at its end, each threaded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import { type FakeServer, startFakeOllama } from '../../../fakes/fake-ollama.js';
import { type FakeTwitchHelix, startFakeTwitchHelix } from '../../../fakes/fake-twitch-helix.js';
import { chatMessageEvent } from '../../../fakes/twitch-eventsub-payloads.js';
import { PartGate } from '../../../support/part-gate.js';
import { type Pipeline, startPipeline } from '../../../support/pipeline.js';
import { waitFor } from '../../../support/wait-for.js';
import { BOT_SUBSCRIPTIONS, CHANNEL, eventSubEnv, FAKE_USERS } from './support.js';

describe('streamed replies over EventSub', () => {
  let twitch: FakeTwitchHelix;
  let ollama: FakeServer;
  let pipeline: Pipeline;
  const gate = new PartGate();
  const sentence = 'This sentence is about sixty characters long, give or take.';
  const long = Array.from({ length: 12 }, () => sentence).join(' ');

  beforeAll(async () => {
    ollama = await startFakeOllama();
    ollama.behave({ reply: long, paceParts: gate.wait });
    twitch = await startFakeTwitchHelix({ users: FAKE_USERS });
    const config = loadConfig({
      env: {
        ...eventSubEnv(twitch),
      },
      overrides: {
        log: { level: 'silent' },
        ai: { ollama: { host: ollama.url } },
        presence: { streamReplies: true },
      },
    });
    pipeline = await startPipeline(config);
    await waitFor(
      () => twitch.subscriptions().length === BOT_SUBSCRIPTIONS.length,
      10_000,
      'the subscriptions',
    );
  }, 60_000);
  afterAll(async () => {
    gate.releaseAll();
    await pipeline?.close();
    await twitch?.close();
    await ollama?.close();
  });

  it('sends a long answer in whole sentences, the first before the model is done', async () => {
    const viewer = { id: '4246', login: 'viewer', name: 'Viewer' };
    twitch.notify(
      'channel.chat.message',
      chatMessageEvent(CHANNEL, viewer, 'long-1', '@chatgatebot explain it all'),
    );
    const replies = () => twitch.chatMessages.filter((message) => message.replyParentMessageId === 'long-1');
    // 10 words a sentence: 95 words hold 9 sentences and a half, more than one message's 500 characters.
    gate.releaseThrough(95);
    const first = await waitFor(() => replies()[0], 10_000, 'the first part');
    expect(first.message.endsWith('take.')).toBe(true);
    expect(Array.from(first.message).length).toBeLessThanOrEqual(500);
    expect(replies()).toHaveLength(1);
    gate.releaseAll();
    const second = await waitFor(() => replies()[1], 10_000, 'the rest');
    expect(`${first.message} ${second.message}`).toBe(long);
  });
});
