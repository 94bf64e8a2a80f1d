/**
 * Issue 17, item 5: the response cache of the OpenAI routes. A deterministic request
 * (`temperature: 0` or a `seed`) is answered once by the upstream and then replayed, per
 * community and model, as JSON or as a stream; on the in-process LRU and on a real Redis.
 * A hit is proven by the fake upstream's call log: it records no second call.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { createRedisConnection, type RedisConnection } from '../../src/stores/redis/redis-connection.js';
import { memoryStores, type StoreSet } from '../../src/stores/store-set.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import {
  deleteByPrefix,
  freePort,
  keysByPrefix,
  type RedisServer,
  randomPrefix,
  startRedisServer,
  TEST_REDIS_URL,
} from '../stores/redis/support.js';
import { expectOpenAIShape } from '../support/openai-spec.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig, testServices } from '../support/services.js';
import { sseEvents } from '../support/sse-events.js';
import { waitFor } from '../support/wait-for.js';

const API_KEY = 'sk-test-cache-integration';
/** A client key: it may use only `api:default`. */
const CLIENT_KEY = 'sk-test-cache-client';
const ADMIN_KEY = 'sk-test-cache-admin';
const TTL_MS = 60_000;

/** Where a suite's app keeps its cache: in process, or in a Redis under a prefix of the run. */
interface CacheBackend {
  name: string;
  needs: Array<'redis'>;
  /** The stores of one app; with Redis, `redis` is the shared client. */
  stores(config: Parameters<typeof memoryStores>[0]): StoreSet;
  /** Every cache key the backend holds for this run (Redis only; undefined in process). */
  keys?(): Promise<string[]>;
  setup?(): void;
}

function redisBackend(): CacheBackend {
  // ioredis `keyPrefix`: runs at the same time on the same Redis never see each other's answers.
  const prefix = randomPrefix('response-cache');
  let client: Redis;
  let admin: Redis;
  return {
    name: 'Redis',
    needs: ['redis'],
    setup() {
      beforeAll(() => {
        client = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
        admin = new Redis(TEST_REDIS_URL);
      });
      afterAll(async () => {
        await deleteByPrefix(admin, prefix);
        client.disconnect();
        admin.disconnect();
      });
    },
    stores: (config) => ({ ...memoryStores(config), redis: client }),
    keys: () => keysByPrefix(admin, `${prefix}chatgate:response-cache:`),
  };
}

const BACKENDS: CacheBackend[] = [
  { name: 'in-process LRU', needs: [], stores: (config) => memoryStores(config) },
  redisBackend(),
];

for (const backend of BACKENDS) {
  describeNeeding(['openai-spec', ...backend.needs], `OpenAI API response cache (${backend.name})`, () => {
    backend.setup?.();
    let upstream: FakeServer;
    let apps: Array<{ app: FastifyInstance; services: Services }> = [];
    let app: FastifyInstance;
    /** A marker unique to the test, in every message: no two tests (or runs) share an answer. */
    let marker: string;

    beforeAll(async () => {
      upstream = await startFakeOpenAI();
    });
    afterAll(() => upstream.close());
    beforeEach(async () => {
      marker = randomUUID();
      app = await start();
    });
    afterEach(async () => {
      for (const started of apps) {
        await started.app.close();
        await started.services.close();
      }
      apps = [];
      upstream.reset();
    });

    /** An app on the fake OpenAI upstream (hybrid: then the local responder), cache TTL `ttlMs`. */
    async function start(ttlMs = TTL_MS): Promise<FastifyInstance> {
      const config = testConfig({
        ai: { provider: 'openai', model: 'llama3.2', openai: { baseUrl: `${upstream.url}/v1` } },
        openaiApi: { modelsCacheMs: 0, responseCacheTtlMs: ttlMs },
        auth: { apiKeys: [API_KEY], clientKeys: [CLIENT_KEY], adminKey: ADMIN_KEY },
      });
      const services = await testServices(config, { stores: backend.stores(config) });
      const started = { services, app: await buildApp(services) };
      apps.push(started);
      return started.app;
    }

    const body = (extra: Record<string, unknown> = {}, text = 'what is 2 + 2?') => ({
      model: 'llama3.2',
      temperature: 0,
      messages: [{ role: 'user', content: `${text} (${marker})` }],
      ...extra,
    });

    function post(
      payload: unknown,
      headers: Record<string, string> = {},
      on: FastifyInstance = app,
      key = API_KEY,
    ): Promise<LightMyRequestResponse> {
      return on.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, ...headers },
        payload: payload as Record<string, unknown>,
      });
    }

    const upstreamCalls = () => upstream.calls.filter((call) => call.path === '/v1/chat/completions').length;

    /** Asserts a 200 answer with `x-chatgate-cache` as `cache` (absent: undefined). */
    function expectAnswer(response: LightMyRequestResponse, cache: 'hit' | 'miss' | undefined) {
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['x-chatgate-cache']).toBe(cache);
      return response;
    }

    it('answers temperature 0 upstream once, then from the cache with the same answer and usage', async () => {
      upstream.behave({ usage: { prompt: 11, completion: 7 } });
      const first = expectAnswer(await post(body()), 'miss').json();
      const hit = expectAnswer(await post(body()), 'hit');
      const second = hit.json();
      expect(upstreamCalls()).toBe(1);
      expectOpenAIShape('CreateChatCompletionResponse', second);
      expect(second.choices[0].message.content).toBe('Hello from the fake');
      expect(second.choices[0].finish_reason).toBe('stop');
      expect(second.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
      expect(second.usage).toEqual(first.usage);
      expect(second.model).toBe(first.model);
      expect(second.id).not.toBe(first.id);
      // No provider was asked for the hit.
      expect(hit.headers['server-timing']).toMatch(/^upstream;dur=0, chatgate;dur=/);
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/chatgate_response_cache_total\{result="hit"\} 1/);
      expect(metrics.body).toMatch(/chatgate_response_cache_total\{result="miss"\} 1/);
    });

    it('caches a request with a seed at any temperature, and keys on the seed', async () => {
      const seeded = body({ temperature: 0.9, seed: 42 });
      expectAnswer(await post(seeded), 'miss');
      expectAnswer(await post(seeded), 'hit');
      expectAnswer(await post({ ...seeded, seed: 43 }), 'miss');
      expect(upstreamCalls()).toBe(2);
    });

    it('never caches a sampled request (temperature 0.7, no seed), nor one without a temperature', async () => {
      for (const payload of [
        body({ temperature: 0.7 }),
        body({ temperature: 0.7 }),
        body({ temperature: undefined }),
      ]) {
        expectAnswer(await post(payload), undefined);
      }
      expect(upstreamCalls()).toBe(3);
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/chatgate_response_cache_total\{result="skip"\} 3/);
    });

    it('misses for another community, another model, another message or another option', async () => {
      expectAnswer(await post(body()), 'miss');
      const others: Array<[string, LightMyRequestResponse]> = [
        ['community', await post(body(), { 'x-community-id': `twitch:channel:${marker}` })],
        ['model', await post(body({ model: 'qwen3:0.6b' }))],
        ['message', await post(body({}, 'what is 3 + 3?'))],
        ['option', await post(body({ max_tokens: 50 }))],
      ];
      for (const [what, response] of others) {
        expect(response.headers['x-chatgate-cache'], what).toBe('miss');
      }
      expect(upstreamCalls()).toBe(5);
      // Each of them is now cached on its own.
      expectAnswer(await post(body({ model: 'qwen3:0.6b' })), 'hit');
      expect(upstreamCalls()).toBe(5);
    });

    it('replays a cached answer as a stream valid against the spec, with usage when asked', async () => {
      upstream.behave({ reply: 'Four, as always.', usage: { prompt: 9, completion: 4 } });
      expectAnswer(await post(body()), 'miss');
      const streamed = expectAnswer(
        await post(body({ stream: true, stream_options: { include_usage: true } })),
        'hit',
      );
      expect(upstreamCalls()).toBe(1);
      expect(streamed.headers['content-type']).toContain('text/event-stream');
      const events = sseEvents(streamed.body);
      expect(events.at(-1)).toBe('[DONE]');
      const chunks = events.slice(0, -1) as Array<{
        id: string;
        choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }>;
        usage?: unknown;
      }>;
      for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
      expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
      expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
      const text = chunks
        .flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? ''))
        .join('');
      expect(text).toBe('Four, as always.');
      const finishes = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason));
      expect(finishes.filter((reason) => reason !== null)).toEqual(['stop']);
      expect(chunks.at(-1)?.choices).toEqual([]);
      expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    });

    it('stores a streamed answer by its [DONE], and answers the same request as JSON from it', async () => {
      upstream.behave({ reply: 'Streamed and kept.' });
      const live = expectAnswer(await post(body({ stream: true })), 'miss');
      expect(sseEvents(live.body).at(-1)).toBe('[DONE]');
      const replay = expectAnswer(await post(body({ stream: true })), 'hit');
      expect(sseEvents(replay.body).at(-1)).toBe('[DONE]');
      const json = expectAnswer(await post(body()), 'hit').json();
      expect(json.choices[0].message.content).toBe('Streamed and kept.');
      expect(upstreamCalls()).toBe(1);
    });

    it('replays tool calls whole, as JSON and as a stream', async () => {
      upstream.behave({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' }, id: 'call_oslo' }] });
      const tools = [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ];
      const first = expectAnswer(await post(body({ tools, stream: true })), 'miss');
      expect(sseEvents(first.body).at(-1)).toBe('[DONE]');
      const json = expectAnswer(await post(body({ tools })), 'hit').json();
      expectOpenAIShape('CreateChatCompletionResponse', json);
      expect(json.choices[0].finish_reason).toBe('tool_calls');
      expect(json.choices[0].message.tool_calls).toEqual([
        {
          id: 'call_oslo',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
        },
      ]);
      const replay = expectAnswer(await post(body({ tools, stream: true })), 'hit');
      const chunks = sseEvents(replay.body).slice(0, -1) as Array<{
        choices: Array<{ delta: { tool_calls?: unknown[] }; finish_reason: string | null }>;
      }>;
      for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
      expect(chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])).toEqual([
        {
          index: 0,
          id: 'call_oslo',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
        },
      ]);
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
      expect(upstreamCalls()).toBe(1);
    });

    it('does not keep a stream the upstream cut (an error event, no [DONE])', async () => {
      upstream.behave({ reply: 'a b c d e f g h', cutAfterParts: 3 });
      const cut = expectAnswer(await post(body({ stream: true })), 'miss');
      const events = sseEvents(cut.body);
      expect(events).not.toContain('[DONE]');
      expect(events.at(-1)).toMatchObject({ error: { code: 'stream_interrupted' } });
      upstream.behave({ cutAfterParts: undefined });
      const whole = expectAnswer(await post(body({ stream: true })), 'miss');
      expect(sseEvents(whole.body).at(-1)).toBe('[DONE]');
      expectAnswer(await post(body()), 'hit');
      expect(upstreamCalls()).toBe(2);
    });

    it('Cache-Control: no-cache answers upstream and stores; no-store neither reads nor writes', async () => {
      expectAnswer(await post(body()), 'miss');
      expectAnswer(await post(body(), { 'cache-control': 'no-cache' }), 'miss');
      expect(upstreamCalls()).toBe(2);
      // no-cache wrote the fresh answer: still a hit for a plain request.
      expectAnswer(await post(body()), 'hit');

      const other = body({}, 'never stored');
      expectAnswer(await post(other, { 'cache-control': 'no-store' }), undefined);
      expectAnswer(await post(other, { 'cache-control': 'max-age=0, No-Store' }), undefined);
      expect(upstreamCalls()).toBe(4);
      // Nothing was written by no-store: the next plain request is a miss.
      expectAnswer(await post(other), 'miss');
      expect(upstreamCalls()).toBe(5);
    });

    it('forgets an answer after RESPONSE_CACHE_TTL_MS', async () => {
      const short = await start(300);
      expectAnswer(await post(body(), {}, short), 'miss');
      expect((await post(body(), {}, short)).headers['x-chatgate-cache']).toBe('hit');
      // Hits until the TTL ends (no upstream call), then one miss that asks the upstream again.
      await waitFor(
        async () => (await post(body(), {}, short)).headers['x-chatgate-cache'] === 'miss',
        5000,
        'the cached answer to expire',
      );
      expect(upstreamCalls()).toBe(2);
    });

    it('does not cache an answer given after a fallback (x-chatgate-fallback)', async () => {
      // Every attempt on the upstream fails: the local responder answers, degraded (a miss: the
      // cache was asked and had nothing).
      upstream.behave({ fail: { status: 500, times: 3 } });
      const degraded = expectAnswer(await post(body()), 'miss');
      expect(degraded.headers['x-chatgate-fallback']).toBeDefined();
      expect(degraded.headers['x-chatgate-provider']).toBe('local');
      // The upstream is back: the same request reaches it, and that answer is the one kept.
      const fresh = expectAnswer(await post(body()), 'miss');
      expect(fresh.headers['x-chatgate-provider']).toBe('openai');
      expect(fresh.json().choices[0].message.content).toBe('Hello from the fake');
      expectAnswer(await post(body()), 'hit');
      expect(upstreamCalls()).toBe(4);
    });

    it('keys on the community, not the API key: a client key reads only its own community', async () => {
      const ownCommunity = body({}, 'shared question');
      expectAnswer(await post(ownCommunity), 'miss');
      // Same community (api:default), another key: the answer is the community's.
      expectAnswer(await post(ownCommunity, {}, app, CLIENT_KEY), 'hit');

      const elsewhere = body({}, 'another community asks');
      const community = `twitch:channel:${marker}`;
      expectAnswer(await post(elsewhere, { 'x-community-id': community }), 'miss');
      // The client key cannot name that community, and its own community has no such answer.
      expect((await post(elsewhere, { 'x-community-id': community }, app, CLIENT_KEY)).statusCode).toBe(403);
      expectAnswer(await post(elsewhere, {}, app, CLIENT_KEY), 'miss');
      expect(upstreamCalls()).toBe(3);
    });

    it('is off with RESPONSE_CACHE_TTL_MS=0 (the default): no header, every request upstream', async () => {
      expect(testConfig().openaiApi.responseCacheTtlMs).toBe(0);
      const off = await start(0);
      for (let i = 0; i < 2; i += 1) expectAnswer(await post(body(), {}, off), undefined);
      expect(upstreamCalls()).toBe(2);
    });

    it('lets a community turn the cache off (response_cache: false)', async () => {
      const community = `twitch:channel:${marker}`;
      const put = await app.inject({
        method: 'PUT',
        url: `/api/v1/communities/${encodeURIComponent(community)}/config`,
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        payload: { response_cache: false },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().response_cache).toBe(false);
      for (let i = 0; i < 2; i += 1) {
        expectAnswer(await post(body(), { 'x-community-id': community }), undefined);
      }
      expect(upstreamCalls()).toBe(2);
    });

    it('answers the Responses API from the same cache', async () => {
      const ask = { model: 'llama3.2', temperature: 0, input: `what is 2 + 2? (${marker})` };
      const responses = (payload: unknown) =>
        app.inject({
          method: 'POST',
          url: '/v1/responses',
          headers: { authorization: `Bearer ${API_KEY}` },
          payload: payload as Record<string, unknown>,
        });
      expectAnswer(await responses(ask), 'miss');
      const hit = expectAnswer(await responses(ask), 'hit').json();
      expectOpenAIShape('Response', hit);
      expect(JSON.stringify(hit.output)).toContain('Hello from the fake');
      const streamed = expectAnswer(await responses({ ...ask, stream: true }), 'hit');
      const types = sseEvents(streamed.body).map((event) => (event as { type: string }).type);
      expect(types.at(-1)).toBe('response.completed');
      expect(upstreamCalls()).toBe(1);
    });

    if (backend.keys) {
      const keys = backend.keys;
      it('shares answers between instances on one Redis, under hashed keys with the TTL', async () => {
        const second = await start();
        expectAnswer(await post(body(), {}, app), 'miss');
        expectAnswer(await post(body(), {}, second), 'hit');
        expect(upstreamCalls()).toBe(1);
        const stored = await keys();
        expect(stored.length).toBeGreaterThan(0);
        expect(stored.join(' ')).not.toContain(API_KEY);
        expect(stored.join(' ')).not.toContain(marker);
      });
    }
  });
}

describeNeeding(['redis-server'], 'OpenAI API response cache: a Redis outage', () => {
  let upstream: FakeServer;
  let redis: RedisServer;
  let connection: RedisConnection;
  let started: { app: FastifyInstance; services: Services };

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    redis = await startRedisServer(await freePort());
    connection = createRedisConnection({ url: `redis://127.0.0.1:${redis.port}` });
    await connection.health.waitUntilUp(5000);
    const config = testConfig({
      ai: { provider: 'openai', model: 'llama3.2', openai: { baseUrl: `${upstream.url}/v1` } },
      openaiApi: { modelsCacheMs: 0, responseCacheTtlMs: TTL_MS },
      auth: { apiKeys: [API_KEY] },
    });
    const services = await testServices(config, {
      stores: { ...memoryStores(config), redis: connection.client },
    });
    started = { services, app: await buildApp(services) };
  });
  afterAll(async () => {
    await started?.app.close();
    await started?.services.close();
    await connection?.close();
    await redis?.kill();
    await upstream?.close();
  });

  it('answers upstream (a miss) while Redis is down, and does not hang', async () => {
    const payload = {
      model: 'llama3.2',
      temperature: 0,
      messages: [{ role: 'user', content: `outage ${randomUUID()}` }],
    };
    const post = () =>
      started.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${API_KEY}` },
        payload,
      });
    expect((await post()).headers['x-chatgate-cache']).toBe('miss');
    expect((await post()).headers['x-chatgate-cache']).toBe('hit');
    await redis.kill();
    await waitFor(() => connection.client.status !== 'ready', 5000, 'the client to see Redis gone');
    const startedAt = performance.now();
    for (const stream of [false, true]) {
      const response = await started.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${API_KEY}` },
        payload: { ...payload, stream },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['x-chatgate-cache']).toBe('miss');
      expect(response.headers['x-chatgate-provider']).toBe('openai');
    }
    // Generous bound: proves the cache did not wait on a dead Redis (a command times out in 1 s).
    expect(performance.now() - startedAt).toBeLessThan(10_000);
    expect(upstream.calls.filter((call) => call.path === '/v1/chat/completions').length).toBe(3);
  });
});
