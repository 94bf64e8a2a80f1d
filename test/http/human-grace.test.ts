/**
 * Issue 15, part 2 over HTTP: with `human_grace_ms: 5000` on the question trigger, a question that
 * another user answers within the grace (`reply_to.message_id`, or an @mention of the asker) is
 * never answered by the bot: the fake model sees no request and the interaction ends ignored with
 * `answered_by_human`. One left alone, or answered only by its asker or by a bot, is answered, no
 * earlier than the grace. The figures show in `GET /api/v1/ai/status`.
 */
import { describe, expect, it } from 'vitest';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';
import { waitFor } from '../support/wait-for.js';

const GRACE_MS = 5000;
const COMMUNITY = 'api:grace';
/** The question trigger answers every question at once, after its grace. */
const GRACE_CONFIG = {
  triggers: {
    kinds: {
      question: { probability: 1, userCooldownMs: 0, channelCooldownMs: 0, humanGraceMs: GRACE_MS },
    },
  },
};

describe('answer only if no human did, over HTTP', () => {
  const h = useFakeOllamaApp();
  let messageSequence = 0;

  /** Posts a chat line in `channel`; its message id and the 2xx body. */
  async function say(
    channel: string,
    user: { id: string; login: string; is_bot?: boolean },
    text: string,
    replyTo?: string,
  ): Promise<{ messageId: string; ack: Record<string, unknown> }> {
    const messageId = `m-${++messageSequence}`;
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      payload: {
        platform: 'api',
        type: 'message',
        community_id: COMMUNITY,
        channel_id: channel,
        message_id: messageId,
        user,
        text,
        ...(replyTo ? { reply_to: { message_id: replyTo } } : {}),
      },
    });
    expect(response.statusCode).toBeLessThan(300);
    return { messageId, ack: response.json() };
  }

  /** The interaction once it is no longer queued or running (the grace is 5 s: up to 20 s). */
  const settled = (id: unknown) =>
    waitFor(
      async () => {
        const body = (await h.app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${id}` })).json();
        return ['queued', 'running'].includes(body.status) ? undefined : body;
      },
      20_000,
      `interaction ${id} to settle`,
    );

  const chatCalls = () => h.ollama.calls.filter((call) => call.path === '/api/chat');
  const ann = { id: 'u-ann', login: 'ann' };
  const bob = { id: 'u-bob', login: 'bob' };

  it('a question another user answers by a reply within the grace is never answered; status counts it', async () => {
    await h.start(GRACE_CONFIG);
    const question = await say('lobby', ann, 'what time does the stream start?');
    expect(question.ack).toMatchObject({ status: 'queued', trigger: 'question', wait_ms: GRACE_MS });
    const answer = await say('lobby', bob, 'at eight, as every day', question.messageId);
    expect(answer.ack).toMatchObject({ status: 'ignored', reason: 'no_trigger' });

    const ended = await settled(question.ack.interaction_id);
    expect(ended).toMatchObject({ status: 'ignored', reason: 'answered_by_human', trigger: 'question' });
    expect(chatCalls()).toHaveLength(0);

    const status = (await h.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
    expect(status.human_grace[COMMUNITY]).toMatchObject({
      waited: 1,
      answered_by_human: 1,
      answered_by_ai: 0,
    });
    expect(status.human_grace[COMMUNITY].median_first_human_answer_ms).toBeGreaterThanOrEqual(0);
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/chatgate_human_grace_total\{outcome="human"\} 1/);
  }, 30_000);

  it('an @mention of the asker by another user counts as an answer', async () => {
    await h.start(GRACE_CONFIG);
    const question = await say('lobby', ann, 'which game is next?');
    await say('lobby', bob, '@Ann the racing one');
    expect(await settled(question.ack.interaction_id)).toMatchObject({
      status: 'ignored',
      reason: 'answered_by_human',
    });
    expect(chatCalls()).toHaveLength(0);
  }, 30_000);

  it('a question left alone, or answered only by its asker or a bot, is answered no earlier than the grace', async () => {
    await h.start(GRACE_CONFIG);
    h.ollama.behave({ reply: 'It starts at eight.' });
    const alone = await say('quiet', ann, 'when does the raid happen?');
    const selfAnswered = await say('busy', bob, 'where is the schedule posted?');
    await say('busy', bob, 'nevermind, found it', selfAnswered.messageId);
    await say('busy', bob, '@bob talking to myself');
    await say(
      'busy',
      { id: 'u-helper', login: 'helperbot', is_bot: true },
      'see #schedule',
      selfAnswered.messageId,
    );
    await say('busy', { id: 'u-helper', login: 'helperbot', is_bot: true }, '@bob see #schedule');

    for (const question of [alone, selfAnswered]) {
      const ended = await settled(question.ack.interaction_id);
      expect(ended).toMatchObject({ status: 'done', reply: { text: 'It starts at eight.' } });
      // A lower bound only: the reply was made no earlier than the grace after the question.
      expect(Date.parse(ended.completed_at) - Date.parse(ended.created_at)).toBeGreaterThanOrEqual(GRACE_MS);
    }
    expect(chatCalls()).toHaveLength(2);
    const status = (await h.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
    expect(status.human_grace[COMMUNITY]).toEqual({
      waited: 2,
      answered_by_human: 0,
      answered_by_ai: 2,
      median_first_human_answer_ms: null,
    });
  }, 30_000);

  it('a trigger without a grace answers at its turn, and the ack has no wait_ms', async () => {
    await h.start();
    const { ack } = await say('lobby', ann, '@chatgate hello?');
    expect(ack).toMatchObject({ status: 'queued' });
    expect(ack).not.toHaveProperty('wait_ms');
    expect(await settled(ack.interaction_id)).toMatchObject({ status: 'done' });
  });
});
