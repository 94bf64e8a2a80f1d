import OpenAI from 'openai';
import { beforeAll, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { type FakeOllamaApp, useFakeOllamaApp } from '../support/fake-ollama-app.js';
import { expectOpenAIShape, openAISchema } from '../support/openai-spec.js';
import { describeNeeding } from '../support/requirements.js';
import { sseEvents } from '../support/sse-events.js';
import { waitFor } from '../support/wait-for.js';

const API_KEY = 'sk-test-chatgate-1234';

describeNeeding(['openai-spec'], 'OpenAI-compatible API', () => {
  const h = useFakeOllamaApp();
  // Compiling the spec's validator takes seconds of CPU on a loaded machine: not in the first
  // test's 15 s.
  beforeAll(() => void openAISchema('CreateChatCompletionResponse'), 60_000);
  let client: OpenAI;
  let base: string;

  async function start(overrides: Parameters<FakeOllamaApp['start']>[0] = {}): Promise<Config> {
    const config = await h.start({
      ...overrides,
      ai: { firstByteTimeoutMs: 500, ...overrides.ai },
      auth: { apiKeys: [API_KEY] },
    });
    base = await h.app.listen({ port: 0, host: '127.0.0.1' });
    client = new OpenAI({ baseURL: `${base}/v1`, apiKey: API_KEY, maxRetries: 0 });
    return config;
  }

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...headers },
      body: JSON.stringify(body),
    });
  /** A raw streamed completion of one user message, through chatgate/auto. */
  const postStream = (content: string) =>
    post({ model: 'chatgate/auto', stream: true, messages: [{ role: 'user', content }] });

  it('answers through the SDK with the model reply and the provider usage, in OpenAI shape', async () => {
    await start();
    h.ollama.behave({ reply: 'Paris.', usage: { prompt: 12, completion: 3 } });
    const completion = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] },
      ],
      max_completion_tokens: 20,
      temperature: 0.2,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Paris.' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
    expectOpenAIShape('CreateChatCompletionResponse', completion);
    const sent = h.ollama.calls.find((call) => call.path === '/api/chat')?.body as {
      options: { num_predict: number; temperature: number };
    };
    expect(sent.options).toMatchObject({ num_predict: 20, temperature: 0.2 });
  });

  it('streams through the SDK: one id, role first, one finish_reason, usage last, then [DONE]', async () => {
    await start();
    h.ollama.behave({ reply: 'One two three four five', usage: { prompt: 7, completion: 5 }, chunkBytes: 7 });
    const stream = await client.chat.completions.create({
      model: 'chatgate/auto',
      messages: [{ role: 'user', content: 'Count to five' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(new Set(chunks.map((chunk) => chunk.created)).size).toBe(1);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('One two three four five');
    expect(chunks.filter((chunk) => chunk.choices[0]?.finish_reason != null)).toHaveLength(1);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('ends a raw stream with data: [DONE] and never leaks Ollama NDJSON', async () => {
    await start();
    h.ollama.behave({ reply: 'héllo wörld 👋', chunkBytes: 3 });
    const response = await postStream('hi');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const body = await response.text();
    expect(body).not.toContain('"done"');
    const events = sseEvents(body);
    expect(events.at(-1)).toBe('[DONE]');
    // Each chunk's fields in OpenAI's order.
    for (const event of events.slice(0, -1)) {
      expect(Object.keys(event as object)).toEqual(['id', 'object', 'created', 'model', 'choices']);
    }
    const text = events
      .slice(0, -1)
      .map(
        (event) => (event as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '',
      )
      .join('');
    expect(text).toBe('héllo wörld 👋');
  });

  it('lists models: the providers’, chatgate/auto and local-responder', async () => {
    await start();
    const models = await client.models.list();
    const ids = models.data.map((model) => model.id);
    expect(ids).toEqual(['llama3.2', 'qwen3:0.6b', 'chatgate/auto', 'local-responder']);
    const raw = await (
      await fetch(`${base}/api/v1/ai/models`, { headers: { authorization: `Bearer ${API_KEY}` } })
    ).json();
    expectOpenAIShape('ListModelsResponse', raw);
  });

  it('raises the SDK’s typed errors, with OpenAI’s error body', async () => {
    await start();
    const refused = await client.chat.completions
      .create({ model: 'llama3.2', n: 2, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ status: 400, param: 'n' });
    const unknown = await client.chat.completions
      .create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ code: 'model_not_found' });
    const wrongKey = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    const denied = await wrongKey.models.list().catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
    for (const body of [
      { model: 'llama3.2', messages: [] },
      { model: 'llama3.2', messages: [{ role: 'wizard', content: 'x' }] },
      { model: 'llama3.2', messages: [{ role: 'user', content: 'x' }], frobnicate: true },
      {
        model: 'llama3.2',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
      },
      { messages: [{ role: 'user', content: 'x' }] },
    ]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      const error = (await response.json()) as { error: { param: string | null } };
      expectOpenAIShape('ErrorResponse', error);
      expect(error.error.param).toBeTruthy();
    }
  });

  it('falls back to the local responder before the first byte and says so in headers', async () => {
    await start();
    h.ollama.behave({ fail: { status: 503 } });
    const response = await post({ model: 'chatgate/auto', messages: [{ role: 'user', content: 'hello' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-chatgate-fallback')).toContain('ollama: HTTP 503');
    expect(response.headers.get('x-should-retry')).toBe('false');
    const body = (await response.json()) as { model: string };
    expect(body.model).toBe('local-responder');
    expectOpenAIShape('CreateChatCompletionResponse', body);
  });

  it('falls back when the model does not send its first byte in time, and the stream still ends with [DONE]', async () => {
    await start();
    h.ollama.behave({ hang: true });
    const streamed = await postStream('hello');
    expect(streamed.headers.get('x-chatgate-fallback')).toContain('ollama: timeout');
    const events = sseEvents(await streamed.text());
    expect((events[0] as { model: string }).model).toBe('local-responder');
    expect(events.at(-1)).toBe('[DONE]');
  });

  it('passes a model’s 429 on, with retry-after, when the caller pinned that model and local is off', async () => {
    await start({ ai: { mode: 'remote', offlineResponses: false } });
    h.ollama.behave({ fail: { status: 429, retryAfter: 7 } });
    const response = await post({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expectOpenAIShape('ErrorResponse', await response.json());
  });

  it('ends a stream cut mid-way with an error event and no [DONE]', async () => {
    await start();
    h.ollama.behave({ reply: 'a b c d e f g h', cutAfterParts: 3 });
    const response = await postStream('go');
    const events = sseEvents(await response.text());
    expect(events).not.toContain('[DONE]');
    const last = events.at(-1) as { error: { type: string; code: string } };
    expect(last.error).toMatchObject({ type: 'server_error', code: 'stream_interrupted' });
    expectOpenAIShape('ErrorResponse', last);
  });

  it('ends the stream with an error event when the upstream stops without its final chunk', async () => {
    await start();
    h.ollama.behave({ reply: 'one two three four', cutAfterParts: 2, cutCleanly: true });
    const response = await postStream('go');
    const events = sseEvents(await response.text());
    expect(events).not.toContain('[DONE]');
    expect((events.at(-1) as { error?: unknown }).error).toBeDefined();
  });

  it('ends a stalled stream at the total stream timeout, with an error event', async () => {
    await start({ ai: { streamTimeoutMs: 1000 } });
    // The first piece holds a whole NDJSON line (the first byte arrives), then the upstream stalls.
    h.ollama.behave({ reply: 'slow words keep coming here', chunkBytes: 400, chunkDelayMs: 5000 });
    const response = await postStream('go');
    const events = sseEvents(await response.text());
    expect(events).not.toContain('[DONE]');
    expect((events.at(-1) as { error?: unknown }).error).toBeDefined();
  });

  it('aborts the upstream request when the client disconnects', async () => {
    await start();
    h.ollama.behave({ reply: 'a long answer that takes its time', chunkBytes: 30, chunkDelayMs: 300 });
    const response = await postStream('go');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    await waitFor(
      () => (h.ollama.calls.find((call) => call.path === '/api/chat')?.closedEarly ? true : undefined),
      3000,
    );
  });

  it('returns tool calls with JSON-string arguments and finish_reason tool_calls, streaming too', async () => {
    await start();
    h.ollama.behave({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const completion = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools,
    });
    expectOpenAIShape('CreateChatCompletionResponse', completion);
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message
      .tool_calls?.[0] as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
    expect(call.id).toBeTruthy();

    const stream = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools,
      stream: true,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    const finishes = chunks
      .map((chunk) => chunk.choices[0]?.finish_reason)
      .filter((reason) => reason != null);
    expect(finishes).toEqual(['tool_calls']);
    const args = chunks
      .flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
      .map((piece) => piece.function?.arguments ?? '');
    expect(JSON.parse(args.join(''))).toEqual({ city: 'Oslo' });
  });

  it('maps response_format json_schema to Ollama format and refuses tool_choice required on Ollama', async () => {
    await start({ ai: { mode: 'remote', offlineResponses: false } });
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    await client.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
    });
    const sent = h.ollama.calls.find((call) => call.path === '/api/chat')?.body as
      | { format: unknown }
      | undefined;
    expect(sent?.format).toEqual(schema);
    const refused = await client.chat.completions
      .create({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'function', function: { name: 'f' } }],
        tool_choice: 'required',
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String((refused as Error).message)).toContain('tool_choice');
  });

  it('applies the per-key rate limit with OpenAI’s 429', async () => {
    await start({ openaiApi: { rateLimitPerMinute: 2 } });
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
    await client.models.list();
    const limited = await client.models.list().catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('chatgate_rate_limited_total{api="openai"} 1');
  });
});
