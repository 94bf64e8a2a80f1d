import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  type IPolicy,
  IsolatedCircuitError,
  isTaskCancelledError,
  retry,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { ProviderError, type ProviderKind } from './providers/provider.js';
import { RetryAfterBackoff } from './retry-after-backoff.js';

/** Timeout, retry and breaker thresholds for one provider endpoint (see `ai` in the config schema). */
export interface ResilienceSettings {
  /** One attempt, ms. */
  requestTimeoutMs: number;
  breaker: { failureThreshold: number; timeoutMs: number; successThreshold: number };
  /** `maxAttempts` counts the first attempt; delays in ms. */
  retry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number };
}

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

/** Failures that say the endpoint is unwell; a 4xx or our own cancel says nothing about it. */
const endpointFailure = handleWhen(
  (error) => error instanceof ProviderError && (error.retryable || error.code === 'bad_response'),
);
const retryableFailure = handleWhen((error) => error instanceof ProviderError && error.retryable);

/**
 * The guard around one provider endpoint, built from cockatiel policies:
 * retry (exponential backoff with decorrelated jitter, at least the upstream's Retry-After,
 *   retryable ProviderErrors only)
 *   → circuit breaker (CLOSED → OPEN after `failureThreshold` consecutive failed attempts →
 *     HALF_OPEN after `timeoutMs` → CLOSED after `successThreshold` successful trial calls)
 *     → timeout per attempt (aborts the call's signal): `requestTimeoutMs`, or the caller's own
 *       (a stream's first-byte timeout).
 * The breaker sits inside the retry so that every attempt counts, and an opening breaker stops the
 * remaining retries at once.
 */
export class ResilientEndpoint {
  private policy!: IPolicy;
  private readonly timeouts = new Map<number, TimeoutPolicy>();
  private breaker!: ReturnType<typeof circuitBreaker>;
  /** Calls that ran, failed, or were refused by the open breaker since start (or the last reset). */
  readonly counts = { successes: 0, failures: 0, rejected: 0 };

  constructor(
    readonly kind: ProviderKind,
    readonly endpoint: string,
    private readonly settings: ResilienceSettings,
    private readonly onStateChange: (state: BreakerState) => void = () => {},
  ) {
    this.build();
  }

  get state(): BreakerState {
    return STATE_NAMES[this.breaker.state];
  }

  /** Closes the breaker and zeroes the counts (admin reset). */
  reset(): void {
    this.build();
    this.onStateChange('closed');
  }

  /**
   * Runs `call` under the policies. `call` gets a signal that fires on the attempt's timeout or on
   * the caller's `signal`.
   * @throws ProviderError: the call's own error after the last attempt; code `timeout` when every
   *   attempt timed out; `breaker_open` when the breaker refused; `aborted` when `signal` fired.
   */
  async execute<T>(
    call: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
    timeoutMs = this.settings.requestTimeoutMs,
  ): Promise<T> {
    const attemptTimeout = this.timeoutPolicy(timeoutMs);
    try {
      const result = await this.policy.execute(
        ({ signal: retrySignal }) =>
          attemptTimeout.execute(
            ({ signal: attemptSignal }) => this.attempt(call, attemptSignal, signal, timeoutMs),
            retrySignal,
          ),
        signal,
      );
      return result as T;
    } catch (error) {
      throw this.translate(error, signal, timeoutMs);
    }
  }

  /**
   * One timeout policy per duration. Cooperative: the attempt's signal fires and the provider's own
   * abort ends the call (an aggressive timeout would leave the HTTP request running behind our
   * back). The signal is not aborted when the call returns, so a stream opened by the call lives on.
   */
  private timeoutPolicy(timeoutMs: number): TimeoutPolicy {
    let policy = this.timeouts.get(timeoutMs);
    if (!policy) {
      policy = timeout(timeoutMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false });
      this.timeouts.set(timeoutMs, policy);
    }
    return policy;
  }

  private async attempt<T>(
    call: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<T> {
    try {
      const result = await call(signal);
      this.counts.successes++;
      return result;
    } catch (error) {
      this.counts.failures++;
      // A timeout aborts the signal; the provider then reports `aborted`, which is our timeout.
      if (
        signal.aborted &&
        !callerSignal?.aborted &&
        error instanceof ProviderError &&
        error.code === 'aborted'
      ) {
        throw new ProviderError(`${this.kind}: no answer within ${timeoutMs} ms`, 'timeout', this.kind);
      }
      throw error;
    }
  }

  private translate(error: unknown, signal: AbortSignal | undefined, timeoutMs: number): unknown {
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      this.counts.rejected++;
      return new ProviderError(`${this.kind}: circuit breaker open`, 'breaker_open', this.kind);
    }
    if (isTaskCancelledError(error)) {
      return signal?.aborted
        ? new ProviderError(`${this.kind}: cancelled`, 'aborted', this.kind)
        : new ProviderError(`${this.kind}: no answer within ${timeoutMs} ms`, 'timeout', this.kind);
    }
    return error;
  }

  private build(): void {
    const { breaker, retry: retrySettings } = this.settings;
    this.counts.successes = this.counts.failures = this.counts.rejected = 0;
    this.breaker = circuitBreaker(endpointFailure, {
      breaker: new ConsecutiveBreaker(breaker.failureThreshold),
      halfOpenAfter: breaker.timeoutMs,
      halfOpenSampling: { calls: breaker.successThreshold, threshold: 0 },
    });
    this.breaker.onStateChange((state) => this.onStateChange(STATE_NAMES[state]));
    const retryPolicy = retry(retryableFailure, {
      maxAttempts: retrySettings.maxAttempts - 1,
      backoff: new RetryAfterBackoff(
        new ExponentialBackoff({
          initialDelay: retrySettings.initialDelayMs,
          maxDelay: retrySettings.maxDelayMs,
        }),
        retrySettings.maxDelayMs,
      ),
    });
    this.policy = wrap(retryPolicy, this.breaker);
  }
}
