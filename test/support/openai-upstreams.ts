import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { DeepPartial } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { type FakeOllamaApp, useFakeOllamaApp } from './fake-ollama-app.js';

/** The app of one test, with both fake upstreams: Ollama and an OpenAI-compatible server. */
export interface OpenAIUpstreamsApp extends FakeOllamaApp {
  /** The fake OpenAI-compatible server, the `openai` provider's endpoint (`${url}/v1`). */
  readonly openai: FakeServer;
  /**
   * Builds the app on the defaults + `ai` (model `llama3.2`, which both fakes serve) with the
   * caller key `apiKey` and model lists not cached; resets the fake OpenAI first.
   */
  startWith(ai?: DeepPartial<Config>['ai']): Promise<Config>;
  /** `POST url` (default `/v1/chat/completions`) with the caller key, through `app.inject`. */
  complete(payload: unknown, url?: string): Promise<LightMyRequestResponse>;
  /** The chat bodies `upstream` received (`/api/chat` on Ollama, `/v1/chat/completions` on OpenAI). */
  chatBodies(upstream: FakeServer): Record<string, unknown>[];
}

/**
 * Registers the hooks of an OpenAI API test file that needs both kinds of upstream: one fake
 * Ollama and one fake OpenAI for the file (see `useFakeOllamaApp` for what happens after each test).
 */
export function useOpenAIUpstreams(apiKey: string): OpenAIUpstreamsApp {
  const h = useFakeOllamaApp() as OpenAIUpstreamsApp;
  let openai: FakeServer;
  beforeAll(async () => {
    openai = await startFakeOpenAI();
  });
  afterAll(() => openai.close());
  Object.defineProperty(h, 'openai', { get: () => openai });
  h.startWith = (ai = {}) => {
    openai.reset();
    return h.start({
      ai: { model: 'llama3.2', ...ai, openai: { baseUrl: `${openai.url}/v1`, ...ai.openai } },
      openaiApi: { modelsCacheMs: 0 },
      auth: { apiKeys: [apiKey] },
    });
  };
  h.complete = (payload, url = '/v1/chat/completions') =>
    h.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${apiKey}` },
      payload: payload as Record<string, unknown>,
    });
  h.chatBodies = (upstream) =>
    upstream.calls
      .filter((call) => call.path === '/api/chat' || call.path === '/v1/chat/completions')
      .map((call) => call.body as Record<string, unknown>);
  return h;
}
