import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AiResult } from '../../src/ai/ai-result.js';
import { type AiRequest, AiService, AiUnavailableError } from '../../src/ai/ai-service.js';
import { ProviderRegistry } from '../../src/ai/provider-registry.js';
import { ProviderError, type ProviderKind } from '../../src/ai/providers/provider.js';
import type { ResilienceSettings } from '../../src/ai/resilience.js';
import type { ChatMode } from '../../src/config/schema.js';
import { Metrics } from '../../src/observability/metrics.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI } from '../fakes/fake-openai.js';

const community: AiRequest['community'] = {
  provider: 'ollama',
  model: 'llama3.2',
  fallbackProvider: 'openai',
  fallbackModel: 'gpt-test',
  temperature: 0.5,
  maxTokens: 64,
};

/** Two attempts per call; the breaker opens after four failed attempts and stays open for the test. */
const resilience: ResilienceSettings = {
  requestTimeoutMs: 2000,
  breaker: { failureThreshold: 4, halfOpenAfterMs: 60_000, successThreshold: 1 },
  retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
};

let ollama: FakeServer;
let openai: FakeServer;
let registry: ProviderRegistry;

beforeAll(async () => {
  ollama = await startFakeOllama();
  openai = await startFakeOpenAI();
});
beforeEach(async () => {
  await Promise.all([ollama.up(), openai.up()]);
  ollama.reset();
  openai.reset();
  openai.behave({ models: ['gpt-test'] });
  // A fresh registry per test: breakers are per registry, and no test inherits another's open breaker.
  registry = new ProviderRegistry(
    { ollamaHost: ollama.url, openaiBaseUrl: `${openai.url}/v1` },
    resilience,
    new Metrics({ defaultMetrics: false }),
    'TestBot',
  );
});
afterAll(async () => {
  await Promise.all([ollama.close(), openai.close()]);
});

function service(mode: ChatMode = 'hybrid', offlineResponses = true): AiService {
  return new AiService(registry, new Metrics({ defaultMetrics: false }), mode, offlineResponses);
}

function ask(
  ai: AiService,
  text = 'how are you today?',
  extra: Partial<Pick<AiRequest, 'community' | 'signal'>> = {},
): Promise<AiResult> {
  return ai.complete({
    community: extra.community ?? community,
    messages: [
      { role: 'system', content: 'You are TestBot.' },
      { role: 'user', content: text },
    ],
    hint: { text, userName: 'alice' },
    signal: extra.signal,
  });
}

/** The AiUnavailableError a promise rejects with (fails the test when it resolves or throws something else). */
async function unavailable(promise: Promise<unknown>): Promise<AiUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AiUnavailableError);
  return error as AiUnavailableError;
}

describe('AiService: provider chain (hybrid)', () => {
  it('answers from the primary provider as healthy, with no fallback reason', async () => {
    ollama.behave({ reply: 'Primary says hi' });
    const result = await ask(service());
    expect(result).toMatchObject({
      content: 'Primary says hi',
      finishReason: 'stop',
      mode: 'remote',
      provider: 'ollama',
      model: 'llama3.2',
      serviceStatus: 'healthy',
    });
    expect(result.fallbackReason).toBeUndefined();
    expect(result.processingTimeMs).toBeGreaterThanOrEqual(0);
    expect(ollama.calls).toHaveLength(1);
    expect(ollama.calls[0]?.body).toMatchObject({
      model: 'llama3.2',
      stream: false,
      options: { temperature: 0.5, num_predict: 64 },
      messages: [
        { role: 'system', content: 'You are TestBot.' },
        { role: 'user', content: 'how are you today?' },
      ],
    });
    expect(openai.calls).toHaveLength(0);
  });

  it('passes the Ollama token counts through as usage', async () => {
    ollama.behave({ usage: { prompt: 11, completion: 7 } });
    const result = await ask(service());
    expect(result.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
  });

  it('falls back to the openai provider as degraded when the primary is down', async () => {
    await ollama.down();
    openai.behave({ reply: 'Fallback says hi', usage: { prompt: 3, completion: 4 } });
    const result = await ask(service());
    expect(result).toMatchObject({
      content: 'Fallback says hi',
      mode: 'remote',
      provider: 'openai',
      model: 'gpt-test',
      serviceStatus: 'degraded',
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
    expect(result.fallbackReason).toBe('ollama: connection');
    expect(openai.calls).toHaveLength(1);
    expect(openai.calls[0]?.body).toMatchObject({ model: 'gpt-test', temperature: 0.5, max_tokens: 64 });
  });

  it('names the HTTP status of a failing primary in the fallback reason, after its retries', async () => {
    ollama.behave({ fail: { status: 500 } });
    const result = await ask(service());
    expect(result.provider).toBe('openai');
    expect(result.serviceStatus).toBe('degraded');
    expect(result.fallbackReason).toBe('ollama: HTTP 500');
    expect(ollama.calls).toHaveLength(2);
  });

  it('answers from the local responder as offline when both remote providers are down', async () => {
    await Promise.all([ollama.down(), openai.down()]);
    const result = await ask(service(), '/status');
    expect(result).toMatchObject({
      mode: 'local',
      provider: 'local',
      model: 'local-responder',
      serviceStatus: 'offline',
    });
    expect(result.content).toContain('TestBot');
    expect(result.content).toContain('local (offline) mode');
    expect(result.fallbackReason).toContain('ollama: connection');
    expect(result.fallbackReason).toContain('openai: connection');
  });

  it('goes straight to local when there is no fallback provider', async () => {
    ollama.behave({ fail: { status: 503 } });
    const { fallbackProvider: _p, fallbackModel: _m, ...withoutFallback } = community;
    const result = await ask(service(), 'hello', { community: withoutFallback });
    expect(result).toMatchObject({ provider: 'local', mode: 'local', serviceStatus: 'offline' });
    expect(result.fallbackReason).toBe('ollama: HTTP 503');
    expect(openai.calls).toHaveLength(0);
  });

  it('skips the primary without calling it once its breaker is open', async () => {
    const ai = service();
    await ollama.down();
    const guard = registry.get('ollama').guard;
    expect(guard).toBeDefined();
    for (let i = 0; i < 5 && guard?.state !== 'open'; i++) await ask(ai);
    expect(guard?.state).toBe('open');

    // Ollama is back, but the breaker is still open: the fallback answers and Ollama sees nothing.
    await ollama.up();
    ollama.reset();
    openai.reset();
    openai.behave({ models: ['gpt-test'], reply: 'Fallback again' });
    const result = await ask(ai);
    expect(result).toMatchObject({
      content: 'Fallback again',
      provider: 'openai',
      serviceStatus: 'degraded',
    });
    expect(result.fallbackReason).toBe('ollama: breaker_open');
    expect(ollama.calls).toHaveLength(0);
    expect(openai.calls).toHaveLength(1);
  });

  it('does not fall back to other links when the caller cancels', async () => {
    ollama.behave({ hang: true });
    const controller = new AbortController();
    const pending = unavailable(ask(service(), 'hello', { signal: controller.signal }));
    await vi.waitFor(() => expect(ollama.calls).toHaveLength(1), { timeout: 2000, interval: 5 });
    controller.abort();
    const error = await pending;
    expect(error.reasons).toBe('ollama: aborted');
    expect(openai.calls).toHaveLength(0);
  });
});

describe('AiService: modes', () => {
  it('local mode answers from the local responder without calling any remote', async () => {
    const ai = service('local');
    expect(ai.mode).toBe('local');
    const result = await ask(ai, '/echo ping pong');
    expect(result).toMatchObject({
      content: 'Echo (local mode): ping pong',
      mode: 'local',
      provider: 'local',
      model: 'local-responder',
      serviceStatus: 'offline',
    });
    expect(result.fallbackReason).toBeUndefined();
    expect(ollama.calls).toHaveLength(0);
    expect(openai.calls).toHaveLength(0);
  });

  it('remote mode without offline replies rejects with AiUnavailableError when every remote is down', async () => {
    await Promise.all([ollama.down(), openai.down()]);
    const error = await unavailable(ask(service('remote', false)));
    expect(error.reasons).toContain('ollama: connection');
    expect(error.reasons).toContain('openai: connection');
    expect(error.message).toContain('no provider could answer');
  });

  it('remote mode with offline replies still falls back to the local responder', async () => {
    await Promise.all([ollama.down(), openai.down()]);
    const result = await ask(service('remote', true));
    expect(result).toMatchObject({ provider: 'local', mode: 'local', serviceStatus: 'offline' });
  });

  it('remote mode answers from the primary when it is up', async () => {
    const result = await ask(service('remote', false));
    expect(result).toMatchObject({ provider: 'ollama', mode: 'remote', serviceStatus: 'healthy' });
  });

  it('setMode switches the mode for the next request', async () => {
    const ai = service('hybrid');
    expect((await ask(ai)).provider).toBe('ollama');
    expect(ollama.calls).toHaveLength(1);

    ai.setMode('local');
    expect(ai.mode).toBe('local');
    expect((await ask(ai)).provider).toBe('local');
    expect(ollama.calls).toHaveLength(1);

    ai.setMode('remote');
    await Promise.all([ollama.down(), openai.down()]);
    const local = await ask(ai);
    expect(local.provider).toBe('local'); // offline replies are on for this service

    await ollama.up();
    ai.setMode('hybrid');
    expect(ai.mode).toBe('hybrid');
    expect((await ask(ai)).provider).toBe('ollama');
    expect(ollama.calls).toHaveLength(2);
  });
});

/** A JSON schema nested `levels` objects deep: far past what `JSON.stringify`'s stack allows. */
function deepSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
}

/** A question to `kind` alone (then the local responder), with a tool schema 20,000 levels deep or none. */
function toolRequest(kind: ProviderKind, deep: boolean): AiRequest {
  const parameters = deep ? deepSchema(10_000) : { type: 'object' };
  return {
    community: {
      provider: kind,
      model: kind === 'openai' ? 'gpt-test' : 'llama3.2',
      temperature: 0.5,
      maxTokens: 64,
    },
    messages: [{ role: 'user', content: 'what is the weather?' }],
    options: { tools: [{ type: 'function', function: { name: 'f', parameters } }] },
    hint: { text: 'what is the weather?' },
  };
}

/** What a promise rejects with (fails the test when it resolves). */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

// What our side fails at while building a request (a tool schema nested too deep to serialize, a bug
// in a mapper) must never count against the endpoint's breaker: in the reproduction, five
// such requests opened a provider's breaker for every instance. Here four failed attempts open it.
describe('AiService: requests our side cannot build', () => {
  it.each([
    ['openai', () => openai],
    ['ollama', () => ollama],
  ] as const)(
    'refuses one %s cannot serialize without calling it; its breaker stays closed',
    async (kind, fake) => {
      const ai = service();
      for (let i = 0; i < 5; i++) {
        const error = await unavailable(ai.complete(toolRequest(kind, true)));
        // The chain stops there: no link could send it, so the local responder does not answer it.
        expect(error.lastError).toMatchObject({ code: 'invalid_request', provider: kind });
        expect(error.reasons).toBe(`${kind}: invalid_request`);
      }
      expect((await unavailable(ai.stream(toolRequest(kind, true)))).lastError).toMatchObject({
        code: 'invalid_request',
      });

      const guard = registry.get(kind).guard;
      expect(guard?.state).toBe('closed');
      expect(guard?.counts).toEqual({ successes: 0, failures: 0, refused: 0, rejected: 0 });
      expect(fake().calls).toHaveLength(0);
      expect(await ai.complete(toolRequest(kind, false))).toMatchObject({
        provider: kind,
        content: 'Hello from the fake',
        fallbackReason: undefined,
      });
    },
  );

  it('passes on what else building throws (our bug) as it is, uncounted, without trying the next link', async () => {
    const link = registry.get('openai');
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const prepare = vi.spyOn(link.provider, 'prepare').mockImplementation(() => {
      throw bug;
    });
    const ai = service();
    for (let i = 0; i < 5; i++) expect(await rejection(ai.complete(toolRequest('openai', false)))).toBe(bug);
    expect(await rejection(ai.stream(toolRequest('openai', false)))).toBe(bug);
    expect(link.guard?.state).toBe('closed');
    expect(link.guard?.counts).toEqual({ successes: 0, failures: 0, refused: 0, rejected: 0 });
    expect(openai.calls).toHaveLength(0);

    prepare.mockRestore();
    expect(await ai.complete(toolRequest('openai', false))).toMatchObject({ provider: 'openai' });
  });

  it('reports a request that cannot be serialized (cyclic) as ProviderError invalid_request', () => {
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic.properties = { self: cyclic };
    for (const kind of ['openai', 'ollama'] as const) {
      const build = () =>
        registry.get(kind).provider.prepare({
          model: 'm',
          messages: [],
          tools: [{ type: 'function', function: { name: 'f', parameters: cyclic } }],
        });
      expect(build).toThrow(ProviderError);
      expect(build).toThrow(/cannot be serialized/);
    }
  });
});
