import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeepPartial } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI } from '../fakes/fake-openai.js';
import { interactionBody } from '../support/events.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The provider health monitor end to end (issue 15, part 4): chatgate as main.ts assembles it
 * (`createChatgate`, `startHealthMonitor`, `close`), checking the fake model servers over their real
 * wire protocol, seen through `GET /api/v1/ai/status`, the completions route and the interactions.
 */

/** Short enough that each test sees several rounds; status is polled with a bounded wait. */
const INTERVAL_MS = 100;
/** The check's limit, and each call's: a hung server is found down after this. */
const REQUEST_TIMEOUT_MS = 1000;

interface ProviderStatus {
  provider: string;
  endpoint: string;
  breaker: string;
  health: { checked_at: string; latency_ms: number; result: 'up' | 'down'; error: string | null } | null;
}

describe('provider health monitor', () => {
  let ollama: FakeServer;
  let chatgate: Pipeline | undefined;

  beforeAll(async () => {
    ollama = await startFakeOllama();
  });
  afterEach(async () => {
    await chatgate?.close();
    chatgate = undefined;
    await ollama.up();
    ollama.reset();
  });
  afterAll(() => ollama.close());

  async function start(overrides: DeepPartial<Config['ai']> = {}): Promise<Pipeline> {
    const config = testConfig({
      ai: {
        ollama: { host: ollama.url },
        healthCheckIntervalMs: INTERVAL_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        // Never half-open on its own during a test: only a check (or an admin) ends a cool-down.
        breaker: { failureThreshold: 5, halfOpenAfterMs: 600_000, successThreshold: 1 },
        ...overrides,
      },
    });
    chatgate = await startPipeline(config);
    chatgate.startHealthMonitor();
    return chatgate;
  }

  async function providers(): Promise<ProviderStatus[]> {
    const response = await chatgate!.app.inject({ method: 'GET', url: '/api/v1/ai/status' });
    expect(response.statusCode).toBe(200);
    return response.json().providers;
  }

  /** The status of the one provider endpoint, once `holds` is true of it (bounded wait). */
  function statusWhen(holds: (status: ProviderStatus) => boolean, what: string): Promise<ProviderStatus> {
    return waitFor(
      async () => {
        const [status] = await providers();
        return status && holds(status) ? status : undefined;
      },
      10_000,
      what,
    );
  }

  const complete = () =>
    chatgate!.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { model: 'chatgate/auto', messages: [{ role: 'user', content: 'hello there' }] },
    });

  const chatCalls = () => ollama.calls.filter((call) => call.path === '/api/chat');
  const tagCalls = () => ollama.calls.filter((call) => call.path === '/api/tags');

  it('checks the model server with GET /api/tags and shows the result in status', async () => {
    await start();
    const status = await statusWhen((s) => s.health !== null, 'a first check');
    expect(status).toMatchObject({ provider: 'ollama', endpoint: ollama.url, breaker: 'closed' });
    expect(status.health).toEqual({
      checked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      latency_ms: expect.any(Number),
      result: 'up',
      error: null,
    });
    expect(tagCalls()[0]).toMatchObject({ method: 'GET' });
    // Checks are not traffic: the endpoint's counts stay at zero.
    const [full] = (await chatgate!.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json().providers;
    expect(full.counts).toEqual({ successes: 0, failures: 0, refused: 0, rejected: 0 });
    const metrics = (await chatgate!.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`chatgate_provider_up{provider="ollama",endpoint="${ollama.url}"} 1`);
    expect(metrics).toContain('chatgate_provider_health_latency_seconds_count{provider="ollama"');
    expect(metrics).not.toMatch(/chatgate_provider_request_duration_seconds_count\{[^}]*\} [1-9]/);
  });

  it('with the model server stopped, opens its breaker and answers locally without calling it', async () => {
    await start();
    await statusWhen((s) => s.health?.result === 'up', 'a first check');
    await ollama.down();

    const status = await statusWhen((s) => s.breaker === 'open', 'the breaker to open');
    expect(status.health).toMatchObject({ result: 'down', error: expect.any(String) });
    expect(status.health?.error).not.toBe('');

    const response = await complete();
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-chatgate-provider']).toBe('local');
    // Refused by the open breaker, not by a failed connection: the model server was not tried.
    expect(response.headers['x-chatgate-fallback']).toBe('ollama: breaker_open');

    const ack = (
      await chatgate!.app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        payload: interactionBody({ text: '@chatgate are you there?' }),
      })
    ).json();
    const done = await waitFor(async () => {
      const body = (
        await chatgate!.app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${ack.interaction_id}` })
      ).json();
      return body.status === 'done' ? body : undefined;
    });
    expect(done.reply).toMatchObject({ provider: 'local', fallback_reason: 'ollama: breaker_open' });
    const metrics = (await chatgate!.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`chatgate_provider_up{provider="ollama",endpoint="${ollama.url}"} 0`);
  });

  it('with the model server hung, finds it down after the request timeout; no interaction waits for one', async () => {
    await start();
    await statusWhen((s) => s.health?.result === 'up', 'a first check');
    ollama.behave({ hang: true });

    const status = await statusWhen((s) => s.breaker === 'open', 'the breaker to open');
    expect(status.health).toMatchObject({
      result: 'down',
      error: `no answer within ${REQUEST_TIMEOUT_MS} ms`,
      latency_ms: expect.any(Number),
    });

    const response = await complete();
    expect(response.headers['x-chatgate-provider']).toBe('local');
    expect(response.headers['x-chatgate-fallback']).toBe('ollama: breaker_open');
    expect(chatCalls()).toHaveLength(0); // the chat never reached the hung server
  });

  it('when the server comes back, the breaker goes half-open and the next call closes it', async () => {
    await start();
    await ollama.down();
    await statusWhen((s) => s.breaker === 'open', 'the breaker to open');

    await ollama.up();
    const status = await statusWhen((s) => s.breaker === 'half_open', 'the breaker to half-open');
    expect(status.health).toMatchObject({ result: 'up', error: null });
    expect(chatCalls()).toHaveLength(0); // half-open by the check alone

    const response = await complete();
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-chatgate-provider']).toBe('ollama');
    expect(response.headers['x-chatgate-fallback']).toBeUndefined();
    expect(chatCalls()).toHaveLength(1);
    expect((await providers())[0]?.breaker).toBe('closed');
  });

  it('stops checking when chatgate closes', async () => {
    const running = await start();
    await statusWhen((s) => s.health !== null, 'a first check');
    await running.close();
    chatgate = undefined;
    // No timer and no round left (that none starts later is test/ai/health-monitor.test.ts's, on a
    // clock it moves itself).
    expect(running.services.health.running).toBe(false);
  });

  it('does not check at all with HEALTH_CHECK_INTERVAL_MS=0', async () => {
    await start({ healthCheckIntervalMs: 0 });
    expect(chatgate!.services.health.running).toBe(false);
    const [status] = await providers();
    expect(status).toMatchObject({ breaker: 'closed', health: null });
    expect(tagCalls()).toHaveLength(0);
  });
});

describe('provider health monitor: an OpenAI-compatible endpoint', () => {
  const API_KEY = 'sk-health-right-key-123456';
  let openai: FakeServer;
  let chatgate: Pipeline | undefined;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: API_KEY });
  });
  afterEach(async () => {
    await chatgate?.close();
    chatgate = undefined;
    openai.reset();
  });
  afterAll(() => openai.close());

  async function start(apiKey: string): Promise<void> {
    const config = testConfig({
      ai: {
        provider: 'openai',
        model: 'llama3.2',
        openai: { baseUrl: `${openai.url}/v1`, apiKey },
        healthCheckIntervalMs: INTERVAL_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        breaker: { failureThreshold: 5, halfOpenAfterMs: 600_000, successThreshold: 1 },
      },
    });
    chatgate = await startPipeline(config);
    chatgate.startHealthMonitor();
  }

  function statusWhen(holds: (status: ProviderStatus) => boolean, what: string): Promise<ProviderStatus> {
    return waitFor(
      async () => {
        const body = (await chatgate!.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
        const status = (body.providers as ProviderStatus[]).find((each) => each.provider === 'openai');
        return status && holds(status) ? status : undefined;
      },
      10_000,
      what,
    );
  }

  it('checks GET /models with the key, and opens the breaker on a 503', async () => {
    await start(API_KEY);
    await statusWhen((s) => s.health?.result === 'up', 'a first check');
    const models = openai.calls.find((call) => call.path === '/v1/models');
    expect(models).toMatchObject({ method: 'GET' });
    expect(models?.headers.authorization).toBe(`Bearer ${API_KEY}`);

    openai.behave({ fail: { status: 503 } });
    const status = await statusWhen((s) => s.breaker === 'open', 'the breaker to open');
    expect(status.health).toMatchObject({ result: 'down', error: expect.stringContaining('503') });
  });

  it('counts a refusal (a wrong key) as answering, and never shows the key', async () => {
    const wrongKey = 'sk-health-wrong-key-987654';
    await start(wrongKey);
    const status = await statusWhen((s) => s.health !== null, 'a first check');
    expect(status.breaker).toBe('closed');
    expect(status.health).toMatchObject({ result: 'up', error: expect.stringContaining('401') });
    expect(JSON.stringify(status)).not.toContain(wrongKey);
  });
});
