/**
 * `POST /v1/embeddings` (and `/api/v1/ai/embeddings`) through `app.inject`, against the fake Ollama
 * (`/api/embed`) and the fake OpenAI-compatible server (`/v1/embeddings`): float and base64
 * answers, batching in order, Ollama's answer mapped to OpenAI's, pass-through to an
 * OpenAI-compatible upstream, the 400s at the edge, 503 `no_capable_provider` when only the local
 * responder is left, the breaker, and one call through the official `openai` SDK (which asks for
 * base64 by default) against a listening app.
 */
import OpenAI from 'openai';
import { beforeAll, expect, it } from 'vitest';
import { embeddingFor, type FakeServer } from '../fakes/behaviour.js';
import { expectOpenAIShape, openAISchema } from '../support/openai-spec.js';
import { useOpenAIUpstreams } from '../support/openai-upstreams.js';
import { startPipeline } from '../support/pipeline.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

const API_KEY = 'sk-test-embeddings-1234';
/** The fakes' vector length when the request names no `dimensions`. */
const DIMS = 8;

interface EmbeddingBody {
  object: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** A base64 embedding as OpenAI defines it: little-endian float32s. */
function decode(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

describeNeeding(['openai-spec'], 'OpenAI API: POST /v1/embeddings', () => {
  const h = useOpenAIUpstreams(API_KEY);
  const embed = (payload: unknown, url = '/v1/embeddings') => h.complete(payload, url);
  const embedCalls = (upstream: FakeServer) =>
    upstream.calls
      .filter((call) => call.path === '/api/embed' || call.path === '/v1/embeddings')
      .map((call) => call.body as Record<string, unknown>);

  beforeAll(() => {
    // Compiling the spec's validator takes seconds of CPU on a loaded machine: once, here.
    openAISchema('CreateEmbeddingResponse');
  }, 60_000);

  /** A 200 whose body is a valid CreateEmbeddingResponse (float) or its base64 variant. */
  function expectEmbeddings(response: Awaited<ReturnType<typeof embed>>): EmbeddingBody {
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as EmbeddingBody;
    // The spec describes the float form only; a base64 body differs in `embedding` alone.
    const asFloats = {
      ...body,
      data: body.data.map((item) => ({
        ...item,
        embedding: typeof item.embedding === 'string' ? decode(item.embedding) : item.embedding,
      })),
    };
    expectOpenAIShape('CreateEmbeddingResponse', asFloats);
    return body;
  }

  /** OpenAI's error body, valid against the spec, with `status`, `code` and `param`. */
  function expectError(
    response: Awaited<ReturnType<typeof embed>>,
    status: number,
    code: string,
    param: string | null = null,
  ): string {
    expect(response.statusCode, response.body).toBe(status);
    const body = response.json() as { error: { code: string; param: string | null; message: string } };
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.code).toBe(code);
    expect(body.error.param).toBe(param);
    return body.error.message;
  }

  it("Ollama: embeds a batch of strings in one /api/embed call, in order, mapped to OpenAI's list with prompt_eval_count as usage", async () => {
    await h.startWith();
    h.ollama.behave({ usage: { prompt: 42, completion: 0 } });
    const texts = ['first text', 'second one', 'third'];
    const response = await embed({ model: 'llama3.2', input: texts });
    const body = expectEmbeddings(response);

    expect(body).toEqual({
      object: 'list',
      data: texts.map((text, index) => ({ object: 'embedding', index, embedding: embeddingFor(text, DIMS) })),
      model: 'llama3.2',
      usage: { prompt_tokens: 42, total_tokens: 42 },
    });
    expect(embedCalls(h.ollama)).toEqual([{ model: 'llama3.2', input: texts }]);
    expect(response.headers['x-chatgate-provider']).toBe('ollama');
    expect(response.headers['server-timing']).toMatch(/^upstream;dur=[\d.]+, chatgate;dur=[\d.]+$/);
  });

  it('Ollama: a single string is sent as a batch of one; `dimensions` passes, `user` is named as ignored', async () => {
    await h.startWith();
    const response = await embed({ model: 'llama3.2', input: 'just one', dimensions: 4, user: 'u-1' });
    const body = expectEmbeddings(response);
    expect(body.data).toEqual([{ object: 'embedding', index: 0, embedding: embeddingFor('just one', 4) }]);
    expect(embedCalls(h.ollama)).toEqual([{ model: 'llama3.2', input: ['just one'], dimensions: 4 }]);
    expect(response.headers['x-chatgate-ignored-params']).toBe('user');
  });

  it('an upstream that ignores `dimensions` answers its own length, and x-chatgate-ignored-params says so', async () => {
    await h.startWith();
    h.ollama.behave({ ignoreDimensions: true });
    const response = await embed({ model: 'llama3.2', input: 'x', dimensions: 4, user: 'u-3' });
    const body = expectEmbeddings(response);
    expect(body.data[0]?.embedding).toEqual(embeddingFor('x', DIMS));
    expect(response.headers['x-chatgate-ignored-params']).toBe('user,dimensions');
  });

  for (const provider of ['ollama', 'openai'] as const) {
    it(`${provider}: float and base64 answers decode to the same numbers`, async () => {
      await h.startWith({ provider });
      const input = ['alpha', 'beta gamma'];
      const floats = expectEmbeddings(await embed({ model: 'llama3.2', input }));
      const base64 = expectEmbeddings(await embed({ model: 'llama3.2', input, encoding_format: 'base64' }));
      expect(base64.data.map((item) => typeof item.embedding)).toEqual(['string', 'string']);
      expect(base64.data.map((item) => decode(item.embedding as string))).toEqual(
        floats.data.map((item) => item.embedding),
      );
      expect(floats.data.map((item) => item.embedding)).toEqual(input.map((t) => embeddingFor(t, DIMS)));
    });
  }

  it('OpenAI-compatible: passes token arrays, dimensions and user through, asking the upstream for floats', async () => {
    await h.startWith({ provider: 'openai' });
    const input = [
      [1, 2, 3],
      [40, 50],
    ];
    const response = await embed({ model: 'llama3.2', input, dimensions: 4, user: 'u-2' });
    const body = expectEmbeddings(response);
    expect(body.data.map((item) => item.embedding)).toEqual([
      embeddingFor('1,2,3', 4),
      embeddingFor('40,50', 4),
    ]);
    expect(body.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    expect(embedCalls(h.openai)).toEqual([
      { model: 'llama3.2', input, encoding_format: 'float', dimensions: 4, user: 'u-2' },
    ]);
    expect(response.headers['x-chatgate-provider']).toBe('openai');
    expect(response.headers['x-chatgate-ignored-params']).toBeUndefined();
  });

  it('answers under /api/v1/ai/embeddings too, and 401 without a key', async () => {
    await h.startWith();
    expectEmbeddings(await embed({ model: 'llama3.2', input: 'hi' }, '/api/v1/ai/embeddings'));
    const anonymous = await h.app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      payload: { model: 'llama3.2', input: 'hi' },
    });
    expectError(anonymous, 401, 'invalid_api_key');
  });

  it('X-Community-Id picks whose provider answers, a client key may not name another community, and the rate limit applies', async () => {
    const [client, admin] = ['client-key-embeddings-456', 'admin-key-embeddings-789'];
    await h.start({
      ai: { model: 'llama3.2', openai: { baseUrl: `${h.openai.url}/v1` } },
      openaiApi: { modelsCacheMs: 0, rateLimitPerMinute: 3 },
      auth: { apiKeys: [API_KEY], clientKeys: [client], adminKey: admin },
    });
    h.openai.reset();
    const put = await h.app.inject({
      method: 'PUT',
      url: '/api/v1/communities/twitch:channel:77/config',
      headers: { authorization: `Bearer ${admin}` },
      payload: { provider: 'openai', model: 'llama3.2' },
    });
    expect(put.statusCode, put.body).toBe(200);
    const post = (key: string, community?: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/embeddings',
        headers: {
          authorization: `Bearer ${key}`,
          ...(community ? { 'x-community-id': community } : {}),
        },
        payload: { model: 'chatgate/auto', input: 'whose vectors?' },
      });

    const theirs = await post(API_KEY, 'twitch:channel:77');
    expectEmbeddings(theirs);
    expect(theirs.headers['x-chatgate-provider']).toBe('openai');
    const own = await post(API_KEY);
    expectEmbeddings(own);
    expect(own.headers['x-chatgate-provider']).toBe('ollama');
    expect([embedCalls(h.openai).length, embedCalls(h.ollama).length]).toEqual([1, 1]);

    expectError(await post(client, 'twitch:channel:77'), 403, 'community_forbidden', 'x-community-id');
    expectEmbeddings(await post(API_KEY));
    expectError(await post(API_KEY), 429, 'rate_limit_exceeded');
  });

  const tooMany = Array.from({ length: 2049 }, (_, i) => `text ${i}`);
  it.each([
    ['no model', { input: 'hi' }, 'model'],
    ['an empty string', { model: 'llama3.2', input: '' }, 'input'],
    ['an empty array', { model: 'llama3.2', input: [] }, 'input'],
    ['an empty string in the batch', { model: 'llama3.2', input: ['a', ''] }, 'input'],
    ['2049 inputs', { model: 'llama3.2', input: tooMany }, 'input'],
    ['strings and numbers mixed', { model: 'llama3.2', input: ['a', 1] }, 'input'],
    ['an empty token array', { model: 'llama3.2', input: [[1], []] }, 'input'],
    ['a negative token id', { model: 'llama3.2', input: [-1] }, 'input'],
    ['an object', { model: 'llama3.2', input: { text: 'a' } }, 'input'],
    ['encoding_format hex', { model: 'llama3.2', input: 'a', encoding_format: 'hex' }, 'encoding_format'],
    ['dimensions 0', { model: 'llama3.2', input: 'a', dimensions: 0 }, 'dimensions'],
    ['dimensions 1.5', { model: 'llama3.2', input: 'a', dimensions: 1.5 }, 'dimensions'],
    ['user a number', { model: 'llama3.2', input: 'a', user: 7 }, 'user'],
    ['an unknown field', { model: 'llama3.2', input: 'a', truncate: false }, 'truncate'],
  ])('400 naming the field for %s, without calling the upstream', async (_label, payload, param) => {
    await h.startWith();
    const response = await embed(payload);
    expect(response.statusCode, response.body).toBe(400);
    expect((response.json() as { error: { param: string } }).error.param).toBe(param);
    expectOpenAIShape('ErrorResponse', response.json());
    expect(embedCalls(h.ollama)).toEqual([]);
  });

  it('Ollama cannot take token arrays: 400 naming input, nothing sent, and its breaker stays closed', async () => {
    await h.startWith({ breaker: { failureThreshold: 1 } });
    for (let i = 0; i < 3; i++) {
      const message = expectError(
        await embed({ model: 'llama3.2', input: [[1, 2]] }),
        400,
        'invalid_value',
        'input',
      );
      expect(message).toContain('Ollama embeds text only');
    }
    expect(embedCalls(h.ollama)).toEqual([]);
    expectEmbeddings(await embed({ model: 'llama3.2', input: 'text works' }));
    expect(h.services.providers.remoteLinks().map((link) => link.guard?.state)).toEqual(['closed']);
  });

  it('the upstream refusing the input is passed on as a 400 and never opens the breaker; its failures do', async () => {
    await h.startWith({
      breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 },
      retry: { maxAttempts: 1 },
    });
    h.ollama.behave({ fail: { status: 400, times: 3, message: 'input length exceeds the context length' } });
    for (let i = 0; i < 3; i++) {
      const message = expectError(
        await embed({ model: 'llama3.2', input: 'long' }),
        400,
        'upstream_rejected',
      );
      expect(message).toContain('input length exceeds the context length');
    }
    expect(h.services.providers.remoteLinks()[0]?.guard?.state).toBe('closed');

    h.ollama.behave({ fail: { status: 500 } });
    for (let i = 0; i < 2; i++) {
      expectError(await embed({ model: 'llama3.2', input: 'x' }), 503, 'service_unavailable');
    }
    const calls = embedCalls(h.ollama).length;
    const refused = await embed({ model: 'llama3.2', input: 'x' });
    expect(expectError(refused, 503, 'service_unavailable')).toContain('ollama: breaker_open');
    expect(embedCalls(h.ollama).length).toBe(calls);
  });

  it.each([
    ['down (connection refused)', 503, 'service_unavailable', 'down', 'ollama: connection'],
    [
      'answering 429 with Retry-After: 7',
      429,
      'rate_limit_exceeded',
      { fail: { status: 429, retryAfter: 7 } },
      '429',
    ],
    ['answering 503', 503, 'service_unavailable', { fail: { status: 503 } }, 'ollama: HTTP 503'],
    ['answering garbage', 503, 'service_unavailable', { garbage: true }, 'ollama: bad_response'],
    ['never answering', 503, 'service_unavailable', { hang: true }, 'ollama: timeout'],
  ] as const)(
    "Ollama %s: %i %s in OpenAI's shape, no fallback to another provider",
    async (_label, status, code, fault, words) => {
      await h.startWith({ fallbackProvider: 'openai', requestTimeoutMs: 300, retry: { maxAttempts: 1 } });
      if (fault === 'down') await h.ollama.down();
      else h.ollama.behave(fault);
      try {
        const response = await embed({ model: 'chatgate/auto', input: 'hello' });
        expect(expectError(response, status, code)).toContain(words);
        if (status === 429) expect(response.headers['retry-after']).toBe('7');
        expect(embedCalls(h.openai)).toEqual([]);
      } finally {
        await h.ollama.up();
      }
    },
  );

  it.each([
    ['the local mode', { mode: 'local' as const }, 'llama3.2'],
    ['a community on the local responder', { provider: 'local' as const }, 'chatgate/auto'],
    ['the local responder named as the model', {}, 'local-responder'],
  ])(
    '503 no_capable_provider with retry-after for %s: the local responder cannot embed',
    async (_label, ai, model) => {
      await h.startWith(ai);
      const response = await embed({ model, input: 'hello' });
      const message = expectError(response, 503, 'no_capable_provider');
      expect(message).toContain('cannot make embeddings');
      expect(response.headers['retry-after']).toBe('1');
      expect(embedCalls(h.ollama)).toEqual([]);
    },
  );

  it('an embedding model the provider lists is served; a model no provider serves is 404 model_not_found', async () => {
    await h.startWith();
    h.ollama.behave({ models: ['llama3.2', 'nomic-embed-text'] });
    const listed = expectEmbeddings(await embed({ model: 'nomic-embed-text', input: 'a' }));
    expect(listed.model).toBe('nomic-embed-text');
    expectError(
      await embed({ model: 'text-embedding-3-small', input: 'a' }),
      404,
      'model_not_found',
      'model',
    );
    expect(embedCalls(h.ollama).map((body) => body.model)).toEqual(['nomic-embed-text']);
  });

  it('the official openai SDK (base64 by default) gets the vectors the upstream made', async () => {
    await h.startWith();
    const base = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: API_KEY, maxRetries: 0 });
    const input = ['one', 'two', 'three'];
    const answer = await client.embeddings.create({ model: 'llama3.2', input });
    expect(answer.data.map((item) => item.embedding)).toEqual(input.map((t) => embeddingFor(t, DIMS)));
    expect(answer.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(embedCalls(h.ollama)).toEqual([{ model: 'llama3.2', input }]);
  });

  it('a call still running when the shutdown grace ends answers 503 shutting_down and aborts its upstream call', async () => {
    h.openai.reset();
    h.openai.behave({ latencyMs: 30_000 });
    const config = testConfig({
      ai: { provider: 'openai', model: 'llama3.2', openai: { baseUrl: `${h.openai.url}/v1` } },
      auth: { apiKeys: [API_KEY] },
    });
    const chatgate = await startPipeline(config, undefined, { platforms: [] });
    try {
      const base = await chatgate.app.listen({ port: 0, host: '127.0.0.1' });
      const answer = fetch(`${base}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ model: 'llama3.2', input: 'slow' }),
      });
      await waitFor(() => embedCalls(h.openai).length === 1, 5000, 'the call to reach the upstream');
      await chatgate.close({ graceMs: 300 });
      const response = await answer;
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      const body = (await response.json()) as { error: { code: string } };
      expectOpenAIShape('ErrorResponse', body);
      expect(body.error.code).toBe('shutting_down');
      await waitFor(() => h.openai.calls[0]?.closedEarly, 5000, 'the upstream to see its call aborted');
    } finally {
      await chatgate.close({ graceMs: 0 });
    }
  });
});
