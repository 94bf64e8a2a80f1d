/**
 * Streamed replies on Telegram, end to end (issue 15): a fake Ollama streams the answer part by part
 * (released by the test once the chat showed the previous ones), telegraf talks to the fake Bot
 * API. A private chat sees drafts then one final message; a group sees one message with the first
 * sentence, then its edits. Reasoning never shows, in any draft or edit.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
});
