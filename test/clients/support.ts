/**
 * What the client tests (test/clients/*.test.ts) share: chatgate listening on 127.0.0.1 (the
 * clients speak real HTTP through fetch), either on the fake OpenAI upstream or on the local
 * responder alone, and the requests every client is put through (a weather tool, a JSON schema,
 * a slow stream to abort).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { z } from 'zod';
import type { Services } from '../../src/services.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { testApp, testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

/** The caller key chatgate accepts in these tests. */
export const API_KEY = 'sk-test-clients-1234';
/** A model the fake upstream serves (one of its defaults). */
export const MODEL = 'llama3.2';
/** A model no provider serves: chatgate answers 404 `model_not_found`. */
export const UNKNOWN_MODEL = 'no-such-model-7b';

/** The weather tool's arguments, as the fake upstream calls it. */
export const OSLO = { city: 'Oslo' };
/** The function tool every client offers, as a JSON schema. */
export const WEATHER_PARAMETERS = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
} as const;
/** What the weather tool returns to the model in the second step. */
export const WEATHER_RESULT = { celsius: 4 };

/** The structured answer every client asks for, and the fake upstream sends as its reply text. */
export const CAPITAL = { city: 'Paris', country: 'France' };
/** `CAPITAL`'s schema, as the clients take it for structured output. */
export const Capital = z.object({ city: z.string(), country: z.string() });

/**
 * What `call` rejected with, or undefined when it resolved: the clients' errors are asserted by
 * their fields (status, code), whatever class each library wraps them in.
 */
export function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(() => undefined).catch((e: unknown) => e);
}

/** What `slowStream` makes the fake send, a word every 200 ms. */
export const SLOW_REPLY = 'one two three four five six seven eight nine ten';

/**
 * Asserts that a client aborted after its first delta got a start of `SLOW_REPLY` and not all of
 * it (on a loaded machine a second word may already have been read with the first).
 */
export function expectCutShort(text: string): void {
  expect(text.startsWith('one')).toBe(true);
  expect(SLOW_REPLY.startsWith(text)).toBe(true);
  expect(text.length).toBeLessThan(SLOW_REPLY.length);
}

/** Which upstream chatgate has: the fake OpenAI server, or the local responder only (`mode: local`). */
export type Upstream = 'fake-openai' | 'local-only';

/** chatgate on 127.0.0.1 for one test, and the fake upstream it talks to (one per file). */
export interface ClientGateway {
  /** The fake OpenAI-compatible upstream; reset after each test. */
  readonly fake: FakeServer;
  /** chatgate's OpenAI base URL, `http://127.0.0.1:<port>/v1`: what a client takes as `baseURL`. */
  readonly baseURL: string;
  readonly app: FastifyInstance;
  readonly services: Services;
  /**
   * Builds chatgate on `upstream` (default the fake: provider `openai`, model `MODEL`, caller key
   * `API_KEY`, model lists not cached) and listens on a random port of 127.0.0.1.
   */
  start(upstream?: Upstream): Promise<void>;
  /** The `/v1/chat/completions` bodies the fake upstream received, oldest first. */
  chatBodies(): Record<string, unknown>[];
  /**
   * Makes the fake stream a long answer slowly (one word per 200 ms), so that a client can
   * abort after its first delta.
   */
  slowStream(): void;
  /**
   * Resolves when the fake saw its streaming chat call closed before the answer was complete
   * (chatgate aborted its upstream request); rejects after 5 s.
   */
  upstreamClosedEarly(): Promise<void>;
}

/**
 * Registers the hooks of a client test file: one fake OpenAI upstream for the file; after each
 * test chatgate closed and the fake reset.
 */
export function useClientGateway(): ClientGateway {
  let fake: FakeServer;
  let app: FastifyInstance | undefined;
  let services: Services | undefined;
  let baseURL = '';
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());
  afterEach(async () => {
    await app?.close();
    await services?.close();
    app = undefined;
    services = undefined;
    fake.reset();
  });
  const chatBodies = () =>
    fake.calls
      .filter((call) => call.path === '/v1/chat/completions')
      .map((call) => call.body as Record<string, unknown>);
  return {
    get fake() {
      return fake;
    },
    get baseURL() {
      return baseURL;
    },
    get app() {
      if (!app) throw new Error('start() first');
      return app;
    },
    get services() {
      if (!services) throw new Error('start() first');
      return services;
    },
    async start(upstream = 'fake-openai') {
      const ai =
        upstream === 'fake-openai'
          ? { provider: 'openai' as const, model: MODEL, openai: { baseUrl: `${fake.url}/v1` } }
          : { mode: 'local' as const };
      const config = testConfig({ ai, openaiApi: { modelsCacheMs: 0 }, auth: { apiKeys: [API_KEY] } });
      ({ app, services } = await testApp(config));
      baseURL = `${await app.listen({ port: 0, host: '127.0.0.1' })}/v1`;
    },
    chatBodies,
    slowStream() {
      fake.behave({ reply: SLOW_REPLY, chunkDelayMs: 200 });
    },
    async upstreamClosedEarly() {
      await waitFor(
        () => fake.calls.find((call) => call.path === '/v1/chat/completions')?.closedEarly,
        5000,
        'the fake upstream to see its stream closed early',
      );
    },
  };
}

/** The fake answers tool calls to the weather tool, with this call id. */
export function callWeather(fake: FakeServer, id = 'call_weather_1'): void {
  fake.behave({ toolCalls: [{ id, name: 'get_weather', arguments: OSLO }] });
}

/**
 * The fake's second step: no more tool calls, and a reply that shows it read the tool result
 * (`celsius` from the last `tool` message of the request).
 */
export function answerFromToolResult(fake: FakeServer): void {
  fake.behave({
    toolCalls: undefined,
    reply: (body) => {
      const messages = (body as { messages: { role: string; content: unknown }[] }).messages;
      // Clients send the result as a string or as text parts: find the number in either.
      const result = JSON.stringify(messages.findLast((m) => m.role === 'tool')?.content ?? '');
      return `It is ${/celsius\\?"?:\s*(-?\d+)/.exec(result)?.[1] ?? 'no idea'} °C in Oslo.`;
    },
  });
}
