import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOllamaProvider } from '../../../src/ai/providers/ollama/ollama-provider.js';
import type { ChatDelta, ChatProvider, ChatRequest } from '../../../src/ai/providers/provider.js';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { failure } from '../../support/provider-error.js';

const request: ChatRequest = {
  model: 'llama3.2',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say hello' },
  ],
};

let fake: FakeServer;
let provider: ChatProvider;

beforeAll(async () => {
  fake = await startFakeOllama();
  provider = createOllamaProvider({ host: fake.url });
});
beforeEach(() => fake.reset());
afterAll(() => fake.close());

async function collect(deltas: AsyncIterable<ChatDelta>): Promise<ChatDelta[]> {
  const out: ChatDelta[] = [];
  for await (const d of deltas) out.push(d);
  return out;
}

describe('ollama provider: chat', () => {
  it('answers with the reply, the model and stop', async () => {
    fake.behave({ reply: 'Hello there!' });
    const result = await provider.chat(request);
    expect(result).toMatchObject({ content: 'Hello there!', finish_reason: 'stop', model: 'llama3.2' });
    expect(result.reasoning).toBeUndefined();
    expect(provider.kind).toBe('ollama');
    expect(provider.endpoint).toBe(fake.url);
  });

  it('sends stream:false and maps the sampling settings into options', async () => {
    await provider.chat({
      ...request,
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 42,
      stop: ['\n\n'],
      seed: 7,
    });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ method: 'POST', path: '/api/chat' });
    expect(fake.calls[0]?.body).toEqual({
      model: 'llama3.2',
      messages: request.messages,
      stream: false,
      options: { temperature: 0.3, top_p: 0.9, num_predict: 42, stop: ['\n\n'], seed: 7 },
    });
  });

  it('sends no options when none are set', async () => {
    await provider.chat(request);
    expect(fake.calls[0]?.body).not.toHaveProperty('options');
  });

  it('splits thinking out as reasoning', async () => {
    fake.behave({ reply: 'Four.', thinking: 'Two plus two is four.' });
    const result = await provider.chat(request);
    expect(result.content).toBe('Four.');
    expect(result.reasoning).toBe('Two plus two is four.');
  });

  it('reports usage from prompt_eval_count and eval_count, and length when cut', async () => {
    fake.behave({ usage: { prompt: 12, completion: 5 }, finishReason: 'length' });
    const result = await provider.chat(request);
    expect(result.usage).toEqual({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
    expect(result.finish_reason).toBe('length');
  });
});

describe('ollama provider: stream', () => {
  it('yields the deltas in order, then finish_reason and usage', async () => {
    fake.behave({ reply: 'one two three', usage: { prompt: 3, completion: 3 } });
    const deltas = await collect(provider.stream(request));
    expect(deltas).toEqual([
      { content: 'one' },
      { content: ' two' },
      { content: ' three' },
      { finish_reason: 'stop', usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } },
    ]);
    expect(fake.calls[0]?.body).toMatchObject({ stream: true });
  });

  it('reassembles NDJSON lines split mid-line and mid-character', async () => {
    const reply = 'Grüße aus dem Café ✓ fine';
    fake.behave({ reply, chunkBytes: 5 });
    const deltas = await collect(provider.stream(request));
    expect(deltas.map((d) => d.content ?? '').join('')).toBe(reply);
    expect(deltas.at(-1)?.finish_reason).toBe('stop');
  });

  it('fails with connection when the stream is cut after the first delta', async () => {
    fake.behave({ reply: 'one two three', cutAfterParts: 1 });
    const seen: ChatDelta[] = [];
    const error = await failure(
      (async () => {
        for await (const d of provider.stream(request)) seen.push(d);
      })(),
    );
    expect(seen).toEqual([{ content: 'one' }]);
    expect(error.code).toBe('connection');
  });
  it('fails with bad_response when the stream just stops before its finish', async () => {
    fake.behave({ reply: 'one two three', cutAfterParts: 2, cutCleanly: true });
    const seen: ChatDelta[] = [];
    const error = await failure(
      (async () => {
        for await (const d of provider.stream(request)) seen.push(d);
      })(),
    );
    expect(seen).toEqual([{ content: 'one' }, { content: ' two' }]);
    expect(error.code).toBe('bad_response');
  });
});

describe('ollama provider: errors', () => {
  it.each([
    [500, true],
    [503, true],
    [400, false],
  ])('maps status %i to http (retryable: %s)', async (status, retryable) => {
    fake.behave({ fail: { status, message: 'boom' } });
    const error = await failure(provider.chat(request));
    expect(error).toMatchObject({ code: 'http', status, retryable, provider: 'ollama' });
    expect(error.message).toContain('boom');
  });

  it('maps 429 with Retry-After to retryAfterMs', async () => {
    fake.behave({ fail: { status: 429, times: 1, retryAfter: 3 } });
    const error = await failure(provider.chat(request));
    expect(error).toMatchObject({ code: 'http', status: 429, retryable: true, retryAfterMs: 3000 });
    // Only the next call failed.
    await expect(provider.chat(request)).resolves.toMatchObject({ content: 'Hello from the fake' });
  });

  it('maps an unknown model to a 404 that does not retry', async () => {
    const error = await failure(provider.chat({ ...request, model: 'nope' }));
    expect(error).toMatchObject({ code: 'http', status: 404, retryable: false });
    expect(error.message).toContain('model "nope" not found');
  });

  it('maps a refused connection to connection', async () => {
    await fake.down();
    try {
      const error = await failure(provider.chat(request));
      expect(error).toMatchObject({ code: 'connection', retryable: true });
      expect(error.message).toContain('ECONNREFUSED');
    } finally {
      await fake.up();
    }
  });

  it('maps a reset connection to connection', async () => {
    fake.behave({ drop: true });
    const error = await failure(provider.chat(request));
    expect(error).toMatchObject({ code: 'connection', retryable: true });
    expect(fake.calls).toHaveLength(1);
  });

  it('maps garbage to bad_response, in chat and in stream', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {}); // the package warns per bad line
    fake.behave({ garbage: true });
    expect(await failure(provider.chat(request))).toMatchObject({ code: 'bad_response', retryable: false });
    expect(await failure(collect(provider.stream(request)))).toMatchObject({ code: 'bad_response' });
    warn.mockRestore();
  });

  it('aborts a hanging chat promptly when the signal fires', async () => {
    fake.behave({ hang: true });
    const started = Date.now();
    const error = await failure(provider.chat(request, AbortSignal.timeout(100)));
    expect(error.code).toBe('timeout'); // AbortSignal.timeout's reason is a TimeoutError
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expect(await failure(provider.chat(request, controller.signal))).toMatchObject({
      code: 'aborted',
      retryable: false,
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('aborts a stream in the middle when the signal fires', async () => {
    fake.behave({ reply: 'one two three', chunkDelayMs: 5000 });
    const controller = new AbortController();
    const seen: ChatDelta[] = [];
    const started = Date.now();
    const error = await failure(
      (async () => {
        for await (const d of provider.stream(request, controller.signal)) {
          seen.push(d);
          controller.abort();
        }
      })(),
    );
    expect(seen).toEqual([{ content: 'one' }]);
    expect(error.code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('ollama provider: models and health', () => {
  it('lists the models from /api/tags', async () => {
    fake.behave({ models: ['llama3.2', 'qwen3:0.6b', 'gemma3:1b'] });
    expect(await provider.models()).toEqual(['llama3.2', 'qwen3:0.6b', 'gemma3:1b']);
    expect(fake.calls[0]).toMatchObject({ method: 'GET', path: '/api/tags' });
  });

  it('reports health from /api/version, and never throws', async () => {
    const up = await provider.health();
    expect(up).toMatchObject({ ok: true, detail: 'ollama 0.12.6' });
    expect(up.latencyMs).toBeGreaterThanOrEqual(0);
    fake.behave({ fail: { status: 500, message: 'down for maintenance' } });
    const down = await provider.health();
    expect(down.ok).toBe(false);
    expect(down.detail).toContain('down for maintenance');
  });
});
