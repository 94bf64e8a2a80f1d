/**
 * Streamed replies on Telegram, end to end (issue 15): a fake Ollama streams the answer part by part
 * (released by the test once the chat showed the previous ones), telegraf talks to the fake Bot
 * API. A private chat sees drafts then one final message; a group sees one message with the first
 * sentence, then its edits. Reasoning never shows, in any draft or edit. A model failing midway
 * leaves what was shown, marked cut off; a blocked term stops the reply before it shows and, with
 * no blocked reply set, the message is deleted.
 */

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CUT_OFF_MARKER } from '../../../src/core/adapter.js';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/fake-telegram.js';
import { PartGate } from '../../support/part-gate.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

const ANN = { id: 42, is_bot: false, first_name: 'Ann', username: 'ann' };
const GROUP = { id: -100777, type: 'supergroup', title: 'Fans' };
/** The answer as the model writes it, in stream parts of one word each (fake-ollama's `pieces`). */
const ANSWER = '<think> secret plan </think> Hello Ann. Streaming is fun. Bye!';
const SHOWN = 'Hello Ann. Streaming is fun. Bye!';

describe('streamed replies on Telegram', () => {
  let telegram: FakeTelegram;
  let ollama: FakeServer;
  let pipeline: Pipeline;
  let gate: PartGate;
  let updateId = 100;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    telegram = await startFakeTelegram();
    const config = testConfig({
      ai: { ollama: { host: ollama.url } },
      platforms: { telegram: { botToken: telegram.token, apiRoot: telegram.url } },
    });
    pipeline = await startPipeline(config);
    await waitFor(() => pipeline.platforms.adapters[0]?.state().status === 'online');
  });
  beforeEach(() => {
    gate = new PartGate();
    ollama.reset();
    ollama.behave({ reply: ANSWER, paceParts: gate.wait });
  });
  afterAll(async () => {
    gate.releaseAll();
    await pipeline.close();
    await telegram.close();
    await ollama.close();
  });

  /** Where the interaction of `messageId` in `chat` ended. */
  async function outcomeOf(chat: number, messageId: number): Promise<string | undefined> {
    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=telegram' })
    ).json();
    const item = listed.interactions.find(
      (entry: { event: { id: string } }) => entry.event.id === `telegram:${chat}:${messageId}`,
    );
    return item?.status === 'running' || item?.status === 'queued' ? undefined : item?.status;
  }

  it('answers a private question through drafts, then one final message without the reasoning', async () => {
    telegram.pushUpdate({
      update_id: ++updateId,
      message: {
        message_id: 20,
        from: ANN,
        chat: { id: 42, type: 'private' },
        date: 1,
        text: 'how are you?',
      },
    });
    const drafts = () => telegram.drafts.filter((draft) => draft.chatId === 42);
    // Parts 0-4 are the reasoning and "Hello"; then one sentence at a time, each after a draft showed the last.
    gate.releaseThrough(4);
    await waitFor(() => drafts().some((draft) => draft.text === 'Hello'));
    gate.releaseThrough(5);
    await waitFor(() => drafts().some((draft) => draft.text === 'Hello Ann.'));
    gate.releaseThrough(8);
    await waitFor(() => drafts().some((draft) => draft.text.endsWith('fun.')));
    gate.releaseAll();
    const final = await waitFor(() => telegram.sent.find((message) => message.replyTo === 20));
    expect(await waitFor(() => outcomeOf(42, 20))).toBe('done');

    expect(final.text).toBe(SHOWN);
    expect(telegram.sent.filter((message) => message.chatId === 42)).toHaveLength(1);
    expect(new Set(drafts().map((draft) => draft.draftId)).size).toBe(1);
    for (const draft of drafts()) {
      expect(SHOWN.startsWith(draft.text)).toBe(true);
      expect(draft.text).not.toMatch(/secret|plan|think/);
    }
    const sentAt = telegram.callsOf('sendMessage').at(-1)?.at ?? 0;
    expect(drafts().every((draft) => draft.at <= sentAt)).toBe(true);
  });

  it('answers a group question through one message with the first sentence, then edits', async () => {
    telegram.pushUpdate({
      update_id: ++updateId,
      message: {
        message_id: 30,
        from: ANN,
        chat: GROUP,
        date: 1,
        text: '@chatgate_test_bot how are you?',
        entities: [{ type: 'mention', offset: 0, length: 18 }],
      },
    });
    // A sentence ends where the next word starts: "Hello Ann." shows once " Streaming" is in.
    gate.releaseThrough(5);
    await waitFor(() => telegram.callsOf('sendChatAction').some((call) => call.params.chat_id === GROUP.id));
    gate.releaseThrough(6);
    const message = await waitFor(() => telegram.sent.find((sent) => sent.replyTo === 30));
    expect(message.history[0]).toBe('Hello Ann.');
    gate.releaseThrough(8);
    await waitFor(() => message.history.some((text) => text.endsWith('fun.')));
    gate.releaseAll();
    expect(await waitFor(() => outcomeOf(GROUP.id, 30))).toBe('done');
    // The final edit follows the recorded outcome (delivery comes after the log).
    await waitFor(() => message.text === SHOWN, 5000, `the final text, not ${JSON.stringify(message.text)}`);
    expect(message.parseMode).toBe('MarkdownV2');
    expect(message.deleted).toBeUndefined();
    expect(telegram.sent.filter((sent) => sent.chatId === GROUP.id)).toHaveLength(1);
    expect(telegram.callsOf('editMessageText').length).toBeGreaterThanOrEqual(1);
    expect(telegram.drafts.filter((draft) => draft.chatId === GROUP.id)).toEqual([]);
    for (const text of message.history) {
      expect(SHOWN.startsWith(text)).toBe(true);
      expect(text).not.toMatch(/secret|plan|think/);
    }
  });

  it('ends a private reply whose model fails midway with one message: what was shown, cut off', async () => {
    // Seven parts (the reasoning, "Hello Ann. Streaming"), then the connection drops without `done`.
    ollama.behave({ cutAfterParts: 7 });
    telegram.pushUpdate({
      update_id: ++updateId,
      message: {
        message_id: 40,
        from: { ...ANN, id: 43 },
        chat: { id: 43, type: 'private' },
        date: 1,
        text: 'and then?',
      },
    });
    gate.releaseThrough(4);
    await waitFor(() => telegram.drafts.some((draft) => draft.chatId === 43));
    gate.releaseAll();
    expect(await waitFor(() => outcomeOf(43, 40))).toBe('failed');
    const final = await waitFor(() => telegram.sent.find((message) => message.replyTo === 40));
    expect(final.text.endsWith(CUT_OFF_MARKER)).toBe(true);
    const shown = final.text.slice(0, -CUT_OFF_MARKER.length);
    expect(shown.length).toBeGreaterThan(0);
    expect('Hello Ann. Streaming'.startsWith(shown)).toBe(true);
    expect(telegram.sent.filter((message) => message.chatId === 43)).toHaveLength(1);
  });

  it('deletes a group reply stopped by a blocked term when the community has no blocked reply', async () => {
    const chat = { id: -100888, type: 'supergroup', title: 'Strict' };
    const put = await pipeline.app.inject({
      method: 'PUT',
      url: `/api/v1/communities/telegram:chat:${chat.id}/config`,
      payload: { moderation: { blocked_terms: ['frobnicate'] } },
    });
    expect(put.statusCode).toBe(200);
    ollama.behave({ reply: 'Sure thing. Now frobnicate the widget.' });
    telegram.pushUpdate({
      update_id: ++updateId,
      message: {
        message_id: 50,
        from: { ...ANN, id: 44 },
        chat,
        date: 1,
        text: '@chatgate_test_bot what now?',
        entities: [{ type: 'mention', offset: 0, length: 18 }],
      },
    });
    gate.releaseThrough(2); // "Sure thing. Now": the first sentence is out
    const message = await waitFor(() => telegram.sent.find((sent) => sent.replyTo === 50));
    expect(message.text).toBe('Sure thing.');
    gate.releaseAll();
    expect(await waitFor(() => outcomeOf(chat.id, 50))).toBe('done');
    await waitFor(() => message.deleted);
    expect(message.history.join(' ')).not.toContain('frobnicate');
  });
});
