/**
 * A blocked reply on a real platform connection: lines from the fake Twitch chat go through tmi.js,
 * the router, the worker and a fake OpenAI-compatible upstream that answers with a link. Links are
 * not allowed on Twitch by default, so the answer never reaches the chat: nothing at all without a
 * `blocked_reply`, the community's `blocked_reply` with one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, fakeConfig, roomIdFor, viewerLine } from '../adapters/twitch/harness.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { type FakeTwitch, startFakeTwitch } from '../fakes/fake-twitch.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN = 'admin-key-textmod-twitch';
/** Joins are paced (the join throttle, tmi.js's own interval); a loaded CI machine needs room. */
const JOIN_WAIT_MS = 20_000;
const COMMUNITY = `twitch:channel:${roomIdFor('mychan')}`;

describe('a blocked reply on Twitch', () => {
  let twitch: FakeTwitch;
  let upstream: FakeServer;
  let pipeline: Pipeline;
  let line = 0;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    twitch = await startFakeTwitch();
    const config = testConfig({
      auth: { adminKey: ADMIN },
      ai: {
        mode: 'remote',
        offlineResponses: false,
        provider: 'openai',
        model: 'llama3.2',
        openai: { baseUrl: `${upstream.url}/v1` },
      },
      platforms: {
        twitch: fakeConfig(twitch, { channels: ['mychan'] }),
      },
    } as Parameters<typeof testConfig>[0]);
    pipeline = await startPipeline(config);
    await waitFor(() => (twitch.joinedChannels().includes('mychan') ? true : undefined), JOIN_WAIT_MS);
  }, 60_000);
  afterAll(async () => {
    await pipeline?.close();
    await twitch?.close();
    await upstream?.close();
  });

  /** Sets the channel's community config (PATCH, admin). */
  async function configure(payload: object): Promise<void> {
    const response = await pipeline.app.inject({
      method: 'PATCH',
      url: `/api/v1/communities/${COMMUNITY}/config`,
      headers: { authorization: `Bearer ${ADMIN}` },
      payload,
    });
    expect(response.statusCode, response.body).toBe(200);
  }

  /** A viewer (a new one each time: no cooldown) mentions the bot; the interaction once settled. */
  async function mentionAndSettle(text: string) {
    const id = `tm${++line}`;
    twitch.inject(
      viewerLine('mychan', id, `@${BOT} ${text}`).replace('user-id=4242', `user-id=${5000 + line}`),
    );
    return waitFor(async () => {
      const listed = await pipeline.app.inject({
        method: 'GET',
        url: `/api/v1/ai/interactions?community_id=${COMMUNITY}`,
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      const found = (
        listed.json() as {
          interactions: {
            status: string;
            event: { message_id: string };
            reply: { blocked: string | null } | null;
          }[];
        }
      ).interactions.find((interaction) => interaction.event.message_id === id);
      return found?.status === 'done' ? found : undefined;
    }, 15_000);
  }

  it('sends nothing without a blocked_reply, and the blocked_reply with one', async () => {
    await configure({ triggers: { mention: { channel_cooldown_ms: 0 } } });
    upstream.behave({ reply: 'Free skins at example.com/skins (1)' });
    expect((await mentionAndSettle('any free skins?')).reply?.blocked).toBe('link');

    // A reply that may go out, afterwards: the first message the chat sees is this one.
    upstream.behave({ reply: 'Nothing free today, sorry! (2)' });
    expect((await mentionAndSettle('really?')).reply?.blocked).toBeNull();
    await waitFor(() => (twitch.privmsgs.length >= 1 ? true : undefined), 10_000);
    expect(twitch.privmsgs.map((message) => message.text)).toEqual(['Nothing free today, sorry! (2)']);

    await configure({ moderation: { blocked_reply: 'No links in this chat, sorry.' } });
    upstream.behave({ reply: 'Try https://example.com/skins (3)' });
    expect((await mentionAndSettle('and now?')).reply?.blocked).toBe('link');
    await waitFor(() => (twitch.privmsgs.length >= 2 ? true : undefined), 10_000);
    expect(twitch.privmsgs.map((message) => message.text)).toEqual([
      'Nothing free today, sorry! (2)',
      'No links in this chat, sorry.',
    ]);
    expect(JSON.stringify(twitch.received)).not.toContain('example.com');
  }, 60_000);
});
