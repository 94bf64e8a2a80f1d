import type { LightMyRequestResponse } from 'fastify';
import OpenAI from 'openai';
import { beforeEach, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-openai.js';
import { expectOpenAIShape } from '../support/openai-spec.js';
import { useOpenAIUpstreams } from '../support/openai-upstreams.js';
import { describeNeeding } from '../support/requirements.js';

const API_KEY = 'sk-test-fallbacks-1234';

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];
const SCHEMA = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };

/** Requests the local responder cannot honour: its template text would pass for what they ask. */
const CANNOT_HONOUR = [
  ['tool_choice "required"', { tools: TOOLS, tool_choice: 'required' }],
  [
    'a named tool_choice',
    { tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_weather' } } },
  ],
  ['response_format json_object', { response_format: { type: 'json_object' } }],
  [
    'response_format json_schema',
    {
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA, strict: true } },
    },
  ],
] as const;

const ask = (extra: Record<string, unknown> = {}) => ({
  model: 'chatgate/auto',
  messages: [{ role: 'user', content: 'what is the weather in Oslo?' }],
  ...extra,
});

/** Asserts OpenAI's error body (valid against the spec), before any SSE byte for a stream. */
function expectOpenAIError(
  response: LightMyRequestResponse,
  status: number,
  code: string,
): { message: string; param: unknown } {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toContain('application/json');
  expect(response.body).not.toContain('data:');
  const body = response.json() as { error: { message: string; param: unknown; code: string } };
  expectOpenAIShape('ErrorResponse', body);
  expect(body.error.code).toBe(code);
  return body.error;
}

describeNeeding(['openai-spec'], 'OpenAI API: honest fallbacks', () => {
  const h = useOpenAIUpstreams(API_KEY);
  const { complete, startWith: start } = h;
  const chatCalls = (upstream: FakeServer) => h.chatBodies(upstream);
  let openai: FakeServer;
  beforeEach(() => {
    openai = h.openai;
  });

  for (const stream of [false, true]) {
    it.each(CANNOT_HONOUR)(
      `${stream ? 'streamed' : 'non-stream'}, upstream down, %s: 503 no_capable_provider with retry-after, never template text`,
      async (_label, extra) => {
        await start({ provider: 'openai' });
        openai.behave({ fail: { status: 503 } });
        const response = await complete(ask({ ...extra, stream }));
        const error = expectOpenAIError(response, 503, 'no_capable_provider');
        expect(response.headers['retry-after']).toBe('1');
        expect(error.message).toContain('local responder cannot honour');
        expect(error.message).toContain('openai: HTTP 503');
        expect(chatCalls(openai).length).toBeGreaterThan(0);
      },
    );
  }

  it('passes the upstream’s retry-after on when its 429 was why the chain reached the local responder', async () => {
    await start({ provider: 'openai' });
    openai.behave({ fail: { status: 429, retryAfter: 7 } });
    const response = await complete(ask({ response_format: { type: 'json_object' } }));
    expectOpenAIError(response, 503, 'no_capable_provider');
    expect(response.headers['retry-after']).toBe('7');
  });

  it('in local mode, and for local-responder asked by name, refuses the same way', async () => {
    await start({ mode: 'local' });
    const local = await complete(ask({ tools: TOOLS, tool_choice: 'required' }));
    expectOpenAIError(local, 503, 'no_capable_provider');
    await h.app.close();
    await h.services.close();
    await start();
    const named = await complete(ask({ model: 'local-responder', response_format: { type: 'json_object' } }));
    expectOpenAIError(named, 503, 'no_capable_provider');
  });

  it('still answers from the local responder what it can honour: tool_choice auto or none, response_format text', async () => {
    await start({ provider: 'openai' });
    openai.behave({ fail: { status: 503 } });
    for (const extra of [
      { tools: TOOLS },
      { tools: TOOLS, tool_choice: 'none' },
      { response_format: { type: 'text' } },
    ]) {
      const response = await complete(ask(extra));
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ model: 'local-responder' });
      expectOpenAIShape('CreateChatCompletionResponse', response.json());
    }
  });

  it('answers a forced tool call from the upstream when it is up: the refusal is the local responder’s only', async () => {
    await start({ provider: 'openai' });
    openai.behave({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const response = await complete(ask({ tools: TOOLS, tool_choice: 'required' }));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }] });
  });

  it('on Ollama, which can never force a tool call, answers the 400 naming tool_choice, not a 503 to retry', async () => {
    await start({ provider: 'ollama' });
    for (const stream of [false, true]) {
      const error = expectOpenAIError(
        await complete(ask({ tools: TOOLS, tool_choice: 'required', stream })),
        400,
        'upstream_rejected',
      );
      expect(error.message).toContain('tool_choice');
    }
    expect(chatCalls(h.ollama)).toHaveLength(0);
    // A JSON answer Ollama can give; when it is down, that is a 503 to retry.
    h.ollama.behave({ fail: { status: 503 } });
    expectOpenAIError(
      await complete(ask({ response_format: { type: 'json_object' } })),
      503,
      'no_capable_provider',
    );
  });

  it('reaches an OpenAI client as an APIError with status 503 and the code', async () => {
    await start({ provider: 'openai' });
    openai.behave({ fail: { status: 503 } });
    const base = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: API_KEY, maxRetries: 0 });
    const refused = await client.chat.completions
      .create({
        model: 'chatgate/auto',
        messages: [{ role: 'user', content: 'json please' }],
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA } },
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    expect(refused).toMatchObject({ status: 503, code: 'no_capable_provider' });
  });

  it('an unknown model is a 404 model_not_found when the provider cannot list its models; configured ones still fall back', async () => {
    await start({ provider: 'ollama' });
    h.ollama.behave({ fail: { status: 503 } });
    for (const stream of [false, true]) {
      const error = expectOpenAIError(
        await complete(ask({ model: 'gpt-9', stream })),
        404,
        'model_not_found',
      );
      expect(error.param).toBe('model');
    }
    expect(chatCalls(h.ollama)).toHaveLength(0);
    for (const model of ['llama3.2', 'llama3.2:latest', 'chatgate/auto']) {
      const response = await complete(ask({ model }));
      expect(response.statusCode, response.body).toBe(200);
      // Its breaker opens on the way: later requests skip Ollama.
      expect(response.headers['x-chatgate-fallback']).toMatch(/^ollama: (HTTP 503|breaker_open)$/);
      expect(response.json()).toMatchObject({ model: 'local-responder' });
    }
    const models = await h.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${API_KEY}` } });
    expect((models.json() as { data: { id: string }[] }).data.map((model) => model.id)).toEqual([
      'llama3.2',
      'chatgate/auto',
      'local-responder',
    ]);
  });

  it('decides from what the community configures: its provider’s model, its fallback’s, and what they list', async () => {
    // openai (gpt-4o-mini) first, Ollama (qwen3:0.6b) as the fallback.
    await start({
      provider: 'openai',
      openai: { baseUrl: `${openai.url}/v1`, model: 'gpt-4o-mini' },
      model: 'qwen3:0.6b',
      fallbackProvider: 'ollama',
    });
    openai.behave({ fail: { status: 503 } });
    h.ollama.behave({ fail: { status: 503 } });
    const ids = async () =>
      (
        (
          await h.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${API_KEY}` } })
        ).json() as {
          data: { id: string }[];
        }
      ).data.map((model) => model.id);
    expect(await ids()).toEqual(['gpt-4o-mini', 'qwen3:0.6b', 'chatgate/auto', 'local-responder']);
    expect((await complete(ask({ model: 'gpt-4o-mini' }))).headers['x-chatgate-fallback']).toContain(
      'openai',
    );
    expect((await complete(ask({ model: 'qwen3:0.6b' }))).headers['x-chatgate-fallback']).toContain('ollama');
    expectOpenAIError(await complete(ask({ model: 'llama3.2' })), 404, 'model_not_found');

    // Up again: what they list is served too; chatgate/auto keeps the whole chain.
    openai.reset();
    h.ollama.reset();
    expect(await ids()).toEqual([
      'llama3.2',
      'qwen3:0.6b',
      'gpt-4o-mini',
      'chatgate/auto',
      'local-responder',
    ]);
    const listed = await complete(ask({ model: 'llama3.2' }));
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['x-chatgate-provider']).toBe('openai');
    openai.behave({ fail: { status: 503 } });
    const auto = await complete(ask());
    expect(auto.statusCode).toBe(200);
    expect(auto.headers['x-chatgate-provider']).toBe('ollama');
    expect(auto.headers['x-chatgate-fallback']).toContain('openai: HTTP 503');
  });

  it.each([
    ['POST', '/v1/images/generations'],
    ['POST', '/v1/audio/speech'],
    ['GET', '/v1/chat/completions'],
    ['DELETE', '/v1/models'],
    ['GET', '/v1'],
    ['GET', '/v1/'],
    ['POST', '/api/v1/ai/moderations'],
    ['GET', '/api/v1/ai/fine_tuning/jobs?limit=1'],
  ] as const)('an unknown OpenAI route (%s %s) is a 404 in OpenAI’s error shape', async (method, url) => {
    await start();
    const response = await h.app.inject({ method, url, headers: { authorization: `Bearer ${API_KEY}` } });
    const error = expectOpenAIError(response, 404, 'unknown_url');
    expect(error.message).toContain(`${method} ${url.split('?')[0]}`);
    expect(response.headers['x-request-id']).toBeTruthy();
  });

  it.each(['/api/v1/ai/nope', '/nope', '/v1nope'])(
    '%s, not an OpenAI path, keeps chatgate’s own 404',
    async (url) => {
      await start();
      const response = await h.app.inject({ url, headers: { authorization: `Bearer ${API_KEY}` } });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({
        error_code: 'not_found',
        correlation_id: response.headers['x-request-id'],
      });
    },
  );
});
