import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  IsolatedCircuitError,
  isTaskCancelledError,
  type RetryPolicy,
  retry,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import { RetryAfterBackoff } from '../core/retry-after-backoff.js';
import { ProviderError, type ProviderKind } from './providers/provider.js';
import type { SharedBreakerLimits, SharedBreakerStore, SharedBreakerView } from './shared-breaker.js';

/** Timeout, retry and breaker thresholds for one provider endpoint (see `ai` in the config schema). */
export interface ResilienceSettings {
  /** One attempt, ms. */
  requestTimeoutMs: number;
  breaker: { failureThreshold: number; halfOpenAfterMs: number; successThreshold: number };
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

/** Worse states win when the local and the shared breaker disagree. */
const STATE_RANK: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2, isolated: 3 };

/** How much longer than one attempt's timeout a trial may hold the shared trial, ms. */
const TRIAL_MARGIN_MS = 1000;

/**
 * Failures that say the endpoint is unwell: its answer (5xx, 408, 429, unreadable) or the way to it
 * (connection, timeout). A 4xx, our own cancel, a request that could not be built (`invalid_request`)
 * and anything that is not a ProviderError (our own code failing) say nothing about it. Callers
 * build their request before `execute` (ChatProvider.prepare): cockatiel counts any error it does
 * not handle as a success in half-open, so a failure of ours inside the guard would close it.
 */
function isEndpointFailure(error: unknown): boolean {
  return error instanceof ProviderError && (error.retryable || error.code === 'bad_response');
}
const endpointFailure = handleWhen(isEndpointFailure);
/**
 * A failure worth another attempt on the same endpoint: a retryable one whose `Retry-After` (if any)
 * fits within `maxDelayMs`. An upstream that asks for longer is not asked again early (likely another
 * 429): the call fails at once, and the next link of the chain answers.
 */
const retryableFailure = (maxDelayMs: number) =>
  handleWhen(
    (error) => error instanceof ProviderError && error.retryable && (error.retryAfterMs ?? 0) <= maxDelayMs,
  );

/** The breaker state an endpoint shares with the other instances: where, and under which id. */
export interface SharedBreaker {
  store: SharedBreakerStore;
  /** The endpoint's identity (the store keeps only a hash of it). */
  id: string;
}

/** The shared state as last seen; `until`: when an open breaker's cool-down ends, ms since the epoch. */
interface SeenShared {
  state: SharedBreakerView['state'];
  until: number;
  failures: number;
}

/** cockatiel's breaker snapshot (`CircuitBreakerPolicy.toJSON()`, its `initialState`), as cockatiel 4 writes it. */
interface BreakerSnapshot {
  ownState: { value: CircuitState; openedAt?: number; attemptNo?: number };
  breakerState: unknown;
}

/** What one `execute` call holds: whether it took the shared half-open trial and has not ended it. */
interface CallState {
  trial: boolean;
}

/**
 * The guard around one provider endpoint, built from cockatiel policies:
 * retry (exponential backoff with decorrelated jitter, at least the upstream's Retry-After,
 *   retryable ProviderErrors only)
 *   → circuit breaker (CLOSED → OPEN after `failureThreshold` consecutive failed attempts →
 *     HALF_OPEN after `halfOpenAfterMs` → CLOSED after `successThreshold` successful trial calls)
 *     → timeout per attempt (aborts the call's signal): `requestTimeoutMs`, or the caller's own
 *       (a stream's first-byte timeout).
 * The breaker sits inside the retry so that every attempt counts, and an opening breaker stops the
 * remaining retries at once.
 *
 * With a `shared` store (Redis), the endpoint's breaker is also shared between instances: before
 * each call one round trip reads the shared state, and a call is refused (`breaker_open`, without
 * calling the endpoint) while it is open or while another instance runs the half-open trial. Each
 * endpoint failure is counted there too, a success clears the count, and the local breaker opening
 * on its own opens the shared one. Shared half-open closes after one successful trial. While the
 * store does not answer, the local breaker alone decides; no store error ever fails a call.
 */
export class ResilientEndpoint {
  private retryPolicy!: RetryPolicy;
  private readonly timeouts = new Map<number, TimeoutPolicy>();
  private breaker!: CircuitBreakerPolicy;
  /** When the local breaker last opened, ms since the epoch. */
  private openedAt = 0;
  private seen: SeenShared | undefined;
  /** The state last passed to `onStateChange`. */
  private published: BreakerState = 'closed';
  /** Wakes up when a cool-down ends, to report half-open without waiting for a call. */
  private wake: NodeJS.Timeout | undefined;
  /**
   * Since start (or the last reset): attempts that answered (`successes`); attempts that failed in a
   * way that counts toward the breaker (`failures`: no connection, a timeout, a 5xx or 429, garbage);
   * attempts the upstream refused without saying anything about its health (`refused`: a 4xx such as
   * a wrong key or an unknown model, which an operator must see but which never opens the breaker);
   * and calls the open breaker turned away without calling (`rejected`). A caller's own abort is none.
   */
  readonly counts = { successes: 0, failures: 0, refused: 0, rejected: 0 };

  /**
   * @param onStateChange told each time `state` changes (the metrics gauge).
   * @param shared the shared breaker state and this endpoint's id in it; without it, the breaker is
   *   this process's own.
   */
  constructor(
    readonly kind: ProviderKind,
    readonly endpoint: string,
    private readonly settings: ResilienceSettings,
    private readonly onStateChange: (state: BreakerState) => void = () => {},
    private readonly shared?: SharedBreaker,
  ) {
    this.build();
  }

  /**
   * The breaker's state: the worse of the local breaker's and the shared one as last seen (open if
   * the shared breaker was seen open and its cool-down has not ended). `half_open` as soon as an open
   * breaker's cool-down is over, even before the next call lets the trial through.
   */
  get state(): BreakerState {
    const local = this.localState();
    const shared = this.sharedState();
    return STATE_RANK[shared] > STATE_RANK[local] ? shared : local;
  }

  /**
   * Closes the breaker and zeroes the counts (admin reset), and clears the shared state. The local
   * breaker is closed at once; the promise settles once the shared keys are cleared (or the store
   * failed to answer) and never rejects.
   */
  reset(): Promise<void> {
    this.build();
    this.openedAt = 0;
    this.seen = undefined;
    this.published = 'closed';
    this.onStateChange('closed');
    this.arm();
    return this.sharedOp((store, id) => store.reset(id)).then(() => undefined);
  }

  /**
   * A health check found the endpoint down: the breaker opens now (from closed or half-open), or,
   * open already, starts its cool-down again from now, so that no caller waits for a timeout on an
   * endpoint just seen down. Afterwards it behaves as a breaker that opened on its own: calls are
   * refused (`breaker_open`) until the cool-down ends, then the next call is the half-open trial.
   * With a shared store, the breaker opens (and its cool-down restarts) for every instance. An
   * isolated breaker stays isolated. The local breaker changes at once; the promise settles once the
   * shared store answered (or failed to) and never rejects.
   */
  async forceOpen(): Promise<void> {
    if (this.breaker.state !== CircuitState.Isolated) {
      this.reopen(Date.now());
      this.publish();
    }
    if (!this.shared) return;
    const limits = this.limits(this.settings.requestTimeoutMs);
    const done = await this.sharedOp((store, id) => store.forceOpen(id, limits).then(() => true));
    if (done) {
      const { failureThreshold, halfOpenAfterMs } = limits;
      this.see({ state: 'open', trial: false, remainingMs: halfOpenAfterMs, failures: failureThreshold });
    }
  }

  /**
   * A health check found the endpoint answering: an open breaker (local, or shared with other
   * instances) ends its cool-down now and turns half-open, so that the next call is the trial that
   * closes it (after `successThreshold` successes) or opens it again. A closed, half-open or isolated
   * breaker is left as it is. Settles once the shared store answered (or failed to); never rejects.
   */
  async probeAgain(): Promise<void> {
    if (this.localState() === 'open') {
      this.reopen(0);
      this.publish();
    }
    if (!this.shared) return;
    // Another instance may have opened it since this one last looked: ask the store every time.
    const wasOpen = await this.sharedOp((store, id) => store.endOpen(id));
    if (wasOpen || this.sharedState() === 'open') {
      const failures = Math.max(this.seen?.failures ?? 0, this.settings.breaker.failureThreshold);
      this.see({ state: 'half_open', trial: false, remainingMs: 0, failures });
    }
  }

  /**
   * Runs `call` under the policies. `call` gets a signal that fires on the attempt's timeout or on
   * the caller's `signal`.
   * @throws ProviderError: the call's own error after the last attempt; code `timeout` when every
   *   attempt timed out; `breaker_open` when the breaker (local or shared) refused; `aborted` when
   *   `signal` fired.
   */
  async execute<T>(
    call: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
    timeoutMs = this.settings.requestTimeoutMs,
  ): Promise<T> {
    const attemptTimeout = this.timeoutPolicy(timeoutMs);
    const limits = this.limits(timeoutMs);
    const state: CallState = { trial: false };
    try {
      // Without a shared store there is nothing to ask: no await (and its promises) on every call.
      if (this.shared && !signal?.aborted) await this.checkShared(limits, state);
      const result = await this.retryPolicy.execute(({ signal: retrySignal }) => {
        // An attempt (of this call or another) opened the shared breaker: no more attempts.
        if (this.sharedState() === 'open') throw new BrokenCircuitError();
        return this.breaker.execute(
          ({ signal: breakerSignal }) =>
            attemptTimeout.execute(
              ({ signal: attemptSignal }) =>
                this.attempt(call, attemptSignal, signal, timeoutMs, limits, state),
              breakerSignal,
            ),
          retrySignal,
        );
      }, signal);
      return result as T;
    } catch (error) {
      throw this.translate(error, signal, timeoutMs);
    } finally {
      // A trial that never reached the endpoint (refused locally, cancelled) leaves it to the next.
      if (state.trial) await this.sharedOp((store, id) => store.endTrial(id));
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
    limits: SharedBreakerLimits,
    state: CallState,
  ): Promise<T> {
    let result: T;
    try {
      result = await call(signal);
    } catch (error) {
      // A timeout aborts the signal; the provider then reports `aborted`, which is our timeout.
      const failure =
        signal.aborted && !callerSignal?.aborted && error instanceof ProviderError && error.code === 'aborted'
          ? this.timedOut(timeoutMs)
          : error;
      if (isEndpointFailure(failure)) this.counts.failures++;
      else if (!callerSignal?.aborted) this.counts.refused++;
      if (this.shared) await this.reportShared(failure, limits, state);
      throw failure;
    }
    this.counts.successes++;
    if (this.shared) await this.reportShared(undefined, limits, state);
    return result;
  }

  /** Reads the shared state before a call; throws BrokenCircuitError when it refuses the call. */
  private async checkShared(limits: SharedBreakerLimits, state: CallState): Promise<void> {
    const view = await this.sharedOp((store, id) => store.check(id, limits));
    if (!view) return;
    this.see(view);
    if (view.state === 'open' || (view.state === 'half_open' && !view.trial)) throw new BrokenCircuitError();
    state.trial = view.trial;
  }

  /**
   * Tells the shared store how an attempt went (`error` undefined: it answered). An endpoint failure
   * is counted; an answer clears a count seen earlier, and a trial the endpoint answered (even with a
   * 4xx, as cockatiel's half-open counts it) closes the shared breaker.
   */
  private async reportShared(error: unknown, limits: SharedBreakerLimits, state: CallState): Promise<void> {
    if (!this.shared) return;
    if (error !== undefined && isEndpointFailure(error)) {
      state.trial = false;
      const view = await this.sharedOp((store, id) => store.recordFailure(id, limits));
      if (view) this.see(view);
      return;
    }
    const answered = error === undefined || (error instanceof ProviderError && error.code === 'http');
    const clears = state.trial ? answered : error === undefined && (this.seen?.failures ?? 0) > 0;
    if (!clears) return;
    state.trial = false;
    const done = await this.sharedOp((store, id) => store.recordSuccess(id).then(() => true));
    if (done && this.sharedState() !== 'open') {
      this.see({ state: 'closed', trial: false, remainingMs: 0, failures: 0 });
    }
  }

  /** Runs `op` on the shared store; undefined without one, or when it failed (then forgets what it saw). */
  private async sharedOp<T>(
    op: (store: SharedBreakerStore, id: string) => Promise<T>,
  ): Promise<T | undefined> {
    if (!this.shared) return undefined;
    try {
      return await op(this.shared.store, this.shared.id);
    } catch {
      // Down or slow: the local breaker decides alone until the store answers again.
      if (this.seen) {
        this.seen = undefined;
        this.publish();
      }
      return undefined;
    }
  }

  private see(view: SharedBreakerView): void {
    this.seen = { state: view.state, until: Date.now() + view.remainingMs, failures: view.failures };
    this.publish();
  }

  private limits(timeoutMs: number): SharedBreakerLimits {
    const { failureThreshold, halfOpenAfterMs } = this.settings.breaker;
    return { failureThreshold, halfOpenAfterMs, trialForMs: timeoutMs + TRIAL_MARGIN_MS };
  }

  /** cockatiel's state, but `half_open` once the cool-down is over (cockatiel moves on the next call). */
  private localState(): BreakerState {
    const state = STATE_NAMES[this.breaker.state];
    const cooled = Date.now() - this.openedAt >= this.settings.breaker.halfOpenAfterMs;
    return state === 'open' && cooled ? 'half_open' : state;
  }

  private sharedState(): BreakerState {
    const seen = this.seen;
    if (!seen || seen.state === 'closed') return 'closed';
    return seen.state === 'open' && Date.now() < seen.until ? 'open' : 'half_open';
  }

  /** Tells `onStateChange` when `state` changed, and wakes up again when a cool-down ends. */
  private publish(): void {
    const state = this.state;
    if (state !== this.published) {
      this.published = state;
      this.onStateChange(state);
    }
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.wake);
    this.wake = undefined;
    const now = Date.now();
    const ends: number[] = [];
    if (this.breaker.state === CircuitState.Open)
      ends.push(this.openedAt + this.settings.breaker.halfOpenAfterMs);
    if (this.seen?.state === 'open') ends.push(this.seen.until);
    const next = Math.min(...ends.filter((end) => end > now));
    if (!Number.isFinite(next)) return;
    this.wake = setTimeout(() => this.publish(), next - now + 1);
    this.wake.unref();
  }

  private translate(error: unknown, signal: AbortSignal | undefined, timeoutMs: number): unknown {
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      this.counts.rejected++;
      return new ProviderError(`${this.kind}: circuit breaker open`, 'breaker_open', this.kind);
    }
    if (isTaskCancelledError(error)) {
      return signal?.aborted
        ? new ProviderError(`${this.kind}: cancelled`, 'aborted', this.kind)
        : this.timedOut(timeoutMs);
    }
    return error;
  }

  private timedOut(timeoutMs: number): ProviderError {
    return new ProviderError(`${this.kind}: no answer within ${timeoutMs} ms`, 'timeout', this.kind);
  }

  private build(): void {
    const { retry: retrySettings } = this.settings;
    this.counts.successes = this.counts.failures = this.counts.refused = this.counts.rejected = 0;
    this.breaker = this.newBreaker();
    this.retryPolicy = retry(retryableFailure(retrySettings.maxDelayMs), {
      maxAttempts: retrySettings.maxAttempts - 1,
      backoff: new RetryAfterBackoff(
        new ExponentialBackoff({
          initialDelay: retrySettings.initialDelayMs,
          maxDelay: retrySettings.maxDelayMs,
        }),
        retrySettings.maxDelayMs,
        (error) => (error instanceof ProviderError ? error.retryAfterMs : undefined),
      ),
    });
  }

  /**
   * A cockatiel breaker on the settings, hydrated from `initialState` (a `toJSON()` snapshot) when
   * given. Its state changes are reported while it is the current one.
   */
  private newBreaker(initialState?: BreakerSnapshot): CircuitBreakerPolicy {
    const { breaker: settings } = this.settings;
    const breaker = circuitBreaker(endpointFailure, {
      breaker: new ConsecutiveBreaker(settings.failureThreshold),
      halfOpenAfter: settings.halfOpenAfterMs,
      halfOpenSampling: { calls: settings.successThreshold, threshold: 0 },
      initialState,
    });
    breaker.onStateChange((state) => {
      if (breaker !== this.breaker) return; // replaced (reset, forceOpen, probeAgain) while a call ran
      if (state === CircuitState.Open) {
        this.openedAt = Date.now();
        // Opened on this instance's own count: open the shared breaker too, unless it is already.
        if (this.shared && this.sharedState() !== 'open') void this.openShared();
      }
      this.publish();
    });
    return breaker;
  }

  /**
   * Replaces the local breaker with one open since `openedAt` (ms since the epoch; 0: its cool-down
   * is over, so the next call is the half-open trial), keeping its failure count and open streak.
   * cockatiel has no call that opens a breaker or ends its cool-down by hand (`isolate()` holds it
   * open, then closes it without a trial); its snapshot (`toJSON()` → `initialState`) says both:
   * an open breaker's snapshot is `{ value: Open, openedAt, attemptNo }`, a half-open one's the same
   * with `openedAt` 0. Calls running on the old breaker finish there, unreported.
   */
  private reopen(openedAt: number): void {
    const snapshot = this.breaker.toJSON() as BreakerSnapshot;
    const attemptNo = snapshot.ownState.attemptNo ?? 1;
    this.breaker = this.newBreaker({
      ownState: { value: CircuitState.Open, openedAt, attemptNo },
      breakerState: snapshot.breakerState,
    });
    this.openedAt = openedAt;
  }

  private async openShared(): Promise<void> {
    const limits = this.limits(this.settings.requestTimeoutMs);
    const done = await this.sharedOp((store, id) => store.open(id, limits).then(() => true));
    if (done) {
      const { failureThreshold, halfOpenAfterMs } = limits;
      this.see({ state: 'open', trial: false, remainingMs: halfOpenAfterMs, failures: failureThreshold });
    }
  }
}
