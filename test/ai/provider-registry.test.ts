import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderRegistry } from '../../src/ai/provider-registry.js';
import { Metrics } from '../../src/observability/metrics.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';

/** A model the fake serves. */
const FAKE_MODEL = 'llama3.2';

const SETTINGS = {
  requestTimeoutMs: 2_000,
  breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000, successThreshold: 1 },
  retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5 },
};

describe('ProviderRegistry: one proxy, two accounts', () => {
  let fake: FakeServer;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('keeps a breaker per key, and their shared gauge shows the worst of them', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const registry = new ProviderRegistry(
      { ollamaHost: 'http://127.0.0.1:9' },
      SETTINGS,
      metrics,
      'chatgate',
    );
    const baseUrl = `${fake.url}/v1`;
    const a = registry.get('openai', { baseUrl, apiKey: 'sk-account-a-0001' });
    const gauge = async () => (await metrics.breakerState.get()).values.map((value) => value.value);
    const request = { model: FAKE_MODEL, messages: [{ role: 'user' as const, content: 'hi' }] };

    fake.behave({ fail: { status: 500, times: 1 } });
    await expect(a.guard?.execute((signal) => a.provider.chat(request, signal))).rejects.toMatchObject({
      status: 500,
    });
    expect(a.guard?.state).toBe('open');
    expect(await gauge()).toEqual([1]);

    // A second community on the same proxy with its own account: a link and a breaker of its own,
    // and one series for the endpoint (no key in a label), still showing the open breaker.
    const b = registry.get('openai', { baseUrl, apiKey: 'sk-account-b-0002' });
    expect(b).not.toBe(a);
    expect(b.guard?.state).toBe('closed');
    expect(await gauge()).toEqual([1]);
    await b.guard?.execute((signal) => b.provider.chat(request, signal));
    expect(await gauge()).toEqual([1]);

    a.guard?.reset();
    expect(await gauge()).toEqual([0]);
  });
});
