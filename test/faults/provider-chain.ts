/**
 * The harness of the provider fault matrix (providers.test.ts): chatgate as the service builds it,
 * with the chain openai (a fake OpenAI-compatible upstream) → ollama (a fake Ollama) → the local
 * responder, and the ways a user reaches it and sees who answered.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type DeepPartial, deepMerge } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Services } from '../../src/services.js';
import type { FakeServer } from '../fakes/behaviour.js';
import { startFakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI } from '../fakes/fake-openai.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { interactionBody } from '../support/events.js';
import { testApp, testConfig } from '../support/services.js';
import { sseEvents } from '../support/sse-events.js';
import { waitFor } from '../support/wait-for.js';

export const OPENAI_REPLY = 'The first link answers.';
export const OLLAMA_REPLY = 'The second link answers.';
/** One attempt's timeout (and a stream's first-byte timeout), ms: far above a fake's answer time. */
export const ATTEMPT_TIMEOUT_MS = 5000;
/** Attempts per link, the first included. */
export const MAX_ATTEMPTS = 3;

/** The ways in, by name: the OpenAI API plain and streamed, and an event with a callback. */
export const SURFACE_NAMES = [
  'POST /v1/chat/completions',
  'POST /v1/chat/completions, stream: true',
  'POST /api/v1/ai/interaction (reply and callback)',
] as const;
export type SurfaceName = (typeof SURFACE_NAMES)[number];

/** What a user sees of one answer: who answered, why an earlier link did not, and the text. */
export interface Seen {
  provider: string;
  fallbackReason: string | undefined;
  text: string;
}

/** A link's entry in `/api/v1/ai/status`. */
export interface LinkStatus {
  breaker: string;
  counts: { successes: number; failures: number; refused: number; rejected: number };
}

/** The running chain of one test, and what its tests ask of it. */
export interface ProviderChain {
  openai: FakeServer;
  ollama: FakeServer;
  callbacks: CallbackReceiver;
  app: FastifyInstance;
  /**
   * Starts chatgate (hybrid mode, `MAX_ATTEMPTS` attempts of `ATTEMPT_TIMEOUT_MS` per link) with
   * `overrides` on top; the fakes answer `OPENAI_REPLY` and `OLLAMA_REPLY`.
   */
  start(overrides?: DeepPartial<Config>): Promise<void>;
  /** Asks one question through `surface` and returns what its caller sees (expects a 200/202 and a done). */
  ask(surface: SurfaceName): Promise<Seen>;
  /** `POST /v1/chat/completions` with `payload`, as it is. */
  complete(payload: Record<string, unknown>): Promise<LightMyRequestResponse>;
  /** `GET /api/v1/ai/interaction/:id` once it is `done` or `failed` (waits up to 15 s). */
  finished(id: string): Promise<Record<string, unknown> & { status: string; reply: Record<string, unknown> }>;
  /** The first link's entry in `/api/v1/ai/status` (expects it to be there). */
  openaiStatus(): Promise<LinkStatus>;
  /** The first link's breaker in `/health/ready`, and its `chatgate_breaker_state` (0 closed, 1 open, 2 half-open). */
  openaiBreakerElsewhere(): Promise<{ ready: string; gauge: number }>;
  /** `chatgate_provider_errors_total` for a provider and code (0 when absent). */
  providerErrors(provider: string, code: string): Promise<number>;
}

/** A chat question for `chatgate/auto`, with `extra` fields. */
export const question = (extra: Record<string, unknown> = {}) => ({
  model: 'chatgate/auto',
  messages: [{ role: 'user', content: 'what is the weather?' }],
  ...extra,
});

/** The chat calls a fake upstream received (not its model lists). */
export const chatCalls = (fake: FakeServer) =>
  fake.calls.filter((call) => call.path.endsWith('/chat/completions') || call.path === '/api/chat');

/** The content of a streamed answer's chunks, joined. */
export function streamedText(events: unknown[]): string {
  return events
    .map((event) => (event as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content)
    .filter((content) => typeof content === 'string')
    .join('');
}

/**
 * Registers the hooks of a test file: both fakes and a callback receiver for the file; after each
 * test the app and services closed, the fakes up again and reset, the callbacks forgotten.
 */
export function useProviderChain(): ProviderChain {
  let services: Services | undefined;
  const inject = (url: string) => h.app.inject({ method: 'GET', url });
  const metrics = async () => (await inject('/metrics')).body.split('\n');

  const surfaces: Record<SurfaceName, () => Promise<Seen>> = {
    'POST /v1/chat/completions': async () => {
      const response = await h.complete(question());
      expect(response.statusCode, response.body).toBe(200);
      return {
        provider: String(response.headers['x-chatgate-provider']),
        fallbackReason: response.headers['x-chatgate-fallback'] as string | undefined,
        text: response.json().choices[0].message.content,
      };
    },
    'POST /v1/chat/completions, stream: true': async () => {
      const response = await h.complete(question({ stream: true }));
      expect(response.statusCode, response.body).toBe(200);
      const events = sseEvents(response.body);
      // A stream that fell back before its first byte is whole: it ends with [DONE].
      expect(events.at(-1)).toBe('[DONE]');
      return {
        provider: String(response.headers['x-chatgate-provider']),
        fallbackReason: response.headers['x-chatgate-fallback'] as string | undefined,
        text: streamedText(events),
      };
    },
    'POST /api/v1/ai/interaction (reply and callback)': async () => {
      const ack = await h.app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        payload: interactionBody({ callback_url: h.callbacks.url }),
      });
      expect(ack.statusCode, ack.body).toBe(202);
      const id: string = ack.json().interaction_id;
      const done = await h.finished(id);
      expect(done.status).toBe('done');
      // The caller's callback carries the same answer, as a success.
      const callback = await waitFor(
        () => h.callbacks.received.find((c) => c.body.interaction_id === id),
        10_000,
        'the callback',
      );
      expect(callback.body).toMatchObject({ success: true, response_data: { message: done.reply.text } });
      const status = { openai: 'healthy', ollama: 'degraded', local: 'offline' }[
        done.reply.provider as string
      ];
      expect(done.reply.service_status).toBe(status);
      return {
        provider: done.reply.provider as string,
        fallbackReason: (done.reply.fallback_reason as string | null) ?? undefined,
        text: done.reply.text as string,
      };
    },
  };

  const h = {
    async start(overrides: DeepPartial<Config> = {}) {
      h.openai.behave({ reply: OPENAI_REPLY });
      h.ollama.behave({ reply: OLLAMA_REPLY });
      const chain: DeepPartial<Config> = {
        ai: {
          mode: 'hybrid',
          provider: 'openai',
          fallbackProvider: 'ollama',
          model: 'llama3.2',
          openai: { baseUrl: `${h.openai.url}/v1` },
          ollama: { host: h.ollama.url },
          requestTimeoutMs: ATTEMPT_TIMEOUT_MS,
          firstByteTimeoutMs: ATTEMPT_TIMEOUT_MS,
          retry: { maxAttempts: MAX_ATTEMPTS },
        },
      };
      ({ services, app: h.app } = await testApp(
        testConfig(deepMerge(chain, overrides) as DeepPartial<Config>),
      ));
    },
    ask: (surface: SurfaceName) => surfaces[surface](),
    complete: (payload: Record<string, unknown>) =>
      h.app.inject({ method: 'POST', url: '/v1/chat/completions', payload }),
    finished: (id: string) =>
      waitFor(
        async () => {
          const body = (await inject(`/api/v1/ai/interaction/${id}`)).json();
          return ['done', 'failed'].includes(body.status) ? body : undefined;
        },
        15_000,
        `interaction ${id} to finish`,
      ),
    async openaiStatus() {
      const status = (await inject('/api/v1/ai/status')).json();
      const link = status.providers.find((p: { provider: string }) => p.provider === 'openai');
      expect(link, JSON.stringify(status.providers)).toBeDefined();
      return link;
    },
    async openaiBreakerElsewhere() {
      const ready = (await inject('/health/ready')).json();
      const line = (await metrics()).find((l) => l.startsWith('chatgate_breaker_state{provider="openai"'));
      return {
        ready: ready.checks.providers[`openai ${h.openai.url}/v1`],
        gauge: Number(line?.split(' ').at(-1)),
      };
    },
    async providerErrors(provider: string, code: string) {
      const prefix = `chatgate_provider_errors_total{provider="${provider}",code="${code}"} `;
      const line = (await metrics()).find((l) => l.startsWith(prefix));
      return line ? Number(line.slice(prefix.length)) : 0;
    },
  } as ProviderChain;

  beforeAll(async () => {
    [h.openai, h.ollama, h.callbacks] = await Promise.all([
      startFakeOpenAI(),
      startFakeOllama(),
      startCallbackReceiver(),
    ]);
  });
  afterAll(() => Promise.all([h.openai.close(), h.ollama.close(), h.callbacks.close()]));
  afterEach(async () => {
    await h.app?.close();
    await services?.close();
    services = undefined;
    await Promise.all([h.openai.up(), h.ollama.up()]);
    h.openai.reset();
    h.ollama.reset();
    h.callbacks.received.length = 0;
  });
  return h;
}
