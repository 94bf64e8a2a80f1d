import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type HealthCheck, HealthMonitor, type HealthTarget } from '../../src/ai/health-monitor.js';
import { ProviderError } from '../../src/ai/providers/provider.js';
import { createLogger } from '../../src/observability/logger.js';

/**
 * The monitor's scheduling and verdicts, on a clock the test moves (`setTimeout` is faked, so an
 * interval passes only when a test says so) and on endpoints whose model list answers when the test
 * says so. What the checks do against real servers is in test/http/provider-health.test.ts.
 */

const INTERVAL_MS = 1000;
const TIMEOUT_MS = 60_000;

/** How the next model list call ends: answered, failed, or left to the test (`held`). */
type Answer = { names: string[] } | { error: unknown } | 'held';

/** An endpoint the monitor checks: its model list calls, and what the monitor did to its breaker. */
interface Endpoint {
  target: HealthTarget;
  /** The signal of each model list call, oldest first. */
  calls: AbortSignal[];
  /** `forceOpen` / `probeAgain`, in order. */
  verdicts: string[];
  /** Ends the held call (the latest) with `names`. */
  release(names?: string[]): void;
  next: Answer;
}

function endpoint(): Endpoint {
  let release: (names: string[]) => void = () => {};
  const made: Endpoint = {
    calls: [],
    verdicts: [],
    next: { names: ['llama3.2'] },
    release: (names = ['llama3.2']) => release(names),
    target: {
      provider: {
        kind: 'ollama',
        endpoint: 'http://127.0.0.1:11434',
        models: (signal?: AbortSignal) => {
          made.calls.push(signal as AbortSignal);
          const answer = made.next;
          if (answer === 'held') {
            return new Promise<string[]>((resolve, reject) => {
              release = resolve;
              signal?.addEventListener('abort', () =>
                reject(new ProviderError('ollama: aborted', 'aborted', 'ollama')),
              );
            });
          }
          return 'error' in answer ? Promise.reject(answer.error) : Promise.resolve(answer.names);
        },
      },
      guard: {
        forceOpen: async () => {
          made.verdicts.push('forceOpen');
        },
        probeAgain: async () => {
          made.verdicts.push('probeAgain');
        },
      },
    },
  };
  return made;
}

/** A monitor over `endpoints`, and the checks it reported, each resolving `checked` waiters. */
function monitor(endpoints: Endpoint[], intervalMs = INTERVAL_MS) {
  const checks: HealthCheck[] = [];
  const waiters: Array<() => void> = [];
  const health = new HealthMonitor({
    intervalMs,
    timeoutMs: TIMEOUT_MS,
    targets: () => endpoints.map((each) => each.target),
    observer: {
      checked: (_target, check) => {
        checks.push(check);
        waiters.splice(0).forEach((wake) => {
          wake();
        });
      },
    },
  });
  /** Resolves once `count` checks have been reported in all. */
  const checked = async (count: number): Promise<void> => {
    while (checks.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { health, checks, checked };
}

let open: HealthMonitor[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(async () => {
  await Promise.all(open.map((health) => health.close()));
  open = [];
  vi.useRealTimers();
});

function started(endpoints: Endpoint[], intervalMs?: number) {
  const made = monitor(endpoints, intervalMs);
  open.push(made.health);
  made.health.start();
  return made;
}

describe('HealthMonitor: scheduling', () => {
  it('checks every endpoint at start, then once per interval after each round ends', async () => {
    const [a, b] = [endpoint(), endpoint()];
    const { checked } = started([a, b]);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
    await checked(2);

    await vi.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(a.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.calls).toHaveLength(2);
    expect(b.calls).toHaveLength(2);
  });

  it('never starts a round while one runs: a slow check holds the next one back', async () => {
    const [a, slow] = [endpoint(), endpoint()];
    slow.next = 'held';
    const { checked } = started([a, slow]);
    await checked(1); // a answered; the slow one has not

    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 10);
    expect(a.calls).toHaveLength(1);
    expect(slow.calls).toHaveLength(1);

    slow.next = { names: [] };
    slow.release();
    await checked(2);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(a.calls).toHaveLength(2);
    expect(slow.calls).toHaveLength(2);
  });

  it('close stops the checks: no round after it', async () => {
    const a = endpoint();
    const { health, checked } = started([a]);
    await checked(1);
    expect(health.running).toBe(true);
    await health.close();
    expect(health.running).toBe(false);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 10);
    expect(a.calls).toHaveLength(1);
    health.start(); // closed for good
    expect(a.calls).toHaveLength(1);
  });

  it('close cuts a running check short and drops its result, acting on no breaker', async () => {
    const a = endpoint();
    a.next = 'held';
    const { health, checks } = started([a]);
    expect(a.calls[0]?.aborted).toBe(false);
    await health.close();
    expect(a.calls[0]?.aborted).toBe(true);
    expect(checks).toEqual([]);
    expect(a.verdicts).toEqual([]);
    expect(health.lastCheck(a.target)).toBeUndefined();
  });

  it('does nothing with an interval of 0, and starts once only', async () => {
    const a = endpoint();
    const off = started([a], 0);
    expect(off.health.running).toBe(false);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 10);
    expect(a.calls).toHaveLength(0);

    const on = started([a]);
    on.health.start();
    expect(a.calls).toHaveLength(1);
  });

  it('reads the endpoints at each round: one built meanwhile is checked at the next', async () => {
    const endpoints = [endpoint()];
    const { checked } = started(endpoints);
    await checked(1);
    const later = endpoint();
    endpoints.push(later);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(later.calls).toHaveLength(1);
  });
});

describe('HealthMonitor: verdicts', () => {
  it('an endpoint that answers is up: its open breaker is told to probe again', async () => {
    const a = endpoint();
    const { health, checked } = started([a]);
    await checked(1);
    expect(health.lastCheck(a.target)).toEqual({
      checkedAt: expect.any(Number),
      latencyMs: expect.any(Number),
      result: 'up',
    });
    expect(a.verdicts).toEqual(['probeAgain']);
  });

  it.each([
    ['no connection', new ProviderError('ollama: connection refused (ECONNREFUSED)', 'connection', 'ollama')],
    ['a 503', new ProviderError('Ollama answered 503 overloaded', 'http', 'ollama', 503)],
    [
      'an unreadable answer',
      new ProviderError('Ollama /api/tags answered without models', 'bad_response', 'ollama'),
    ],
  ])('an endpoint with %s is down: its breaker is opened', async (_what, error) => {
    const a = endpoint();
    a.next = { error };
    const { health, checked } = started([a]);
    await checked(1);
    expect(health.lastCheck(a.target)).toMatchObject({ result: 'down', error: error.message });
    expect(a.verdicts).toEqual(['forceOpen']);
  });

  it('an endpoint that refuses (a 4xx) answers: up, with the refusal as its error', async () => {
    const a = endpoint();
    const error = new ProviderError(
      'OpenAI-compatible server answered 401 invalid key',
      'http',
      'openai',
      401,
    );
    a.next = { error };
    const { health, checked } = started([a]);
    await checked(1);
    expect(health.lastCheck(a.target)).toMatchObject({ result: 'up', error: error.message });
    expect(a.verdicts).toEqual(['probeAgain']);
  });

  it('an endpoint with no answer within the timeout is down, and the check is aborted', async () => {
    const a = endpoint();
    a.next = 'held';
    const { health, checked } = started([a]);
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    await checked(1);
    expect(a.calls[0]?.aborted).toBe(true);
    expect(health.lastCheck(a.target)).toMatchObject({
      result: 'down',
      error: `no answer within ${TIMEOUT_MS} ms`,
    });
    expect(a.verdicts).toEqual(['forceOpen']);
  });

  it('logs an endpoint going down and coming back once each, naming only its public endpoint', async () => {
    const a = endpoint();
    a.next = { error: new ProviderError('ollama: connection refused', 'connection', 'ollama') };
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const health = new HealthMonitor({
      intervalMs: INTERVAL_MS,
      timeoutMs: TIMEOUT_MS,
      targets: () => [a.target],
      logger: logger.child({ component: 'health' }),
    });
    open.push(health);
    health.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS); // down again: no second line
    a.next = { names: ['llama3.2'] };
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS); // up again: no second line
    expect(a.calls).toHaveLength(4);
    expect(lines.map((line) => line.level)).toEqual([40, 30]);
    expect(lines[0]).toMatchObject({
      component: 'health',
      provider: 'ollama',
      endpoint: 'http://127.0.0.1:11434',
      err: 'ollama: connection refused',
      msg: 'provider ollama at http://127.0.0.1:11434 is down: its breaker is open',
    });
    expect(lines[1]).toMatchObject({ msg: 'provider ollama at http://127.0.0.1:11434 answers again' });
  });

  it('never throws: a check, a breaker or the endpoint list failing leaves the next rounds running', async () => {
    const a = endpoint();
    a.target.provider.models = () => {
      throw new TypeError('a bug of ours');
    };
    a.target.guard!.forceOpen = () => Promise.reject(new Error('breaker store down'));
    let listFails = false;
    const checks: HealthCheck[] = [];
    let wake: () => void = () => {};
    const checked = (count: number) =>
      checks.length >= count ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve));
    const health = new HealthMonitor({
      intervalMs: INTERVAL_MS,
      timeoutMs: TIMEOUT_MS,
      targets: () => {
        if (listFails) throw new Error('registry broken');
        return [a.target];
      },
      observer: {
        checked: (_target, check) => {
          checks.push(check);
          wake();
          throw new Error('metrics broken');
        },
      },
    });
    open.push(health);
    health.start();
    await checked(1);
    expect(checks[0]).toMatchObject({ result: 'down', error: 'TypeError while checking' });

    listFails = true;
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    listFails = false;
    a.target.provider.models = async () => ['llama3.2'];
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    await checked(2);
    expect(checks[1]).toMatchObject({ result: 'up' });
  });
});
