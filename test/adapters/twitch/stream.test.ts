/**
 * Twitch with streamed replies on (the default): Twitch cannot edit a message, so a question is
 * answered with one message once the model is done, through the outbound scheduler, reasoning
 * removed, however the model's stream was paced (issue 15).
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
});
