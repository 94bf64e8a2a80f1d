/**
 * Reading a streamed answer into a chat stream (streamAnswer): only checked text is shown, a stop
 * ends the answer unread, and a failure counts as a cut-off only once something was shown.
 */
import { describe, expect, it } from 'vitest';
import type { AiStream } from '../../src/ai/ai-result.js';
import type { AiRequest } from '../../src/ai/ai-service.js';
import type { ChatDelta } from '../../src/ai/providers/provider.js';
import type { ReplyStream } from '../../src/core/adapter.js';
import { StreamCutOffError, type StreamStop, streamAnswer } from '../../src/worker/streamed-answer.js';

/** An AI service whose stream yields `pieces`, then throws `failure` if given; `read` counts what was pulled. */
function service(pieces: string[], failure?: Error) {
  const state = { read: 0, closed: false };
  async function* deltas(): AsyncGenerator<ChatDelta> {
    try {
      for (const content of pieces) {
        state.read++;
        yield { content };
      }
      if (failure) throw failure;
      yield { finish_reason: 'stop', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } };
    } finally {
      state.closed = true;
    }
  }
  const ai = {
    stream: async (): Promise<AiStream> => ({
      mode: 'remote',
      provider: 'ollama',
      model: 'm',
      serviceStatus: 'healthy',
      deltas: deltas(),
    }),
  };
  return { ai, state };
}

function recorder(): ReplyStream & { shown: string[] } {
  const shown: string[] = [];
  return { shown, update: (text) => void shown.push(text), finish: async () => {}, abort: async () => {} };
}

const request = { community: {}, messages: [] } as unknown as AiRequest;

describe('streamAnswer', () => {
  it('shows each new visible text, reasoning never, and returns the whole answer with its usage', async () => {
    const { ai } = service(['<think>', 'hmm', '</think>', 'Hi', ' there']);
    const stream = recorder();
    const answer = await streamAnswer({ ai, request, stream, check: async () => undefined, maxChars: 100 });
    expect(stream.shown).toEqual(['Hi', 'Hi there']);
    expect(answer).toMatchObject({
      content: '<think>hmm</think>Hi there',
      provider: 'ollama',
      usage: { total_tokens: 7 },
    });
  });

  it('stops at the first text a check refuses: it is not shown and the rest is not read', async () => {
    const { ai, state } = service(['Fine', ' words', ' then', ' a ban', ' and more', ' and more']);
    const stream = recorder();
    const check = async (visible: string): Promise<StreamStop | undefined> =>
      visible.includes('ban') ? { heldBack: 'moderated' } : undefined;
    const answer = await streamAnswer({ ai, request, stream, check, maxChars: 100 });
    expect(answer.stopped).toEqual({ heldBack: 'moderated' });
    expect(stream.shown.at(-1)).toBe('Fine words then');
    expect(state.read).toBe(4);
    expect(state.closed).toBe(true);
  });

  it('cuts the visible text at maxChars', async () => {
    const { ai } = service(['abc', 'def']);
    const stream = recorder();
    await streamAnswer({ ai, request, stream, check: async () => undefined, maxChars: 4 });
    expect(stream.shown).toEqual(['abc', 'abcd']);
  });

  it('throws a cut-off when the model fails after text was shown, the failure itself before', async () => {
    const shownFirst = service(['Half', ' an'], new Error('connection reset'));
    const cut = await streamAnswer({
      ai: shownFirst.ai,
      request,
      stream: recorder(),
      check: async () => undefined,
      maxChars: 100,
    }).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(StreamCutOffError);
    expect(cut).toMatchObject({ shown: 'Half an' });

    const nothingShown = service(['<think>', 'plan'], new Error('connection reset'));
    const early = await streamAnswer({
      ai: nothingShown.ai,
      request,
      stream: recorder(),
      check: async () => undefined,
      maxChars: 100,
    }).catch((error: unknown) => error);
    expect(early).not.toBeInstanceOf(StreamCutOffError);
    expect(early).toMatchObject({ message: 'connection reset' });
  });
});
