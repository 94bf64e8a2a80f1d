/**
 * Issue 14, "Client keys for the gateway": a stored key's `rpm` and `daily_tokens`. Over either,
 * OpenAI's 429 (`type` `requests` or `tokens`, `rate_limit_exceeded`) with `retry-after` and the
 * `x-ratelimit-*` headers, which also come on a limited key's successful answers and streams; a
 * stream over the limit is refused before it starts; the interaction route answers 429 in our
 * shape. Static keys stay unlimited. Counted in Redis when it is there, so instances share them.
 */
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { createServices } from '../../src/services.js';
import { MemoryClientKeyStore } from '../../src/stores/memory/memory-client-key-store.js';
import { RedisKeyStore } from '../../src/stores/redis/redis-key-store.js';
import { memoryStores } from '../../src/stores/store-set.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../stores/redis/support.js';
import { interactionBody } from '../support/events.js';
import { useOpenAIUpstreams } from '../support/openai-upstreams.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import { sseEvents } from '../support/sse-events.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN = 'admin-key-quotas-0001';
const INTEGRATION = 'integration-key-quotas';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const chat = (extra: object = {}) => ({
  model: 'llama3.2',
  messages: [{ role: 'user', content: 'hello there' }],
  ...extra,
});

/**
 * Waits, when the minute is about to turn, for the next one: an rpm sequence must fit in one (the
 * tests that call it get `MINUTE_WAIT_MS` more time).
 */
const withinOneMinute = () => waitFor(() => Date.now() % 60_000 < 54_000, 7_000, 'a fresh minute');
const MINUTE_WAIT_MS = 30_000;

describe('client key quotas (fake OpenAI upstream)', () => {
  const h = useOpenAIUpstreams(INTEGRATION);

  async function start() {
    await h.start({
      ai: { provider: 'openai', model: 'llama3.2', openai: { baseUrl: `${h.openai.url}/v1` } },
      openaiApi: { modelsCacheMs: 0 },
      auth: { apiKeys: [INTEGRATION], adminKey: ADMIN },
    });
    h.openai.reset();
  }
  async function newKey(body: object): Promise<string> {
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: bearer(ADMIN),
      payload: { name: 'quota test', ...body },
    });
    expect(created.statusCode).toBe(201);
    return created.json().key;
  }
  const complete = (key: string, payload: object = chat(), url = '/v1/chat/completions') =>
    h.app.inject({ method: 'POST', url, headers: bearer(key), payload });
  const upstreamCalls = () => h.openai.calls.filter((call) => call.path === '/v1/chat/completions').length;

  it(
    'answers 429 `requests` past rpm, with retry-after and the x-ratelimit headers',
    async () => {
      await start();
      const key = await newKey({ rpm: 2 });
      await withinOneMinute();
      const first = await complete(key);
      const second = await complete(key);
      const third = await complete(key);
      expect([first.statusCode, second.statusCode, third.statusCode]).toEqual([200, 200, 429]);
      expect(first.headers).toMatchObject({
        'x-ratelimit-limit-requests': '2',
        'x-ratelimit-remaining-requests': '1',
        'x-ratelimit-reset-requests': expect.stringMatching(/^\d+(ms|s|m\d+s)$/),
      });
      expect(second.headers['x-ratelimit-remaining-requests']).toBe('0');
      expect(first.headers['x-ratelimit-limit-tokens']).toBeUndefined();
      expect(third.json()).toEqual({
        error: {
          message: expect.stringContaining('requests per min'),
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      });
      const retryAfter = Number(third.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(third.headers).toMatchObject({
        'x-ratelimit-limit-requests': '2',
        'x-ratelimit-remaining-requests': '0',
      });
      // The refused request never reached the provider; a stream is refused the same way, unstarted.
      expect(upstreamCalls()).toBe(2);
      const stream = await complete(key, chat({ stream: true }));
      expect(stream.statusCode).toBe(429);
      expect(stream.headers['content-type']).toMatch(/application\/json/);
      expect(upstreamCalls()).toBe(2);
      // Embeddings count too; GET /v1/models does not.
      expect(
        (await h.app.inject({ method: 'GET', url: '/v1/models', headers: bearer(key) })).statusCode,
      ).toBe(200);
      const embeddings = await complete(key, { model: 'llama3.2', input: 'hi' }, '/v1/embeddings');
      expect(embeddings.statusCode).toBe(429);
    },
    MINUTE_WAIT_MS,
  );

  it('answers 429 `tokens` once the day’s tokens are spent, counting the provider’s usage', async () => {
    await start();
    h.openai.behave({ usage: { prompt: 4, completion: 3 } });
    const key = await newKey({ daily_tokens: 10 });
    const first = await complete(key);
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit-tokens': '10',
      'x-ratelimit-remaining-tokens': '10',
      'x-ratelimit-reset-tokens': expect.stringMatching(/^(\d+h)?(\d+m)?\d+(s|ms)$/),
    });
    const second = await complete(key);
    expect(second.statusCode).toBe(200);
    expect(second.headers['x-ratelimit-remaining-tokens']).toBe('3');
    const third = await complete(key);
    expect(third.statusCode).toBe(429);
    expect(third.json().error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(third.json().error.message).toContain('Used 14');
    expect(third.headers['x-ratelimit-remaining-tokens']).toBe('0');
    const retryAfter = Number(third.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(upstreamCalls()).toBe(2);
    // Another key's budget is its own; a static key has none.
    expect((await complete(await newKey({ daily_tokens: 10 }))).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) {
      const unlimited = await complete(INTEGRATION);
      expect(unlimited.statusCode).toBe(200);
      expect(unlimited.headers['x-ratelimit-limit-tokens']).toBeUndefined();
      expect(unlimited.headers['x-ratelimit-limit-requests']).toBeUndefined();
    }
  });

  it('counts streamed answers (usage when sent, else estimated) and refuses the next stream before it starts', async () => {
    await start();
    h.openai.behave({ reply: 'one two three', usage: { prompt: 5, completion: 5 } });
    const key = await newKey({ daily_tokens: 15 });
    const first = await complete(key, chat({ stream: true, stream_options: { include_usage: true } }));
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit-tokens': '15',
      'x-ratelimit-remaining-tokens': '15',
    });
    expect(sseEvents(first.body).at(-1)).toBe('[DONE]');
    const second = await complete(key, chat({ stream: true }));
    expect(second.statusCode).toBe(200);
    expect(second.headers['x-ratelimit-remaining-tokens']).toBe('5');
    // Without include_usage the fake sends no usage: chatgate's estimate (> 0) was counted.
    const third = await complete(key, chat({ stream: true }));
    expect(third.statusCode).toBe(429);
    expect(third.headers['content-type']).toMatch(/application\/json/);
    expect(third.json().error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(upstreamCalls()).toBe(2);

    // The Responses API streams are counted as well.
    const other = await newKey({ daily_tokens: 1 });
    const response = await complete(other, { model: 'llama3.2', input: 'hi', stream: true }, '/v1/responses');
    expect(response.statusCode).toBe(200);
    expect((await complete(other, { model: 'llama3.2', input: 'hi' }, '/v1/responses')).statusCode).toBe(429);
  });

  it('holds daily_tokens for requests in flight: a burst on a fresh key gets one answer, the rest 429', async () => {
    await start();
    h.openai.behave({ latencyMs: 150, usage: { prompt: 4, completion: 3 } });
    const key = await newKey({ daily_tokens: 10 });
    const burst = await Promise.all(Array.from({ length: 5 }, () => complete(key)));
    const statuses = burst.map((response) => response.statusCode).sort();
    expect(statuses).toEqual([200, 429, 429, 429, 429]);
    for (const refused of burst.filter((response) => response.statusCode === 429)) {
      expect(refused.json().error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(upstreamCalls()).toBe(1);
  });

  it('counts the tokens of interactions a key posted toward its daily_tokens', async () => {
    await start();
    h.openai.behave({ usage: { prompt: 6, completion: 6 } });
    const key = await newKey({ daily_tokens: 10 });
    const post = () =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        headers: bearer(key),
        payload: interactionBody({ community_id: 'api:default', text: '@chatgate hi', mentions_bot: true }),
      });
    const first = await post();
    expect(first.statusCode, first.body).toBe(202);
    const id = first.json().interaction_id;
    await waitFor(
      async () =>
        (
          await h.app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${id}`, headers: bearer(key) })
        ).json().status === 'done',
      10_000,
      'the interaction to be answered',
    );
    // The worker counted the answer's 12 tokens for the key before it ended the interaction: the
    // key is over, on both route families (neither call spends anything: both are refused first).
    const again = await post();
    expect(again.statusCode, again.body).toBe(429);
    expect(again.headers['x-ratelimit-remaining-tokens']).toBe('0');
    expect((await complete(key)).statusCode).toBe(429);
  });

  it(
    'answers 429 in our shape with retry_after on POST /api/v1/ai/interaction',
    async () => {
      await start();
      const key = await newKey({ rpm: 1 });
      await withinOneMinute();
      const post = () =>
        h.app.inject({
          method: 'POST',
          url: '/api/v1/ai/interaction',
          headers: bearer(key),
          payload: interactionBody({ community_id: 'api:default', text: '@chatgate hi' }),
        });
      const first = await post();
      expect(first.statusCode).toBe(202);
      expect(first.headers['x-ratelimit-remaining-requests']).toBe('0');
      const second = await post();
      expect(second.statusCode).toBe(429);
      expect(second.json()).toMatchObject({
        error_code: 'rate_limit_exceeded',
        detail: expect.stringContaining('requests per min'),
        retry_after: Number(second.headers['retry-after']),
      });
    },
    MINUTE_WAIT_MS,
  );

  it(
    'gives the official openai SDK a RateLimitError with the limit headers',
    async () => {
      await start();
      const key = await newKey({ rpm: 1 });
      const baseURL = `${await h.app.listen({ port: 0, host: '127.0.0.1' })}/v1`;
      const client = new OpenAI({ baseURL, apiKey: key, maxRetries: 0 });
      await withinOneMinute();
      await client.chat.completions.create(chat() as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
      const error = await client.chat.completions
        .create(chat() as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
        .then(() => undefined)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(limited.status).toBe(429);
      expect(limited.code).toBe('rate_limit_exceeded');
      expect(limited.type).toBe('requests');
      expect(limited.headers?.get('x-ratelimit-limit-requests')).toBe('1');
    },
    MINUTE_WAIT_MS,
  );
});

describeNeeding(['redis'], 'client key quotas shared on Redis', () => {
  const prefix = randomPrefix('clientkeys');
  let redis: Redis;
  let admin: Redis;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
    admin = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await deleteByPrefix(admin, prefix);
    redis.disconnect();
    admin.disconnect();
  });

  /** Two instances on one Redis and one key store (as two processes on one database). */
  async function instances() {
    const clientKeys = new MemoryClientKeyStore();
    const make = async () => {
      const config = testConfig({
        auth: { apiKeys: [INTEGRATION], adminKey: ADMIN, clientKeyCacheMs: 300 },
        ai: { mode: 'local' },
      });
      const services = await createServices(config, {
        logger: createLogger('silent'),
        stores: { ...memoryStores(config), keys: new RedisKeyStore({ client: redis }), clientKeys, redis },
      });
      return { services, app: await buildApp(services) };
    };
    const pair = [await make(), await make()] as const;
    return {
      pair,
      close: async () => {
        for (const { app, services } of pair) {
          await app.close();
          await services.close();
        }
      },
    };
  }
  const local = { model: 'chatgate/auto', messages: [{ role: 'user', content: 'hello there' }] };

  it(
    'shares rpm and daily tokens across instances, and a DELETE reaches the other within the cache time',
    async () => {
      const { pair, close } = await instances();
      const [a, b] = pair;
      try {
        const create = async (body: object) =>
          (
            await a.app.inject({
              method: 'POST',
              url: '/api/v1/keys',
              headers: bearer(ADMIN),
              payload: { name: 'shared', ...body },
            })
          ).json() as { id: string; key: string };
        const post = (app: typeof a.app, key: string) =>
          app.inject({ method: 'POST', url: '/v1/chat/completions', headers: bearer(key), payload: local });

        const limited = await create({ rpm: 3 });
        await withinOneMinute();
        const statuses = [];
        for (const { app } of [a, b, a, b]) statuses.push((await post(app, limited.key)).statusCode);
        expect(statuses).toEqual([200, 200, 200, 429]);
        const stored = await admin.keys(`${prefix}*`);
        expect(stored.join(' ')).not.toContain(limited.key);

        const budget = await create({ daily_tokens: 1 });
        expect((await post(a.app, budget.key)).statusCode).toBe(200);
        // The tokens are counted after the answer: b sees them once the count has reached Redis.
        await waitFor(async () => (await post(b.app, budget.key)).statusCode === 429);

        const doomed = await create({});
        expect((await post(a.app, doomed.key)).statusCode).toBe(200);
        expect((await post(b.app, doomed.key)).statusCode).toBe(200);
        await a.app.inject({ method: 'DELETE', url: `/api/v1/keys/${doomed.id}`, headers: bearer(ADMIN) });
        expect((await post(a.app, doomed.key)).statusCode).toBe(401);
        await waitFor(async () => (await post(b.app, doomed.key)).statusCode === 401, 3000);
      } finally {
        await close();
      }
    },
    MINUTE_WAIT_MS,
  );
});
