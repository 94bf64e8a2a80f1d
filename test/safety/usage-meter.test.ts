import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { MemoryUsageCounters } from '../../src/safety/usage/memory-usage-counters.js';
import { scopeKey } from '../../src/safety/usage/usage-counters.js';
import { UsageMeter } from '../../src/safety/usage/usage-meter.js';
import { MemoryUsageStore } from '../../src/stores/memory/memory-usage-store.js';

function meter() {
  const store = new MemoryUsageStore();
  const usage = new UsageMeter({
    counters: new MemoryUsageCounters(),
    store,
    prices: { priced: { prompt: 1, completion: 3 } },
    metrics: new Metrics({ defaultMetrics: false }),
    logger: createLogger('silent'),
    now: () => Date.parse('2026-12-03T23:59:00Z'),
  });
  return { usage, store };
}

/** What the usage meter adds up, for the callers that have no HTTP surface of their own yet. */
describe('UsageMeter', () => {
  it('estimates tokens at 4 characters a token when the provider reports no usage, and prices them', async () => {
    const { usage, store } = meter();
    await usage.record({ communityId: 'c', model: 'priced', promptChars: 401, completionChars: 8 });
    expect(await usage.usageToday({ communityId: 'c' })).toEqual({
      requests: 1,
      promptTokens: 101,
      completionTokens: 2,
      costUsd: (101 * 1 + 2 * 3) / 1e6,
    });
    expect(await store.query({ from: '2026-12-03', to: '2026-12-03', groupBy: 'model' })).toEqual([
      { model: 'priced', requests: 1, promptTokens: 101, completionTokens: 2, costUsd: 107 / 1e6 },
    ]);
  });

  it("counts a client key's use and holds its daily tokens with the budgets, in one step", async () => {
    const { usage } = meter();
    const subject = { communityId: 'c', keyId: 'key-1' };
    const keyLimit = [{ scope: scopeKey.key('key-1'), tokens: 100 }];
    const ask = { maxTokens: 40, promptChars: 40, model: 'unpriced' };
    expect(await usage.reserve('r1', {}, subject, ask, keyLimit)).toEqual({ ok: true, held: true });
    await usage.record({
      ...subject,
      model: 'unpriced',
      usage: { prompt_tokens: 60, completion_tokens: 40 },
    });
    await usage.release('r1');
    expect(await usage.keyUsageToday('key-1')).toEqual({
      requests: 1,
      promptTokens: 60,
      completionTokens: 40,
    });
    // 100 used of 100: refused until midnight UTC (60 s away).
    expect(await usage.reserve('r2', {}, subject, ask, keyLimit)).toEqual({
      ok: false,
      scope: scopeKey.key('key-1'),
      retryAfterSeconds: 60,
    });
    // Without a limit there is nothing to hold.
    expect(await usage.reserve('r3', {}, subject, ask)).toEqual({ ok: true, held: false });
  });
});
