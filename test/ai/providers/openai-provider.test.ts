import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../../../src/ai/providers/openai-compatible/map-errors.js';
import { createOpenAIProvider } from '../../../src/ai/providers/openai-compatible/openai-provider.js';
import type { ChatDelta, ChatProvider, ChatRequest } from '../../../src/ai/providers/provider.js';
import { type FakeServer, startFakeOpenAI } from '../../fakes/fake-openai.js';
import { failure } from '../../support/provider-error.js';
import { weatherTool } from './tools.js';

const KEY = 'sk-test-0123456789abcdef';
const request: ChatRequest = {
  model: 'llama3.2',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say hello', name: 'ada' },
  ],
};

let fake: FakeServer;
let provider: ChatProvider;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
  provider = createOpenAIProvider({ baseUrl: `${fake.url}/v1`, apiKey: KEY });
});
beforeEach(() => fake.reset());
afterAll(() => fake.close());

async function collect(deltas: AsyncIterable<ChatDelta>): Promise<ChatDelta[]> {
  const out: ChatDelta[] = [];
  for await (const d of deltas) out.push(d);
  return out;
}

describe('openai provider: chat', () => {
  it('answers with the reply, the model and stop, sending the key', async () => {
    fake.behave({ reply: 'Hello there!' });
    const result = await provider.chat(request);
    expect(result).toMatchObject({ content: 'Hello there!', finish_reason: 'stop', model: 'llama3.2' });
    expect(result.reasoning).toBeUndefined();
    expect(fake.calls[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(fake.calls[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(provider).toMatchObject({ kind: 'openai', endpoint: `${fake.url}/v1` });
  });

  it('sends the request one to one, and makes one call only', async () => {
    await provider.chat({
      ...request,
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 42,
      stop: ['\n\n'],
      seed: 7,
    });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]?.body).toEqual({
      model: 'llama3.2',
      messages: request.messages,
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 42,
      stop: ['\n\n'],
      seed: 7,
    });
  });

  it('reports usage, length, and reasoning_content as reasoning', async () => {
    fake.behave({
      reply: 'Four.',
      thinking: 'Two and two.',
      usage: { prompt: 12, completion: 5 },
      finishReason: 'length',
    });
    const result = await provider.chat(request);
    expect(result).toEqual({
      content: 'Four.',
      reasoning: 'Two and two.',
      finish_reason: 'length',
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
      model: 'llama3.2',
    });
  });

  it('sends a placeholder key when none is configured', async () => {
    const open = await startFakeOpenAI();
    try {
      const keyless = createOpenAIProvider({ baseUrl: `${open.url}/v1` });
      await expect(keyless.chat(request)).resolves.toMatchObject({ content: 'Hello from the fake' });
      expect(open.calls[0]?.headers.authorization).toMatch(/^Bearer \S+$/);
    } finally {
      await open.close();
    }
  });
});

describe('openai provider: stream', () => {
  it('yields the deltas in order, then finish_reason and usage together', async () => {
    fake.behave({ reply: 'one two three', usage: { prompt: 3, completion: 3 } });
    const deltas = await collect(provider.stream(request));
    expect(deltas).toEqual([
      { content: 'one' },
      { content: ' two' },
      { content: ' three' },
      { finish_reason: 'stop', usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } },
    ]);
    expect(fake.calls[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('reassembles SSE events split mid-line and mid-character', async () => {
    const reply = 'Grüße aus dem Café ✓ fine';
    fake.behave({ reply, chunkBytes: 3 });
    const deltas = await collect(provider.stream(request));
    expect(deltas.map((d) => d.content ?? '').join('')).toBe(reply);
    expect(deltas.at(-1)?.finish_reason).toBe('stop');
  });

  it('fails, never ends quietly, when the stream is cut before its finish', async () => {
    fake.behave({ reply: 'one two three', cutAfterParts: 2 });
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
    expect(seen).toEqual([{ content: 'one' }]);
    expect(error.code).toBe('bad_response');
  });
});

describe('openai provider: errors', () => {
  it.each([
    [500, true],
    [503, true],
    [400, false],
  ])('maps status %i to http (retryable: %s)', async (status, retryable) => {
    fake.behave({ fail: { status, message: 'boom' } });
    const error = await failure(provider.chat(request));
    expect(error).toMatchObject({ code: 'http', status, retryable, provider: 'openai' });
    expect(error.message).toContain('boom');
    expect(fake.calls).toHaveLength(1); // one call, no retries of its own
  });

  it('maps 429 with Retry-After to retryAfterMs', async () => {
    fake.behave({ fail: { status: 429, times: 1, retryAfter: 2 } });
    const error = await failure(provider.chat(request));
    expect(error).toMatchObject({ code: 'http', status: 429, retryable: true, retryAfterMs: 2000 });
    await expect(provider.chat(request)).resolves.toMatchObject({ content: 'Hello from the fake' });
  });

  it('maps an unknown model to a 404 that does not retry', async () => {
    const error = await failure(provider.chat({ ...request, model: 'nope' }));
    expect(error).toMatchObject({ code: 'http', status: 404, retryable: false });
  });

  it('maps a wrong key to 401 without the key in message or cause', async () => {
    const wrong = 'sk-wrong-key-fedcba9876543210';
    const other = createOpenAIProvider({ baseUrl: `${fake.url}/v1`, apiKey: wrong });
    const error = await failure(other.chat(request));
    expect(error).toMatchObject({ code: 'http', status: 401, retryable: false });
    expect(error.message).toContain('Incorrect API key provided');
    expect(error.message).not.toContain(wrong);
    expect(String((error.cause as Error).message)).not.toContain(wrong);
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

  it('maps garbage to bad_response, in chat and in stream', async () => {
    fake.behave({ garbage: true });
    expect(await failure(provider.chat(request))).toMatchObject({ code: 'bad_response', retryable: false });
    expect(await failure(collect(provider.stream(request)))).toMatchObject({ code: 'bad_response' });
  });

  it('aborts a hanging chat promptly when the signal fires', async () => {
    fake.behave({ hang: true });
    const started = Date.now();
    expect(await failure(provider.chat(request, AbortSignal.timeout(100)))).toMatchObject({
      code: 'timeout',
    });
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
    // The first event (role only, no content) arrives at once; the next one would come 5 s later.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const seen: ChatDelta[] = [];
    const started = Date.now();
    const error = await failure(
      (async () => {
        for await (const d of provider.stream(request, controller.signal)) seen.push(d);
      })(),
    );
    expect(fake.calls).toHaveLength(1);
    expect(seen).toEqual([]);
    expect(error.code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('openai provider: models and health', () => {
  it('lists the models from /v1/models', async () => {
    fake.behave({ models: ['llama3.2', 'gpt-4o-mini'] });
    expect(await provider.models()).toEqual(['llama3.2', 'gpt-4o-mini']);
    expect(fake.calls[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('reports health from /v1/models, and never throws', async () => {
    expect(await provider.health()).toMatchObject({ ok: true, detail: '2 models' });
    fake.behave({ fail: { status: 503, message: 'overloaded' } });
    const down = await provider.health();
    expect(down.ok).toBe(false);
    expect(down.detail).toContain('overloaded');
  });
});

const withTools: ChatRequest = { ...request, tools: [weatherTool] };
const twoCalls = [
  { name: 'get_weather', arguments: { city: 'Paris', units: { temp: 'C' } }, id: 'call_paris' },
  { name: 'get_weather', arguments: { city: 'Oslo' } },
];

describe('openai provider: tools', () => {
  it('passes tools, tool_choice, response_format and user through one to one', async () => {
    const response_format = {
      type: 'json_schema' as const,
      json_schema: { name: 'weather', schema: { type: 'object' }, strict: true },
    };
    const tool_choice = { type: 'function' as const, function: { name: 'get_weather' } };
    await provider.chat({ ...withTools, tool_choice, response_format, user: 'user-42' });
    expect(fake.calls[0]?.body).toEqual({
      model: 'llama3.2',
      messages: request.messages,
      tools: [weatherTool],
      tool_choice,
      response_format,
      user: 'user-42',
    });
  });

  it('passes tool_choice required and json_object as they are', async () => {
    await provider.chat({ ...withTools, tool_choice: 'required', response_format: { type: 'json_object' } });
    expect(fake.calls[0]?.body).toMatchObject({
      tool_choice: 'required',
      response_format: { type: 'json_object' },
    });
  });

  it('sends tool-call turns back with tool_calls and tool_call_id', async () => {
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          {
            id: 'call_abc',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', content: '{"temp":21}', tool_call_id: 'call_abc', name: 'get_weather' },
    ];
    await expect(provider.chat({ ...withTools, messages })).resolves.toMatchObject({ finish_reason: 'stop' });
    expect((fake.calls[0]?.body as { messages?: unknown } | undefined)?.messages).toEqual([
      messages[0],
      messages[1],
      { role: 'tool', content: '{"temp":21}', tool_call_id: 'call_abc' },
    ]);
  });

  it('returns tool calls with their ids, JSON-string arguments and finish_reason tool_calls', async () => {
    fake.behave({ toolCalls: twoCalls });
    const result = await provider.chat(withTools);
    expect(result.content).toBe(''); // the server sent content: null
    expect(result.finish_reason).toBe('tool_calls');
    expect(result.tool_calls).toEqual([
      {
        id: 'call_paris',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris","units":{"temp":"C"}}' },
      },
      {
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      },
    ]);
  });

  it('gives a tool call the server sent without an id a generated one', async () => {
    fake.behave({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' }, id: '' }] });
    const result = await provider.chat(withTools);
    expect(result.tool_calls?.[0]?.id).toMatch(/^call_[0-9a-f]{24}$/);
  });

  it('streams tool call pieces by index, then finish_reason tool_calls', async () => {
    fake.behave({ toolCalls: twoCalls });
    const deltas = await collect(provider.stream(withTools));
    const pieces = deltas.flatMap((d) => d.tool_calls ?? []);
    expect(pieces.length).toBeGreaterThan(4); // the arguments came in fragments
    expect(pieces[0]).toEqual({
      index: 0,
      id: 'call_paris',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    const joined = (index: number) =>
      pieces
        .filter((p) => p.index === index)
        .map((p) => p.function?.arguments ?? '')
        .join('');
    expect(joined(0)).toBe('{"city":"Paris","units":{"temp":"C"}}');
    expect(JSON.parse(joined(1))).toEqual({ city: 'Oslo' });
    expect(pieces.find((p) => p.index === 1)?.id).toMatch(/^call_/);
    expect(deltas.at(-1)?.finish_reason).toBe('tool_calls');
    expect(deltas.filter((d) => d.finish_reason)).toHaveLength(1);
  });

  it('answers with text, not calls, when tool_choice is none', async () => {
    fake.behave({ toolCalls: twoCalls, reply: 'No tools today.' });
    const result = await provider.chat({ ...withTools, tool_choice: 'none' });
    expect(fake.calls[0]?.body).toMatchObject({ tool_choice: 'none', tools: [weatherTool] });
    expect(result).toMatchObject({ content: 'No tools today.', finish_reason: 'stop' });
    expect(result.tool_calls).toBeUndefined();
  });
});

/** A one-off upstream answering every request (once its body is read) with `answer`; counts connections. */
async function startRaw(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  let connections = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const sse = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const finishChunk = { choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }] };

describe('openai provider: transport', () => {
  it('sends user-agent chatgate and JSON, never an OpenAI organization or project', async () => {
    vi.stubEnv('OPENAI_ORG_ID', 'org-from-env');
    vi.stubEnv('OPENAI_PROJECT_ID', 'proj-from-env');
    try {
      await provider.chat(request);
      await collect(provider.stream(request));
      await provider.models();
    } finally {
      vi.unstubAllEnvs();
    }
    expect(fake.calls).toHaveLength(3);
    for (const call of fake.calls) {
      expect(call.headers['user-agent']).toBe('chatgate');
      expect(call.headers['openai-organization']).toBeUndefined();
      expect(call.headers['openai-project']).toBeUndefined();
    }
    expect(fake.calls[0]?.headers['content-type']).toBe('application/json');
    expect(fake.calls[1]?.headers.accept).toBe('text/event-stream');
  });

  it('joins a base URL that ends with a slash', async () => {
    const slashed = createOpenAIProvider({ baseUrl: `${fake.url}/v1/`, apiKey: KEY });
    await slashed.chat(request);
    await slashed.models();
    expect(fake.calls.map((c) => c.path)).toEqual(['/v1/chat/completions', '/v1/models']);
    expect(slashed.endpoint).toBe(`${fake.url}/v1/`);
  });

  it('fails every call, and reports unhealthy, for a base URL that is not an http URL', async () => {
    const broken = createOpenAIProvider({ baseUrl: 'not a url', apiKey: KEY });
    expect(await failure(broken.chat(request))).toMatchObject({ code: 'connection' });
    expect(await broken.health()).toMatchObject({ ok: false });
  });

  it('reads on past [DONE] to the end of the body, so the next call reuses the connection', async () => {
    const raw = await startRaw((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse(finishChunk));
      res.write(sse('[DONE]'));
      setTimeout(() => res.end(), 30); // the end of the body comes in a later packet
    });
    try {
      const p = createOpenAIProvider({ baseUrl: `${raw.url}/v1` });
      for (let i = 0; i < 3; i++) {
        expect(await collect(p.stream(request))).toEqual([{ content: 'hi' }, { finish_reason: 'stop' }]);
        await new Promise((resolve) => setTimeout(resolve, 5)); // undici frees the socket a moment later
      }
      expect(raw.connections()).toBe(1);
    } finally {
      await raw.close();
    }
  });

  it('fails with bad_response when [DONE] comes before any finish_reason', async () => {
    const raw = await startRaw((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        sse({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] }) + sse('[DONE]'),
      );
    });
    try {
      const p = createOpenAIProvider({ baseUrl: `${raw.url}/v1` });
      expect(await failure(collect(p.stream(request)))).toMatchObject({ code: 'bad_response' });
    } finally {
      await raw.close();
    }
  });
});

describe('openai provider: failures through undici', () => {
  it('maps a refused connection to connection, naming the code, for every method', async () => {
    await fake.down();
    try {
      for (const call of [provider.chat(request), collect(provider.stream(request)), provider.models()]) {
        const error = await failure(call);
        expect(error).toMatchObject({ code: 'connection', retryable: true, provider: 'openai' });
        expect(error.message).toContain('(ECONNREFUSED)');
      }
      expect(await provider.health()).toMatchObject({
        ok: false,
        detail: expect.stringContaining('ECONNREFUSED'),
      });
    } finally {
      await fake.up();
    }
  });

  it('maps a connection closed without an answer to connection', async () => {
    fake.behave({ drop: true });
    const error = await failure(provider.chat(request));
    expect(error).toMatchObject({ code: 'connection', retryable: true });
    expect(error.message).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
  });

  it("surfaces the upstream's OpenAI error message, with its type and code on the cause", async () => {
    fake.behave({ fail: { status: 400, message: "This model's maximum context length is 8192 tokens" } });
    const error = await failure(provider.chat(request));
    expect(error.message).toBe(
      "OpenAI-compatible server answered 400 This model's maximum context length is 8192 tokens",
    );
    expect(error.cause).toBeInstanceOf(UpstreamError);
    expect(error.cause).toMatchObject({ status: 400, type: 'invalid_request_error' });
  });

  it('maps 429 with Retry-After to retryAfterMs, in stream too, and prefers retry-after-ms', async () => {
    fake.behave({ fail: { status: 429, retryAfter: 3 } });
    expect(await failure(collect(provider.stream(request)))).toMatchObject({
      code: 'http',
      status: 429,
      retryable: true,
      retryAfterMs: 3000,
    });
    const raw = await startRaw((_req, res) => {
      res.writeHead(429, {
        'retry-after-ms': '1500',
        'retry-after': '9',
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests' } }));
    });
    try {
      const p = createOpenAIProvider({ baseUrl: `${raw.url}/v1` });
      const error = await failure(p.chat(request));
      expect(error).toMatchObject({ code: 'http', status: 429, retryAfterMs: 1500 });
      expect(error.message).toContain('Rate limit reached');
    } finally {
      await raw.close();
    }
  });

  it('keeps an error status whose body is not JSON as http, with the start of the body', async () => {
    const raw = await startRaw((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(`<html><body>Bad Gateway</body></html>${'x'.repeat(200_000)}`); // more than we read
    });
    try {
      const p = createOpenAIProvider({ baseUrl: `${raw.url}/v1` });
      const error = await failure(p.chat(request));
      expect(error).toMatchObject({ code: 'http', status: 502, retryable: true });
      expect(error.message).toContain('Bad Gateway');
      expect(error.message.length).toBeLessThan(300);
    } finally {
      await raw.close();
    }
  });

  it('maps an error inside the stream to bad_response with its message, as an error event or object', async () => {
    let event = false;
    const raw = await startRaw((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ choices: [{ index: 0, delta: { content: 'par' }, finish_reason: null }] }));
      res.end(
        event
          ? sse({ message: 'The server is overloaded' }, 'error')
          : sse({ error: { message: 'The server is overloaded', type: 'server_error' } }),
      );
    });
    try {
      const p = createOpenAIProvider({ baseUrl: `${raw.url}/v1` });
      for (const asEvent of [false, true]) {
        event = asEvent;
        const seen: ChatDelta[] = [];
        const error = await failure(
          (async () => {
            for await (const d of p.stream(request)) seen.push(d);
          })(),
        );
        expect(seen).toEqual([{ content: 'par' }]);
        expect(error).toMatchObject({ code: 'bad_response', retryable: false });
        expect(error.message).toContain('The server is overloaded');
      }
    } finally {
      await raw.close();
    }
  });

  it('keeps the API key out of messages and causes, wherever the upstream echoes it', async () => {
    const raw = await startRaw((req, res) => {
      const echoed = `key ${String(req.headers.authorization).replace('Bearer ', '')} is revoked`;
      if (req.url?.endsWith('/models')) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return void res.end(echoed);
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse({ error: { message: echoed } }));
    });
    try {
      const p = createOpenAIProvider({ baseUrl: `${raw.url}/v1`, apiKey: KEY });
      const errors = [await failure(collect(p.stream(request))), await failure(p.models())];
      const health = await p.health();
      for (const error of errors) {
        expect(error.message).toContain('[redacted] is revoked');
        expect(error.message).not.toContain(KEY);
        expect(String((error.cause as Error | undefined)?.message)).not.toContain(KEY);
      }
      expect(health.detail).toContain('[redacted]');
      expect(health.detail).not.toContain(KEY);
    } finally {
      await raw.close();
    }
  });

  it('fails a call at once, without calling, when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await failure(provider.chat(request, controller.signal))).toMatchObject({ code: 'aborted' });
    expect(await failure(collect(provider.stream(request, controller.signal)))).toMatchObject({
      code: 'aborted',
    });
    expect(fake.calls).toHaveLength(0);
  });

  it('aborts a stream mid-answer, and the upstream sees the connection closed', async () => {
    fake.behave({ reply: 'one two three', chunkDelayMs: 200 });
    const controller = new AbortController();
    const seen: ChatDelta[] = [];
    const error = await failure(
      (async () => {
        for await (const d of provider.stream(request, controller.signal)) {
          seen.push(d);
          controller.abort();
        }
      })(),
    );
    expect(seen).toEqual([{ content: 'one' }]);
    expect(error).toMatchObject({ code: 'aborted', retryable: false });
    await vi.waitFor(() => expect(fake.calls[0]?.closedEarly).toBe(true));
  });

  it('reports a timeout mid-stream as timeout', async () => {
    fake.behave({ reply: 'one two three', chunkDelayMs: 5000 });
    const error = await failure(collect(provider.stream(request, AbortSignal.timeout(100))));
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    await vi.waitFor(() => expect(fake.calls[0]?.closedEarly).toBe(true));
  });

  it('closes the connection when the consumer stops reading early', async () => {
    fake.behave({ reply: 'one two three', chunkDelayMs: 200 });
    for await (const d of provider.stream(request)) if (d.content) break;
    await vi.waitFor(() => expect(fake.calls[0]?.closedEarly).toBe(true));
  });
});
