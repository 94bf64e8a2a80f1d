/**
 * Twitch end to end: lines from the fake chat server go through tmi.js, the router, the queue, the
 * worker and a fake Ollama, and come back as PRIVMSGs (threaded for chat messages); every event
 * shows in `GET /api/v1/ai/interactions`; channels are joined and parted through the admin routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStores } from '../../../src/stores/store-set.js';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { type FakeTwitch, startFakeTwitch } from '../../fakes/fake-twitch.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { BOT, GOOD_TOKEN, roomIdFor, viewerLine } from './harness.js';

/** Joins are paced (the join throttle, tmi.js's own interval); a loaded CI machine needs room. */
const JOIN_WAIT_MS = 20_000;

describe('Twitch through the whole pipeline', () => {
  let twitch: FakeTwitch;
  let ollama: FakeServer;
  let pipeline: Pipeline;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    // Distinct answers: Twitch refuses a repeated message within 30 s, so the adapter would hold it.
    let answers = 0;
    ollama.behave({ reply: () => `Thanks for being here! (${++answers})` });
    twitch = await startFakeTwitch();
    const config = testConfig({
      ai: { ollama: { host: ollama.url } },
      // Every trigger answers; the test is about the path, not about probabilities.
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
    await waitFor(() => (twitch.joinedChannels().includes('mychan') ? true : undefined), JOIN_WAIT_MS);
  }, 60_000);
  afterAll(async () => {
    await pipeline.close();
    await twitch.close();
    await ollama.close();
  });

  it('answers a greeting, a question and a mention as threaded replies, and thanks a sub and a raid', async () => {
    const room = roomIdFor('mychan');
    twitch.inject(viewerLine('mychan', 'g1', 'hello everyone'));
    twitch.inject(
      viewerLine('mychan', 'q1', 'what game is this?')
        .replace('user-id=4242', 'user-id=4243')
        .replace('display-name=Viewer', 'display-name=Asker'),
    );
    twitch.inject(viewerLine('mychan', 'm1', `@${BOT} how are you`).replace('user-id=4242', 'user-id=4244'));
    twitch.inject(viewerLine('mychan', 'x1', 'lol').replace('user-id=4242', 'user-id=4245'));
    twitch.inject(
      `@badges=;display-name=Subber;id=sub-1;login=subber;msg-id=sub;msg-param-sub-plan=1000;room-id=${room};user-id=9001 :tmi.twitch.tv USERNOTICE #mychan`,
    );
    twitch.inject(
      `@badges=;display-name=Raider;id=raid-1;login=raider;msg-id=raid;msg-param-viewerCount=12;room-id=${room};user-id=9002 :tmi.twitch.tv USERNOTICE #mychan`,
    );
    // Five answers at Twitch's non-moderator pace (≥ 1.2 s apart in one channel).
    await waitFor(() => (twitch.privmsgs.length >= 5 ? true : undefined), 12_000);
    const threaded = twitch.privmsgs.map((message) => message.tags['reply-parent-msg-id']).filter(Boolean);
    expect(threaded.sort()).toEqual(['g1', 'm1', 'q1']);
    expect(twitch.privmsgs.every((message) => message.text.startsWith('Thanks for being here!'))).toBe(true);
    expect(twitch.ruleNotices).toEqual([]);

    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=twitch' })
    ).json();
    const outcome = Object.fromEntries(
      listed.interactions.map(
        (item: { event: { id: string }; status: string; reason: string | null; trigger: string | null }) => [
          item.event.id,
          `${item.reason ?? item.status}:${item.trigger}`,
        ],
      ),
    );
    expect(outcome).toMatchObject({
      'twitch:g1': 'done:greeting',
      'twitch:q1': 'done:question',
      'twitch:m1': 'done:mention',
      'twitch:x1': 'no_trigger:null',
      'twitch:sub-1': 'done:subscription',
      'twitch:raid-1': 'done:raid',
    });
  }, 20_000);

  it('joins and parts channels through the admin routes', { timeout: 60_000 }, async () => {
    const joined = await pipeline.app.inject({
      method: 'POST',
      url: '/api/v1/platforms/twitch/channels/OtherChan',
    });
    expect(joined.statusCode).toBe(200);
    await waitFor(() => (twitch.joinedChannels().includes('otherchan') ? true : undefined), JOIN_WAIT_MS);
    expect(joined.json().channels).toContain('otherchan');
    // Remembered: a restart joins it again.
    expect(await pipeline.services.channels.list('twitch')).toEqual(['otherchan']);
    const bad = await pipeline.app.inject({
      method: 'POST',
      url: '/api/v1/platforms/twitch/channels/not%20a%20login',
    });
    expect(bad.statusCode).toBe(400);
    const parted = await pipeline.app.inject({
      method: 'DELETE',
      url: '/api/v1/platforms/twitch/channels/otherchan',
    });
    expect(parted.statusCode).toBe(200);
    await waitFor(() => (!twitch.joinedChannels().includes('otherchan') ? true : undefined), JOIN_WAIT_MS);
    expect(await pipeline.services.channels.list('twitch')).toEqual([]);
  });

  it('joins the channels remembered in the store when it starts again', { timeout: 60_000 }, async () => {
    const stores = memoryStores(pipeline.services.config);
    await stores.channels.add('twitch', 'rememberedchan');
    const again = await startPipeline(pipeline.services.config, stores);
    try {
      await waitFor(
        () => (twitch.joinedChannels().includes('rememberedchan') ? true : undefined),
        JOIN_WAIT_MS,
      );
      expect(twitch.joinedChannels()).toContain('mychan');
    } finally {
      await again.close();
    }
  });
});
