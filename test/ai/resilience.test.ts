import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOllamaProvider } from '../../src/ai/providers/ollama/ollama-provider.js';
import type { ChatProvider, ChatRequest, ChatResult } from '../../src/ai/providers/provider.js';
import { type BreakerState, type ResilienceSettings, ResilientEndpoint } from '../../src/ai/resilience.js';
import { type SharedBreakerStore, SharedBreakerUnavailableError } from '../../src/ai/shared-breaker.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { failure } from '../support/provider-error.js';

const request: ChatRequest = {
  model: 'llama3.2',
  messages: [{ role: 'user', content: 'Say hello' }],
};

/** Small thresholds so every test stays fast; each test overrides what it is about. */
function settings(
  overrides: {
    requestTimeoutMs?: number;
    breaker?: Partial<ResilienceSettings['breaker']>;
    retry?: Partial<ResilienceSettings['retry']>;
  } = {},
): ResilienceSettings {
  return {
    requestTimeoutMs: overrides.requestTimeoutMs ?? 2000,
    breaker: { failureThreshold: 3, halfOpenAfterMs: 200, successThreshold: 1, ...overrides.breaker },
    retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 20, ...overrides.retry },
  };
}

let fake: FakeServer;
let provider: ChatProvider;

beforeAll(async () => {
  fake = await startFakeOllama();
  provider = createOllamaProvider({ host: fake.url });
});
beforeEach(async () => {
  await fake.up();
  fake.reset();
});
afterAll(() => fake.close());

/**
 * In the calling `describe`: the breakers' clock (cockatiel's and ours read `Date.now()`) moves only
 * when a test says so (`pass`), so a cool-down neither ends early nor runs late on a slow machine.
 * Timers stay real.
 */
function useBreakerClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** Lets `ms` pass on the breakers' clock, at once. */
function pass(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

/** An endpoint guarding the shared provider, recording every state change it reports. */
function guard(s: ResilienceSettings): { endpoint: ResilientEndpoint; states: BreakerState[] } {
  const states: BreakerState[] = [];
  const endpoint = new ResilientEndpoint('ollama', fake.url, s, (state) => states.push(state));
  return { endpoint, states };
}

function ask(
  endpoint: ResilientEndpoint,
  signal?: AbortSignal,
  via: ChatProvider = provider,
): Promise<ChatResult> {
  return endpoint.execute((attemptSignal) => via.chat(request, attemptSignal), signal);
}

/** Opens the breaker with `failureThreshold` failing calls (maxAttempts 1), then stops failing. */
async function openBreaker(endpoint: ResilientEndpoint, failureThreshold: number): Promise<void> {
  fake.behave({ fail: { status: 500, times: failureThreshold } });
  for (let i = 0; i < failureThreshold; i++) {
    expect((await failure(ask(endpoint))).code).toBe('http');
  }
  expect(endpoint.state).toBe('open');
}

describe('ResilientEndpoint: circuit breaker', () => {
  useBreakerClock();

  it('opens after failureThreshold consecutive failed attempts, then refuses without calling', async () => {
    const { endpoint, states } = guard(settings({ breaker: { failureThreshold: 3 } }));
    fake.behave({ fail: { status: 500 } });

    for (let i = 0; i < 2; i++) {
      const error = await failure(ask(endpoint));
      expect(error).toMatchObject({ code: 'http', status: 500 });
      expect(endpoint.state).toBe('closed');
    }
    const third = await failure(ask(endpoint));
    expect(third).toMatchObject({ code: 'http', status: 500 });
    expect(endpoint.state).toBe('open');
    expect(states).toEqual(['open']);
    expect(fake.calls).toHaveLength(3);

    fake.reset(); // healthy again, but the breaker does not know yet
    const refused = await failure(ask(endpoint));
    expect(refused.code).toBe('breaker_open');
    expect(refused.provider).toBe('ollama');
    expect(await failure(ask(endpoint))).toMatchObject({ code: 'breaker_open' });
    expect(fake.calls).toHaveLength(0);
    expect(endpoint.counts).toEqual({ successes: 0, failures: 3, refused: 0, rejected: 2 });
  });

  it('counts only consecutive failures: a success in between starts the count again', async () => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 3 } }));
    fake.behave({ fail: { status: 500, times: 2 } });
    await failure(ask(endpoint));
    await failure(ask(endpoint));
    expect((await ask(endpoint)).content).toBe('Hello from the fake');

    fake.behave({ fail: { status: 503 } });
    await failure(ask(endpoint));
    await failure(ask(endpoint));
    expect(endpoint.state).toBe('closed');
    await failure(ask(endpoint));
    expect(endpoint.state).toBe('open');
    expect(fake.calls).toHaveLength(6);
  });

  it('stops the remaining retries as soon as the breaker opens', async () => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 3 }, retry: { maxAttempts: 5 } }));
    fake.behave({ fail: { status: 500 } });
    const error = await failure(ask(endpoint));
    expect(error.code).toBe('breaker_open');
    expect(fake.calls).toHaveLength(3);
    expect(endpoint.counts).toEqual({ successes: 0, failures: 3, refused: 0, rejected: 1 });
  });

  it('does not open on client errors (an unknown model says nothing about the endpoint)', async () => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 2 } }));
    for (let i = 0; i < 4; i++) {
      const error = await failure(
        endpoint.execute((signal) => provider.chat({ ...request, model: 'no-such-model' }, signal)),
      );
      expect(error).toMatchObject({ code: 'http', status: 404 });
    }
    expect(endpoint.state).toBe('closed');
    expect(fake.calls).toHaveLength(4);
  });

  it('half-opens after timeoutMs, lets trial calls through and closes after successThreshold successes', async () => {
    const { endpoint, states } = guard(
      settings({ breaker: { failureThreshold: 2, halfOpenAfterMs: 200, successThreshold: 2 } }),
    );
    await openBreaker(endpoint, 2);
    expect((await failure(ask(endpoint))).code).toBe('breaker_open');
    expect(fake.calls).toHaveLength(2);

    pass(260);
    const first = await ask(endpoint);
    expect(first.content).toBe('Hello from the fake');
    expect(fake.calls).toHaveLength(3);
    expect(endpoint.state).toBe('half_open');

    await ask(endpoint);
    expect(fake.calls).toHaveLength(4);
    expect(endpoint.state).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);

    // Closed again: calls go through, and it takes failureThreshold fresh failures to reopen.
    await ask(endpoint);
    expect(fake.calls).toHaveLength(5);
    expect(endpoint.counts).toEqual({ successes: 3, failures: 2, refused: 0, rejected: 1 });
  });

  it('reopens when a trial call fails, and refuses again until the next cool-down', async () => {
    const { endpoint, states } = guard(
      settings({ breaker: { failureThreshold: 2, halfOpenAfterMs: 200, successThreshold: 2 } }),
    );
    await openBreaker(endpoint, 2);
    pass(260);

    fake.behave({ fail: { status: 500, times: 1 } });
    const trial = await failure(ask(endpoint));
    expect(trial).toMatchObject({ code: 'http', status: 500 });
    expect(fake.calls).toHaveLength(3);
    expect(endpoint.state).toBe('open');

    expect((await failure(ask(endpoint))).code).toBe('breaker_open');
    expect(fake.calls).toHaveLength(3);

    pass(260);
    await ask(endpoint);
    expect(fake.calls).toHaveLength(4);
    expect(endpoint.state).toBe('half_open');
    expect(states).toEqual(['open', 'half_open', 'open', 'half_open']);
  });
});

describe('ResilientEndpoint: retries', () => {
  it.each([500, 503, 429])('retries HTTP %i up to maxAttempts attempts in all', async (status) => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 10 }, retry: { maxAttempts: 3 } }));
    fake.behave({ fail: { status } });
    const error = await failure(ask(endpoint));
    expect(error).toMatchObject({ code: 'http', status });
    expect(fake.calls).toHaveLength(3);
    expect(endpoint.counts).toEqual({ successes: 0, failures: 3, refused: 0, rejected: 0 });
  });

  it("waits at least the upstream's Retry-After before retrying a 429", async () => {
    const { endpoint } = guard(settings({ retry: { maxAttempts: 2, maxDelayMs: 5000 } }));
    fake.behave({ reply: 'after the wait', fail: { status: 429, times: 1, retryAfter: 1 } });
    expect((await ask(endpoint)).content).toBe('after the wait');
    const [first, second] = fake.calls;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('does not retry a 429 whose Retry-After is longer than maxDelayMs: it fails at once, for the next link', async () => {
    const capped = guard(settings({ retry: { maxAttempts: 3, maxDelayMs: 20 } }));
    fake.behave({ fail: { status: 429, times: 1, retryAfter: 30 } });
    await expect(ask(capped.endpoint)).rejects.toMatchObject({ code: 'http', status: 429 });
    expect(fake.calls).toHaveLength(1);
  });

  it('answers when a retry succeeds', async () => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 10 }, retry: { maxAttempts: 3 } }));
    fake.behave({ reply: 'third time lucky', fail: { status: 503, times: 2 } });
    const result = await ask(endpoint);
    expect(result.content).toBe('third time lucky');
    expect(fake.calls).toHaveLength(3);
    expect(endpoint.counts).toEqual({ successes: 1, failures: 2, refused: 0, rejected: 0 });
  });

  it('retries a refused connection up to maxAttempts attempts', async () => {
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const viaCounting = createOllamaProvider({ host: fake.url, fetch: counting });
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 10 }, retry: { maxAttempts: 3 } }));
    await fake.down();

    const error = await failure(ask(endpoint, undefined, viaCounting));
    expect(error.code).toBe('connection');
    expect(attempts).toBe(3);
    expect(endpoint.counts).toEqual({ successes: 0, failures: 3, refused: 0, rejected: 0 });

    await fake.up();
    expect((await ask(endpoint, undefined, viaCounting)).content).toBe('Hello from the fake');
    expect(attempts).toBe(4);
  });

  it.each([400, 404])('does not retry HTTP %i', async (status) => {
    const { endpoint } = guard(settings({ retry: { maxAttempts: 3 } }));
    fake.behave({ fail: { status } });
    const error = await failure(ask(endpoint));
    expect(error).toMatchObject({ code: 'http', status });
    expect(error.retryable).toBe(false);
    expect(fake.calls).toHaveLength(1);
    // Refused by the upstream: shown to the operator, never counted toward the breaker.
    expect(endpoint.counts).toEqual({ successes: 0, failures: 0, refused: 1, rejected: 0 });
  });

  it('does not retry an unreadable answer', async () => {
    const { endpoint } = guard(settings({ retry: { maxAttempts: 3 } }));
    fake.behave({ garbage: true });
    const error = await failure(ask(endpoint));
    expect(error.code).toBe('bad_response');
    expect(fake.calls).toHaveLength(1);
  });
});

describe('ResilientEndpoint: timeout and cancel', () => {
  /**
   * Long enough for a request to reach the fake on a loaded machine before its attempt times out
   * (at 50 ms an attempt could end before the fake had seen it).
   */
  const ATTEMPT_MS = 400;

  it('gives up on a hanging endpoint after requestTimeoutMs per attempt, with code timeout', async () => {
    const { endpoint } = guard(
      settings({
        requestTimeoutMs: ATTEMPT_MS,
        breaker: { failureThreshold: 10 },
        retry: { maxAttempts: 2 },
      }),
    );
    fake.behave({ hang: true });
    const error = await failure(ask(endpoint));
    expect(error.code).toBe('timeout');
    expect(error.provider).toBe('ollama');
    expect(error.retryable).toBe(true);
    expect(fake.calls).toHaveLength(2);
    expect(endpoint.counts).toEqual({ successes: 0, failures: 2, refused: 0, rejected: 0 });
  }, 5000);

  it('counts timeouts toward opening the breaker', async () => {
    const { endpoint } = guard(settings({ requestTimeoutMs: ATTEMPT_MS, breaker: { failureThreshold: 2 } }));
    fake.behave({ hang: true });
    expect((await failure(ask(endpoint))).code).toBe('timeout');
    expect((await failure(ask(endpoint))).code).toBe('timeout');
    expect(endpoint.state).toBe('open');
    expect((await failure(ask(endpoint))).code).toBe('breaker_open');
    expect(fake.calls).toHaveLength(2);
  }, 5000);

  it("stops at the caller's abort with code aborted, without retrying", async () => {
    const { endpoint } = guard(settings({ requestTimeoutMs: 10_000, retry: { maxAttempts: 3 } }));
    fake.behave({ hang: true });
    const controller = new AbortController();
    const pending = failure(ask(endpoint, controller.signal));
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1), { timeout: 2000, interval: 5 });
    controller.abort();

    const error = await pending;
    expect(error.code).toBe('aborted');
    expect(fake.calls).toHaveLength(1);
    expect(endpoint.state).toBe('closed');
  }, 5000);

  it('does not call at all when the signal has already fired', async () => {
    const { endpoint } = guard(settings({ retry: { maxAttempts: 3 } }));
    const error = await failure(ask(endpoint, AbortSignal.abort()));
    expect(error.code).toBe('aborted');
    expect(fake.calls).toHaveLength(0);
  });
});

describe('ResilientEndpoint: reset and counts', () => {
  it('reset() closes an open breaker and zeroes the counts', async () => {
    const { endpoint, states } = guard(
      settings({ breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 } }),
    );
    await openBreaker(endpoint, 2);
    expect((await failure(ask(endpoint))).code).toBe('breaker_open');
    expect(endpoint.counts).toEqual({ successes: 0, failures: 2, refused: 0, rejected: 1 });

    endpoint.reset();
    expect(endpoint.state).toBe('closed');
    expect(states.at(-1)).toBe('closed');
    expect(endpoint.counts).toEqual({ successes: 0, failures: 0, refused: 0, rejected: 0 });

    expect((await ask(endpoint)).content).toBe('Hello from the fake');
    expect(fake.calls).toHaveLength(3);
    expect(endpoint.counts).toEqual({ successes: 1, failures: 0, refused: 0, rejected: 0 });
  });

  it('counts successes, failures and refusals as they happen', async () => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 } }));
    expect(endpoint.counts).toEqual({ successes: 0, failures: 0, refused: 0, rejected: 0 });
    await ask(endpoint);
    await ask(endpoint);
    expect(endpoint.counts).toEqual({ successes: 2, failures: 0, refused: 0, rejected: 0 });

    fake.behave({ fail: { status: 400, times: 1 } });
    await failure(ask(endpoint));
    expect(endpoint.counts).toEqual({ successes: 2, failures: 0, refused: 1, rejected: 0 });

    fake.behave({ fail: { status: 500 } });
    await failure(ask(endpoint));
    await failure(ask(endpoint));
    await failure(ask(endpoint));
    await failure(ask(endpoint));
    expect(endpoint.counts).toEqual({ successes: 2, failures: 2, refused: 1, rejected: 2 });
  });
});

describe('ResilientEndpoint: state reporting', () => {
  useBreakerClock();

  it('reports half_open once the cool-down is over, before the next call', async () => {
    const { endpoint, states } = guard(settings({ breaker: { failureThreshold: 2, halfOpenAfterMs: 150 } }));
    await openBreaker(endpoint, 2);
    pass(60);
    expect(endpoint.state).toBe('open');

    pass(150);
    // No call since it opened: cockatiel itself still says open, the guard says half-open.
    expect(endpoint.state).toBe('half_open');
    await vi.waitFor(() => expect(states).toEqual(['open', 'half_open']), { timeout: 5000, interval: 10 });
    expect(fake.calls).toHaveLength(2);

    expect((await ask(endpoint)).content).toBe('Hello from the fake');
    expect(endpoint.state).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('tells onStateChange about half-open without a call (the metrics gauge follows)', async () => {
    const { endpoint, states } = guard(settings({ breaker: { failureThreshold: 1, halfOpenAfterMs: 100 } }));
    await openBreaker(endpoint, 1);
    pass(100); // the cool-down is over; the guard's own wake-up timer (real) tells it
    await vi.waitFor(() => expect(states).toEqual(['open', 'half_open']), { timeout: 5000, interval: 10 });
    expect(fake.calls).toHaveLength(1);
  });

  it('stays open for the whole cool-down after a failed trial', async () => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 1, halfOpenAfterMs: 150 } }));
    await openBreaker(endpoint, 1);
    pass(180);
    expect(endpoint.state).toBe('half_open');
    fake.behave({ fail: { status: 500, times: 1 } });
    await failure(ask(endpoint));
    expect(endpoint.state).toBe('open');
    pass(60);
    expect(endpoint.state).toBe('open');
    pass(120);
    expect(endpoint.state).toBe('half_open');
  });
});

describe('ResilientEndpoint: health verdicts (forceOpen, probeAgain)', () => {
  useBreakerClock();

  it('forceOpen opens a closed breaker at once: calls are refused without calling, then the usual trial', async () => {
    const { endpoint, states } = guard(settings({ breaker: { failureThreshold: 5, halfOpenAfterMs: 200 } }));
    await endpoint.forceOpen();
    expect(endpoint.state).toBe('open');
    expect(states).toEqual(['open']);
    expect((await failure(ask(endpoint))).code).toBe('breaker_open');
    expect(fake.calls).toHaveLength(0);
    expect(endpoint.counts).toEqual({ successes: 0, failures: 0, refused: 0, rejected: 1 });

    pass(210);
    expect(endpoint.state).toBe('half_open');
    expect((await ask(endpoint)).content).toBe('Hello from the fake');
    expect(endpoint.state).toBe('closed');
    expect(fake.calls).toHaveLength(1);
  });

  it('forceOpen on an open breaker starts its cool-down again', async () => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 1, halfOpenAfterMs: 200 } }));
    await openBreaker(endpoint, 1);
    pass(150);
    await endpoint.forceOpen();
    pass(100); // 250 ms since it opened, 100 since the check: still open
    expect(endpoint.state).toBe('open');
    expect((await failure(ask(endpoint))).code).toBe('breaker_open');
    pass(110);
    expect(endpoint.state).toBe('half_open');
  });

  it('forceOpen reopens a half-open breaker before its trial', async () => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 1, halfOpenAfterMs: 200 } }));
    await openBreaker(endpoint, 1);
    pass(210);
    expect(endpoint.state).toBe('half_open');
    await endpoint.forceOpen();
    expect(endpoint.state).toBe('open');
    expect((await failure(ask(endpoint))).code).toBe('breaker_open');
    expect(fake.calls).toHaveLength(1);
  });

  it('probeAgain turns an open breaker half-open at once; trial successes close it', async () => {
    const { endpoint, states } = guard(
      settings({ breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000, successThreshold: 2 } }),
    );
    await openBreaker(endpoint, 2);
    await endpoint.probeAgain();
    expect(endpoint.state).toBe('half_open');
    expect(states).toEqual(['open', 'half_open']);

    await ask(endpoint);
    expect(endpoint.state).toBe('half_open');
    await ask(endpoint);
    expect(endpoint.state).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
    expect(fake.calls).toHaveLength(4);
  });

  it('after probeAgain, a failing trial opens the breaker again for a whole cool-down', async () => {
    const { endpoint } = guard(settings({ breaker: { failureThreshold: 2, halfOpenAfterMs: 200 } }));
    await openBreaker(endpoint, 2);
    await endpoint.probeAgain();
    fake.behave({ fail: { status: 500, times: 1 } });
    expect((await failure(ask(endpoint))).code).toBe('http');
    expect(endpoint.state).toBe('open');
    expect((await failure(ask(endpoint))).code).toBe('breaker_open');
    pass(150);
    expect(endpoint.state).toBe('open');
  });

  it('probeAgain leaves a closed breaker and its failure count alone', async () => {
    const { endpoint, states } = guard(settings({ breaker: { failureThreshold: 2 } }));
    fake.behave({ fail: { status: 500, times: 1 } });
    await failure(ask(endpoint));
    await endpoint.probeAgain();
    expect(endpoint.state).toBe('closed');
    fake.behave({ fail: { status: 500, times: 1 } });
    await failure(ask(endpoint));
    expect(endpoint.state).toBe('open'); // the first failure still counted
    expect(states).toEqual(['open']);
  });
});

describe('ResilientEndpoint: a shared store that fails', () => {
  /** A store whose every operation rejects, as the Redis store does while Redis is down. */
  function failingStore(): { store: SharedBreakerStore; ops: string[] } {
    const ops: string[] = [];
    const fail = (name: string) => async (): Promise<never> => {
      ops.push(name);
      throw new SharedBreakerUnavailableError('down');
    };
    const store: SharedBreakerStore = {
      check: fail('check'),
      recordFailure: fail('recordFailure'),
      recordSuccess: fail('recordSuccess'),
      open: fail('open'),
      forceOpen: fail('forceOpen'),
      endOpen: fail('endOpen'),
      endTrial: fail('endTrial'),
      reset: fail('reset'),
    };
    return { store, ops };
  }

  it('never fails a call: the local breaker decides alone', async () => {
    const { store, ops } = failingStore();
    const endpoint = new ResilientEndpoint(
      'ollama',
      fake.url,
      settings({ breaker: { failureThreshold: 2 } }),
      undefined,
      {
        store,
        id: 'ollama test',
      },
    );
    expect((await ask(endpoint)).content).toBe('Hello from the fake');
    expect(ops).toEqual(['check']);

    fake.behave({ fail: { status: 500 } });
    expect((await failure(ask(endpoint))).code).toBe('http');
    expect((await failure(ask(endpoint))).code).toBe('http');
    expect(endpoint.state).toBe('open');
    expect((await failure(ask(endpoint))).code).toBe('breaker_open');
    expect(fake.calls).toHaveLength(3);
    expect(ops).toContain('recordFailure');
    expect(ops).toContain('open');

    await expect(endpoint.reset()).resolves.toBeUndefined();
    expect(endpoint.state).toBe('closed');
    expect(ops.at(-1)).toBe('reset');

    // Health verdicts act on the local breaker alone, and never reject either.
    fake.reset();
    await expect(endpoint.forceOpen()).resolves.toBeUndefined();
    expect(endpoint.state).toBe('open');
    expect(ops.at(-1)).toBe('forceOpen');
    await expect(endpoint.probeAgain()).resolves.toBeUndefined();
    expect(endpoint.state).toBe('half_open');
    expect(ops.at(-1)).toBe('endOpen');
    expect((await ask(endpoint)).content).toBe('Hello from the fake');
    expect(endpoint.state).toBe('closed');
  });
});
