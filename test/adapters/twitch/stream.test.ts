/**
 * Twitch with streamed replies on (the default): Twitch cannot edit a message, so a question is
 * answered with one message once the model is done, through the outbound scheduler, reasoning
 * removed, however the model's stream was paced; a long answer goes out in whole sentences, the
 * first message before the model is done (issue 15).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { type FakeTwitch, startFakeTwitch } from '../../fakes/fake-twitch.js';
import { PartGate } from '../../support/part-gate.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { BOT, GOOD_TOKEN, viewerLine } from './harness.js';

describe('streamed replies on Twitch', () => {
  let twitch: FakeTwitch;
  let ollama: FakeServer;
  let pipeline: Pipeline;
  const gate = new PartGate();

  beforeAll(async () => {
    ollama = await startFakeOllama();
    ollama.behave({
      reply: '<think> what do they want </think> It is a puzzle game. Have fun!',
      paceParts: gate.wait,
    });
    twitch = await startFakeTwitch();
    const config = testConfig({
      ai: { ollama: { host: ollama.url } },
      presence: { streamReplies: true },
      triggers: { kinds: { question: { probability: 1 } } },
      platforms: {
        twitch: {
          username: BOT,
          oauthToken: GOOD_TOKEN,
          channels: ['mychan'],
          server: '127.0.0.1',
          port: twitch.port,
          secure: false,
        },
      },
    } as Parameters<typeof testConfig>[0]);
    pipeline = await startPipeline(config);
    await waitFor(() => twitch.joinedChannels().includes('mychan'), 20_000);
  }, 60_000);
  afterAll(async () => {
    gate.releaseAll();
    await pipeline.close();
    await twitch.close();
    await ollama.close();
  });

  it('answers a question with one message, sent when the answer is complete', async () => {
    twitch.inject(viewerLine('mychan', 's1', 'what game is this?'));
    // Half the answer is written: nothing is in chat yet.
    await waitFor(() => ollama.calls.some((call) => call.path === '/api/chat'));
    gate.releaseThrough(8);
    expect(twitch.privmsgs).toEqual([]);
    gate.releaseAll();
    const reply = await waitFor(
      () => twitch.privmsgs.find((m) => m.tags['reply-parent-msg-id'] === 's1'),
      10_000,
    );
    expect(reply.text).toBe('It is a puzzle game. Have fun!');
    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=twitch' })
    ).json();
    expect(
      listed.interactions.find((item: { event: { id: string } }) => item.event.id === 'twitch:s1'),
    ).toMatchObject({ status: 'done' });
    expect(twitch.privmsgs.filter((m) => m.channel === 'mychan')).toHaveLength(1);
  });

  it('sends a long answer in whole sentences, the first before the model is done', async () => {
    const sentence = 'This sentence is about sixty characters long, give or take.';
    const long = Array.from({ length: 12 }, () => sentence).join(' ');
    const longGate = new PartGate();
    ollama.behave({ reply: long, paceParts: longGate.wait });
    const from = twitch.privmsgs.length;
    twitch.inject(
      viewerLine('mychan', 's2', `@${BOT} can you explain it all`).replace('user-id=4242', 'user-id=4243'),
    );
    // 10 words a sentence: 95 words hold 9 sentences and a half, more than one message's 500 characters.
    longGate.releaseThrough(95);
    const first = await waitFor(() => twitch.privmsgs[from], 10_000);
    expect(first.text.endsWith('take.')).toBe(true);
    expect(Array.from(first.text).length).toBeLessThanOrEqual(500);
    longGate.releaseAll();
    const second = await waitFor(() => twitch.privmsgs[from + 1], 10_000);
    expect(`${first.text} ${second.text}`).toBe(long);
    expect(second.tags['reply-parent-msg-id']).toBe('s2');
  });
});
