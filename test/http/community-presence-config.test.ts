import { describe, expect, it } from 'vitest';
import { interactionBody } from '../support/events.js';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';
import { waitFor } from '../support/wait-for.js';

const CALLER = 'caller-key-0001';
const ADMIN = 'admin-key-0001';
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const COMMUNITY = 'discord:guild:4242';
const CONFIG_URL = `/api/v1/communities/${COMMUNITY}/config`;

describe('presence settings in the community config, and per-channel personas', () => {
  const h = useFakeOllamaApp();
  const start = () => h.start({ auth: { apiKeys: [CALLER], adminKey: ADMIN } });
  const writeConfig = (payload: object, method: 'PUT' | 'PATCH' = 'PUT') =>
    h.app.inject({ method, url: CONFIG_URL, headers: as(ADMIN), payload });
  const readConfig = async () =>
    (await h.app.inject({ method: 'GET', url: CONFIG_URL, headers: as(ADMIN) })).json();

  /** Posts a message in `channel` and waits for its interaction to end; returns its final state. */
  async function ask(channel: string, text: string) {
    const ack = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        headers: as(CALLER),
        payload: interactionBody({
          platform: 'discord',
          community_id: COMMUNITY,
          channel_id: channel,
          user: { id: `u-${channel}-${text.length}`, login: 'viewer' },
          text,
        }),
      })
    ).json();
    if (ack.status !== 'queued') return ack;
    return waitFor(async () => {
      const body = (
        await h.app.inject({
          method: 'GET',
          url: `/api/v1/ai/interaction/${ack.interaction_id}`,
          headers: as(CALLER),
        })
      ).json();
      return ['done', 'failed', 'ignored'].includes(body.status) ? body : undefined;
    });
  }

  it('stores stream_replies, background_context and channels, and merges them on PATCH', async () => {
    await start();
    const empty = await readConfig();
    expect(empty).toMatchObject({ stream_replies: null, background_context: null, channels: null });

    const put = await writeConfig({
      stream_replies: false,
      background_context: { messages: 5 },
      triggers: { question: { human_grace_ms: 5000 } },
      channels: {
        '111': { personality: 'fun', triggers: { greeting: { enabled: false } } },
        '222': { system_prompt: 'You are the quiz master.', model: 'qwen3:0.6b' },
      },
    });
    expect(put.statusCode, put.body).toBe(200);

    const patch = await writeConfig(
      {
        background_context: { max_age_ms: 60_000 },
        channels: { '111': { triggers: { question: { human_grace_ms: 0 } } }, '222': null },
      },
      'PATCH',
    );
    expect(patch.statusCode, patch.body).toBe(200);
    expect(await readConfig()).toMatchObject({
      stream_replies: false,
      background_context: { messages: 5, max_age_ms: 60_000 },
      triggers: { question: { human_grace_ms: 5000 } },
      channels: {
        '111': {
          personality: 'fun',
          triggers: { greeting: { enabled: false }, question: { human_grace_ms: 0 } },
        },
      },
    });
    expect((await readConfig()).channels).not.toHaveProperty('222');
  });

  it('names each bad presence field in one 400', async () => {
    await start();
    const response = await writeConfig({
      stream_replies: 'yes',
      background_context: { messages: 101, max_age_ms: -1 },
      triggers: { question: { human_grace_ms: 1000 } },
      channels: { '111': { personality: 'grumpy', colour: 'blue' } },
    });
    expect(response.statusCode).toBe(400);
    const { detail } = response.json();
    for (const field of [
      'stream_replies',
      'background_context.messages',
      'background_context.max_age_ms',
      'triggers.question.human_grace_ms',
      'channels.111.colour',
    ])
      expect(detail).toContain(`${field}:`);
    // A value between the union's branches hears both rules, not only "equal to constant".
    expect(detail).toContain('triggers.question.human_grace_ms: must be 0 or must be >= 5000');
    const personality = await writeConfig({ channels: { '111': { personality: 'grumpy' } } });
    expect(personality.json().detail).toContain('channels.111.personality: must be one of');
    // A channel id PostgreSQL's jsonb would refuse (NUL), or one too long: a 400, never a 500.
    for (const id of ['\u0000', '\ud800', 'x'.repeat(101), '']) {
      const bad = await writeConfig({ channels: { [id]: null } });
      expect(bad.statusCode, JSON.stringify(id)).toBe(400);
      expect(bad.json().detail).toContain('a channel id is 1–100 characters');
    }
    // Nor in the deepest strings: a channel's reward titles.
    for (const title of ['a\u0000b', 'a\ud800b']) {
      const bad = await writeConfig({
        channels: { c1: { triggers: { redemption: { reward_titles: [title] } } } },
      });
      expect(bad.statusCode, JSON.stringify(title)).toBe(400);
      expect(bad.json().detail).toContain('channels.c1.triggers.redemption.reward_titles.0:');
    }
  });

  it("answers each channel with its own persona and model, and keeps a channel's triggers to it", async () => {
    await start();
    await writeConfig({
      system_prompt: 'You are the guild helper.',
      channels: {
        quiz: { system_prompt: 'You are the quiz master.', model: 'qwen3:0.6b' },
        quiet: { triggers: { mention: { enabled: false } } },
      },
    });
    expect((await ask('quiz', '@chatgate first question please')).status).toBe('done');
    expect((await ask('general', '@chatgate hello helper')).status).toBe('done');
    const quiet = await ask('quiet', '@chatgate tell me a joke');
    expect(quiet).toMatchObject({ status: 'ignored', reason: 'no_trigger' });

    const sent = h.ollama.calls
      .filter((call) => call.path === '/api/chat')
      .map((call) => call.body as { model: string; messages: { content: string }[] });
    expect(sent).toHaveLength(2);
    const quizCall = sent.find((call) => call.messages[0]?.content.includes('quiz master'));
    const generalCall = sent.find((call) => call.messages[0]?.content.includes('guild helper'));
    expect(quizCall?.model).toBe('qwen3:0.6b');
    expect(generalCall?.model).not.toBe('qwen3:0.6b');
  });
});
