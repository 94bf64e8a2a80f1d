import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ProviderKind } from '../../src/ai/providers/provider.js';
import { CHAT_REQUEST_LIMITS as LIMITS } from '../../src/http/openai/limits.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';

const API_KEY = 'sk-test-limits-1234';

/** `levels` objects nested in one another: `{}` is 1 level, `{"a":{}}` is 2. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

/** A JSON schema `levels` schemas deep (each adds two JSON levels: the schema and its `properties`). */
function deepSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let level = 0; level < levels; level++) schema = { type: 'object', properties: { a: schema } };
  return schema;
}

/** An object schema with `properties` object properties in all (`properties` = 2 + 2 × fields). */
function wideSchema(properties: number): Record<string, unknown> {
  const fields = Math.floor((properties - 2) / 2);
  const schema: Record<string, unknown> = {
    type: 'object',
    properties: Object.fromEntries(Array.from({ length: fields }, (_, i) => [`p${i}`, { type: 'string' }])),
  };
  if ((properties - 2) % 2 === 1) schema.description = 'one more';
  return schema;
}

const tool = (parameters: Record<string, unknown>, name = 'lookup') => ({
  type: 'function',
  function: { name, parameters },
});
const ask = (extra: Record<string, unknown> = {}) => ({
  model: 'chatgate/auto',
  messages: [{ role: 'user', content: 'what is the weather?' }],
  ...extra,
});

describe('OpenAI API: a caller can never open a provider’s breaker', () => {
  const h = useFakeOllamaApp();
  let openai: FakeServer;
  beforeAll(async () => {
    openai = await startFakeOpenAI();
  });
  afterAll(() => openai.close());

  /** The app with `provider` as the default community's provider; its breaker opens after 2 failures. */
  async function start(provider: ProviderKind = 'ollama') {
    openai.reset();
    await h.start({
      ai: {
        provider,
        model: 'llama3.2',
        openai: { baseUrl: `${openai.url}/v1` },
        breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000, successThreshold: 1 },
      },
      auth: { apiKeys: [API_KEY] },
    });
  }

  const complete = (payload: unknown) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${API_KEY}` },
      payload: payload as Record<string, unknown>,
    });

  /** Expects OpenAI's 400 naming `param`. */
  async function refused(payload: unknown, param: string, code = 'invalid_value') {
    const response = await complete(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: { message: expect.stringContaining(param), type: 'invalid_request_error', param, code },
    });
  }

  async function answered(payload: unknown) {
    const response = await complete(payload);
    expect(response.statusCode, response.body).toBe(200);
    return response;
  }

  it.each([
    ['ollama', () => h.ollama],
    ['openai', () => openai],
  ] as const)(
    'refuses five tool schemas 10,000 levels deep; the %s breaker stays closed and answers next',
    async (provider, upstream) => {
      await start(provider);
      for (let i = 0; i < 5; i++) {
        await refused(ask({ tools: [tool(deepSchema(5_000))] }), 'tools[0].function.parameters');
      }
      await refused(ask({ stream: true, tools: [tool(deepSchema(5_000))] }), 'tools[0].function.parameters');
      expect(upstream().calls).toHaveLength(0);

      const response = await answered(ask());
      expect(response.headers['x-chatgate-provider']).toBe(provider);
      expect(response.json().choices[0].message.content).toBe('Hello from the fake');
      const status = (
        await h.app.inject({
          method: 'GET',
          url: '/api/v1/ai/status',
          headers: { authorization: `Bearer ${API_KEY}` },
        })
      ).json();
      expect(status.providers).toEqual([
        expect.objectContaining({
          provider,
          breaker: 'closed',
          counts: { successes: 1, failures: 0, refused: 0, rejected: 0 },
        }),
      ]);
    },
  );

  it('answers a request our side fails to build (a bug) with one logged 500, and counts nothing', async () => {
    await start('openai');
    const link = h.services.providers.get('openai');
    const prepare = vi.spyOn(link.provider, 'prepare').mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    });
    const logged = vi.spyOn(h.app.log, 'error');
    for (let i = 0; i < 5; i++) {
      const response = await complete(ask());
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({
        error: { message: 'internal error', type: 'server_error', param: null, code: 'internal_error' },
      });
    }
    expect(logged).toHaveBeenCalledTimes(5);
    expect(link.guard?.state).toBe('closed');
    expect(link.guard?.counts).toEqual({ successes: 0, failures: 0, refused: 0, rejected: 0 });
    expect(openai.calls).toHaveLength(0);
    prepare.mockRestore();
    expect((await answered(ask())).headers['x-chatgate-provider']).toBe('openai');
  });

  it(`lets a body ${LIMITS.maxDepth} levels deep through, and refuses one level more, naming the field`, async () => {
    await start();
    // Levels from the body: body 1, tools 2, tools[0] 3, function 4, parameters 5.
    await answered(ask({ tools: [tool(nested(LIMITS.maxDepth - 4))] }));
    const sent = h.ollama.calls.find((call) => call.path === '/api/chat')?.body as {
      tools: Array<{ function: { parameters: unknown } }>;
    };
    expect(sent.tools[0]?.function.parameters).toEqual(nested(LIMITS.maxDepth - 4));
    await refused(
      ask({ tools: [tool({ type: 'object' }, 'ok'), tool(nested(LIMITS.maxDepth - 3))] }),
      'tools[1].function.parameters',
    );

    // body 1, response_format 2, json_schema 3, schema 4.
    const format = (levels: number) => ({
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: nested(levels) } },
    });
    await answered(ask(format(LIMITS.maxDepth - 3)));
    await refused(ask(format(LIMITS.maxDepth - 2)), 'response_format.json_schema.schema');

    // Anywhere else too: in `stream_options` (level 2), of which only `include_usage` is read.
    const options = (levels: number) => ({
      stream: true,
      stream_options: { include_usage: true, extra: nested(levels) },
    });
    await answered(ask(options(LIMITS.maxDepth - 2)));
    await refused(ask(options(LIMITS.maxDepth - 1)), 'stream_options');
  });

  it(`lets ${LIMITS.maxTools} tools through and refuses ${LIMITS.maxTools + 1}`, async () => {
    await start();
    const tools = (count: number) =>
      Array.from({ length: count }, (_, i) => tool({ type: 'object' }, `tool_${i}`));
    await answered(ask({ tools: tools(LIMITS.maxTools) }));
    await refused(ask({ tools: tools(LIMITS.maxTools + 1) }), 'tools', 'array_above_max_length');
  });

  it(`lets ${LIMITS.maxMessages} messages through and refuses ${LIMITS.maxMessages + 1}`, async () => {
    await start();
    const messages = (count: number) =>
      Array.from({ length: count }, () => ({ role: 'user', content: 'hi' }));
    await answered(ask({ messages: messages(LIMITS.maxMessages) }));
    await refused(ask({ messages: messages(LIMITS.maxMessages + 1) }), 'messages', 'array_above_max_length');
  });

  it(`lets a schema of ${LIMITS.maxSchemaProperties} properties through and refuses one more`, async () => {
    await start();
    await answered(ask({ tools: [tool(wideSchema(LIMITS.maxSchemaProperties))] }));
    await refused(
      ask({ tools: [tool(wideSchema(LIMITS.maxSchemaProperties + 1))] }),
      'tools[0].function.parameters',
    );
    const format = (properties: number) => ({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: wideSchema(properties) },
      },
    });
    await answered(ask(format(LIMITS.maxSchemaProperties)));
    await refused(ask(format(LIMITS.maxSchemaProperties + 1)), 'response_format.json_schema.schema');
  });
});
