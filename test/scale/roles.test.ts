/**
 * Roles: an `api` process holds the Twitch connection and only enqueues; a `worker` process holds
 * no platform connection and runs the interactions; the reply travels back through Redis (the
 * reply relay) to the `api` process, which sends it to the fake Twitch server as a threaded reply.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BOT, GOOD_TOKEN, viewerLine } from '../adapters/twitch/harness.js';
import { type FakeTwitch, startFakeTwitch } from '../fakes/fake-twitch.js';
import type { ChatgateProcess } from '../support/chatgate-process.js';
import { interactionBody } from '../support/events.js';
import { describeNeeding } from '../support/requirements.js';
import { waitFor } from '../support/wait-for.js';
import { type ScaleBackends, startScaleBackends } from './backends.js';

describeNeeding(['redis-server', 'postgres'], 'api and worker roles', () => {
  let backends: ScaleBackends;
  let twitch: FakeTwitch;
  let api: ChatgateProcess;
  let worker: ChatgateProcess;

  beforeAll(async () => {
    backends = await startScaleBackends('scale_roles');
    let answers = 0;
    backends.ollama.behave({ reply: () => `Welcome in, friend! (${++answers})` });
    twitch = await startFakeTwitch();
    [api, worker] = await Promise.all([
      backends.start({
        CHATGATE_ROLE: 'api',
        TWITCH_USERNAME: BOT,
        TWITCH_OAUTH_TOKEN: GOOD_TOKEN,
        TWITCH_CHANNELS: 'mychan',
        TWITCH_SERVER: '127.0.0.1',
        TWITCH_PORT: String(twitch.port),
        TWITCH_SECURE: 'false',
      }),
      backends.start({ CHATGATE_ROLE: 'worker' }),
    ]);
    await waitFor(() => (twitch.joinedChannels().includes('mychan') ? true : undefined), 20_000);
  }, 60_000);
  afterAll(async () => {
    await backends?.close();
    await twitch?.close();
  }, 30_000);

  it('answers a Twitch mention through the worker, sent by the api process as a threaded reply', async () => {
    twitch.inject(viewerLine('mychan', 'm-1', `@${BOT} are you there?`));
    await waitFor(() => (twitch.privmsgs.length >= 1 ? true : undefined), 15_000);
    const [reply] = twitch.privmsgs;
    expect(reply?.text).toBe('Welcome in, friend! (1)');
    expect(reply?.tags['reply-parent-msg-id']).toBe('m-1');
    // The worker made the reply (the model was asked once), and only the api process speaks IRC.
    expect(backends.ollama.calls.filter((call) => call.path === '/api/chat')).toHaveLength(1);
    expect(twitch.connectionCount()).toBe(1);
  });

  it('shows an HTTP interaction run by the worker as done, with its reply, at the api process', async () => {
    const response = await fetch(`${api.url}/api/v1/ai/interaction`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        interactionBody({
          community_id: 'api:roles',
          channel_id: 'roles',
          user: { id: 'poller', login: 'poller' },
          text: '@chatgate anyone home?',
        }),
      ),
    });
    const { interaction_id: id } = (await response.json()) as { interaction_id: string };
    const done = await waitFor(async () => {
      const body = (await (await fetch(`${api.url}/api/v1/ai/interaction/${id}`)).json()) as {
        status: string;
        reply?: { text: string };
      };
      return body.status === 'done' ? body : undefined;
    }, 15_000);
    expect(done.reply?.text).toMatch(/^Welcome in, friend!/);
    // And it stays done once both processes have written their buffers.
    await new Promise((wait) => setTimeout(wait, 600));
    const later = (await (await fetch(`${api.url}/api/v1/ai/interaction/${id}`)).json()) as {
      status: string;
    };
    expect(later.status).toBe('done');
  });

  it('keeps the API off a worker: it serves its probes only', async () => {
    expect((await fetch(`${worker.url}/health`)).status).toBe(200);
    const interaction = await fetch(`${worker.url}/api/v1/ai/interaction`, { method: 'POST' });
    expect(interaction.status).toBe(404);
    const status = (await (await fetch(`${api.url}/api/v1/ai/status`)).json()) as {
      platforms: { platform: string; status: string }[];
    };
    // Twitch, and the web chat, which is always on (in the api process: it holds the sockets).
    expect(status.platforms).toEqual([
      expect.objectContaining({ platform: 'twitch', status: 'online' }),
      expect.objectContaining({ platform: 'web', status: 'online' }),
    ]);
  });
});
