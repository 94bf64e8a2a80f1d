/**
 * Issue 15, part 2 end to end on Telegram: with `human_grace_ms: 5000` on the question trigger, a
 * group question that another member answers with a reply (`reply_to_message`) within the grace
 * is never answered (no `sendMessage`, the fake model sees no request); one left alone, and one
 * answered only by its asker, are answered with one message each, no earlier than the grace.
 * Real telegraf against the fake Bot API, the whole pipeline with a fake Ollama.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/fake-telegram.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { settledInteraction } from '../../support/settled-interaction.js';
import { waitFor } from '../../support/wait-for.js';

const GRACE_MS = 5000;
const CHAT = -1005577;
const GROUP = { id: CHAT, title: 'Stream', type: 'supergroup' };
const ann = { id: 31, is_bot: false, first_name: 'Ann', username: 'ann' };
const bob = { id: 32, is_bot: false, first_name: 'Bob', username: 'bob' };
const carl = { id: 33, is_bot: false, first_name: 'Carl', username: 'carl' };
const dora = { id: 34, is_bot: false, first_name: 'Dora', username: 'dora' };

describe('answer only if no human did, on Telegram', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  let messageId = 600;

  async function start(): Promise<{ telegram: FakeTelegram; ollama: FakeServer; pipeline: Pipeline }> {
    const ollama = await startFakeOllama();
    closers.push(() => ollama.close());
    ollama.behave({ reply: 'The schedule is pinned.' });
    const telegram = await startFakeTelegram({ username: 'chatgate_grace_bot' });
    closers.push(() => telegram.close());
    const pipeline = await startPipeline(
      testConfig({
        ai: { ollama: { host: ollama.url } },
        platforms: { telegram: { botToken: telegram.token, apiRoot: telegram.url } },
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
      'Telegram online',
    );
    return { telegram, ollama, pipeline };
  }

  /** Posts `text` from `from` in the group (a reply to `replyTo` when given); its message id. */
  function say(
    telegram: FakeTelegram,
    from: typeof ann,
    text: string,
    replyTo?: { id: number; from: object },
  ) {
    const id = ++messageId;
    const date = Math.floor(Date.now() / 1000);
    telegram.pushUpdate({
      update_id: 0,
      message: {
        message_id: id,
        from,
        chat: GROUP,
        date,
        text,
        ...(replyTo
          ? { reply_to_message: { message_id: replyTo.id, from: replyTo.from, chat: GROUP, date, text: '…' } }
          : {}),
      },
    });
    return id;
  }

  /** Resolves once `count` questions of the group wait for a human, as status shows. */
  const waiting = (pipeline: Pipeline, count: number) =>
    waitFor(async () => {
      const status = (await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
      return (status.human_grace?.[`telegram:chat:${CHAT}`]?.waited ?? 0) >= count;
    });

  const outcome = (pipeline: Pipeline, id: number) =>
    settledInteraction(pipeline, 'telegram', (eventId) => eventId.endsWith(`:${id}`));

  it('a question another member answers by a reply is never answered; others are, after the grace', async () => {
    const { telegram, ollama, pipeline } = await start();
    const asked = Date.now();
    const answered = say(telegram, ann, 'what time does the stream start?');
    // A human answers once the question waits (in a chat, seconds later; here, as soon as it does).
    await waiting(pipeline, 1);
    say(telegram, bob, 'at eight, like every day', { id: answered, from: ann });
    const alone = say(telegram, carl, 'where is the schedule?');
    const selfReplied = say(telegram, dora, 'which day is the tournament?');
    await waiting(pipeline, 3);
    say(telegram, dora, 'on the weekend I guess', { id: selfReplied, from: dora });

    // Each waits its 5 s; then settles.
    await waitFor(() => telegram.sent.length >= 2, 20_000, 'two answers in the group');
    expect(await outcome(pipeline, answered)).toMatchObject({
      status: 'ignored',
      reason: 'answered_by_human',
    });
    expect(await outcome(pipeline, alone)).toMatchObject({ status: 'done' });
    expect(await outcome(pipeline, selfReplied)).toMatchObject({ status: 'done' });

    // One message to each question left to the bot, none to the answered one.
    expect(telegram.sent.map((message) => message.replyTo).sort()).toEqual([alone, selfReplied].sort());
    const sendCalls = telegram.calls.filter((call) => call.method === 'sendMessage');
    expect(sendCalls).toHaveLength(2);
    // A lower bound only: no answer went out before the grace had passed.
    for (const call of sendCalls) expect(call.at - asked).toBeGreaterThanOrEqual(GRACE_MS);
    const prompts = ollama.calls
      .filter((call) => call.path === '/api/chat')
      .map((call) => JSON.stringify(call.body));
    expect(prompts).toHaveLength(2);
    expect(prompts.some((prompt) => prompt.includes('stream start'))).toBe(false);
    const status = (await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
    expect(status.human_grace[`telegram:chat:${CHAT}`]).toMatchObject({
      waited: 3,
      answered_by_human: 1,
      answered_by_ai: 2,
    });
  }, 60_000);
});
