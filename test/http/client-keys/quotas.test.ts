import { describe, expect, it } from 'vitest';
import { ClientKeyQuotas, resetText } from '../../../src/http/client-keys/quotas.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { MemoryUsageCounters } from '../../../src/safety/usage/memory-usage-counters.js';
import { UsageMeter } from '../../../src/safety/usage/usage-meter.js';
import type { ClientKey } from '../../../src/stores/client-key-store.js';
import { MemoryKeyStore } from '../../../src/stores/memory/memory-key-store.js';
import { MemoryUsageStore } from '../../../src/stores/memory/memory-usage-store.js';

/** The usage meter on `clock` (in process), and a key's tokens today as the quotas read them. */
function meterAt(clock: () => number) {
  const usage = new UsageMeter({
    counters: new MemoryUsageCounters(clock),
    store: new MemoryUsageStore(),
    prices: {},
    metrics: new Metrics({ defaultMetrics: false }),
    logger: createLogger('silent'),
    now: clock,
  });
  const tokensToday = async (keyId: string) => {
    const today = await usage.keyUsageToday(keyId);
    return today.promptTokens + today.completionTokens;
  };
  /** One answer of 60 tokens for `keyId`, as the OpenAI routes or the worker record it. */
  const answer = (keyId: string) =>
    usage.record({
      communityId: 'api:default',
      keyId,
      model: 'm',
      usage: { prompt_tokens: 40, completion_tokens: 20 },
    });
  return { tokensToday, answer };
}

const key = (limits: Partial<ClientKey>): ClientKey => ({
  id: '2b1c6f0e-8f55-4a39-9d8c-1f4c7d0a6b11',
  name: 'k',
  keyHash: 'h',
  keyPrefix: 'cg_abcde',
  createdAt: 0,
  ...limits,
});

describe('client key quotas', () => {
  it('writes reset times as OpenAI does', () => {
    expect([
      resetText(250),
      resetText(1000),
      resetText(20_400),
      resetText(360_000),
      resetText(47_102_000),
    ]).toEqual(['250ms', '1s', '21s', '6m0s', '13h5m2s']);
  });

  it('counts requests per calendar minute: over rpm until the minute turns', async () => {
    let now = Date.UTC(2026, 11, 3, 12, 0, 10);
    const quotas = new ClientKeyQuotas(new MemoryKeyStore(), meterAt(() => now).tokensToday, () => now);
    const limited = key({ rpm: 2 });
    const first = await quotas.admit(limited);
    expect(first.headers).toEqual({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '1',
      'x-ratelimit-reset-requests': '50s',
    });
    expect((await quotas.admit(limited)).refusal).toBeUndefined();
    const over = await quotas.admit(limited);
    expect(over.refusal).toMatchObject({ kind: 'requests', retryAfterS: 50 });
    now += 50_000;
    expect((await quotas.admit(limited)).refusal).toBeUndefined();
  });

  it('counts tokens per UTC day: refused once the day’s total reaches the limit, free again the next day', async () => {
    let now = Date.UTC(2026, 11, 3, 23, 0, 0);
    const meter = meterAt(() => now);
    const quotas = new ClientKeyQuotas(new MemoryKeyStore(), meter.tokensToday, () => now);
    const limited = key({ dailyTokens: 100 });
    expect((await quotas.admit(limited)).headers).toMatchObject({
      'x-ratelimit-remaining-tokens': '100',
      'x-ratelimit-reset-tokens': '1h0m0s',
    });
    await meter.answer(limited.id);
    expect((await quotas.admit(limited)).headers['x-ratelimit-remaining-tokens']).toBe('40');
    await meter.answer(limited.id);
    const over = await quotas.admit(limited);
    expect(over.refusal).toMatchObject({ kind: 'tokens', retryAfterS: 3600 });
    expect(over.refusal?.message).toContain('Used 120');
    now += 3_600_000;
    expect((await quotas.admit(limited)).refusal).toBeUndefined();
  });

  it('has nothing to say about a key without limits', async () => {
    const quotas = new ClientKeyQuotas(new MemoryKeyStore(), meterAt(Date.now).tokensToday);
    expect(await quotas.admit(key({}))).toEqual({ headers: {} });
  });
});
