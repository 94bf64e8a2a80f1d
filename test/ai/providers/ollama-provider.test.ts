import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOllamaProvider } from '../../../src/ai/providers/ollama/ollama-provider.js';
import {
  type ChatDelta,
  type ChatProvider,
  type ChatRequest,
  ProviderError,
} from '../../../src/ai/providers/provider.js';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { failure } from '../../support/provider-error.js';
import { weatherTool } from './tools.js';

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

const withTools: ChatRequest = { ...request, tools: [weatherTool] };
const twoCalls = [
  { name: 'get_weather', arguments: { city: 'Paris', units: { temp: 'C' } } },
  { name: 'get_weather', arguments: { city: 'Oslo' } },
];

describe('ollama provider: tools', () => {
  it('sends the tools as Ollama expects them, without strict', async () => {
    await provider.chat({ ...withTools, tool_choice: 'auto' });
    const body = fake.calls[0]?.body as Record<string, unknown>;
    expect(body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'The weather in a city',
          parameters: weatherTool.function.parameters,
        },
      },
    ]);
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('returns tool calls with JSON-string arguments, ids and finish_reason tool_calls', async () => {
    fake.behave({ toolCalls: twoCalls });
    const result = await provider.chat(withTools);
    expect(result.content).toBe('');
    expect(result.finish_reason).toBe('tool_calls'); // Ollama itself says done_reason "stop"
    expect(result.tool_calls).toHaveLength(2);
    const [first, second] = result.tool_calls ?? [];
    expect(first).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(first?.function.arguments).toBe('{"city":"Paris","units":{"temp":"C"}}');
    expect(JSON.parse(second?.function.arguments ?? '')).toEqual({ city: 'Oslo' });
    expect(first?.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(second?.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(first?.id).not.toBe(second?.id);
  });

  it('streams tool calls that arrive before the done part, and ends with finish_reason tool_calls', async () => {
    fake.behave({ toolCalls: twoCalls, usage: { prompt: 9, completion: 4 } });
    const deltas = await collect(provider.stream(withTools));
    const calls = deltas.flatMap((d) => d.tool_calls ?? []);
    expect(deltas.filter((d) => d.tool_calls)).toHaveLength(2); // each call in its own part
    expect(calls.map((c) => c.index)).toEqual([0, 1]);
    expect(calls[0]).toMatchObject({
      index: 0,
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris","units":{"temp":"C"}}' },
    });
    expect(calls[1]?.function?.arguments).toBe('{"city":"Oslo"}');
    for (const c of calls) expect(c.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(deltas.at(-1)).toEqual({
      finish_reason: 'tool_calls',
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    });
    expect(deltas.filter((d) => d.finish_reason)).toHaveLength(1);
  });

  it('streams text before the tool calls when the model writes both', async () => {
    fake.behave({ toolCalls: twoCalls.slice(0, 1), reply: 'Let me look.', replyWithToolCalls: true });
    const deltas = await collect(provider.stream(withTools));
    expect(deltas.map((d) => d.content ?? '').join('')).toBe('Let me look.');
    expect(deltas.findIndex((d) => d.tool_calls)).toBe(deltas.length - 2);
    expect(deltas.at(-1)?.finish_reason).toBe('tool_calls');
  });

  it('sends tool-call turns back: arguments as objects, tool results with tool_name', async () => {
    const callId = 'call_abc123';
    await provider.chat({
      ...withTools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            {
              id: callId,
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', content: '{"temp":21}', tool_call_id: callId },
      ],
    });
    expect(fake.calls[0]?.body).toMatchObject({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
        },
        { role: 'tool', content: '{"temp":21}', tool_name: 'get_weather' },
      ],
    });
    // The fake, like Ollama, answers 400 to arguments that are not an object; one call, answered.
    expect(fake.calls).toHaveLength(1);
  });

  it('refuses tool-call arguments that are not a JSON object, without calling', async () => {
    const error = await failure(
      provider.chat({
        ...request,
        messages: [
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '[1, 2]' } }],
          },
        ],
      }),
    );
    expect(error).toMatchObject({ code: 'http', status: 400, retryable: false });
    expect(error.message).toContain('messages[0].tool_calls[0].function.arguments');
    expect(fake.calls).toHaveLength(0);
  });

  it.each([
    ['required', 'required' as const],
    ['a named function', { type: 'function' as const, function: { name: 'get_weather' } }],
  ])('refuses tool_choice %s with a 400 naming tool_choice, in chat and stream', async (_, choice) => {
    fake.behave({ toolCalls: twoCalls });
    const error = await failure(provider.chat({ ...withTools, tool_choice: choice }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'http', status: 400, retryable: false, provider: 'ollama' });
    expect(error.message).toContain('tool_choice');
    const streamed = await failure(collect(provider.stream({ ...withTools, tool_choice: choice })));
    expect(streamed).toMatchObject({ code: 'http', status: 400, retryable: false });
    expect(streamed.message).toContain('tool_choice');
    expect(fake.calls).toHaveLength(0);
  });

  it('honours tool_choice none by sending no tools', async () => {
    fake.behave({ toolCalls: twoCalls, reply: 'No tools today.' });
    const result = await provider.chat({ ...withTools, tool_choice: 'none' });
    expect(fake.calls[0]?.body).not.toHaveProperty('tools');
    expect(result).toMatchObject({ content: 'No tools today.', finish_reason: 'stop' });
    expect(result.tool_calls).toBeUndefined();
  });
});

describe('ollama provider: response_format and user', () => {
  it('maps json_object to format "json"', async () => {
    await provider.chat({ ...request, response_format: { type: 'json_object' } });
    expect(fake.calls[0]?.body).toMatchObject({ format: 'json' });
  });

  it('maps json_schema to format with the schema object', async () => {
    const schema = { type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] };
    await provider.chat({
      ...request,
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
    });
    expect((fake.calls[0]?.body as { format?: unknown } | undefined)?.format).toEqual(schema);
  });

  it('sends no format for text, and never sends user', async () => {
    await provider.chat({ ...request, response_format: { type: 'text' }, user: 'user-42' });
    const body = fake.calls[0]?.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('format');
    expect(JSON.stringify(body)).not.toContain('user-42');
  });
});
