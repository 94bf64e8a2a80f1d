/**
 * The contract of a circuit breaker's state shared by every chatgate instance (issue 8): one
 * endpoint's consecutive failures are counted in one place, so that the breaker opens for all of
 * them when it opens for one. The in-process cockatiel breaker of `ResilientEndpoint` stays the
 * fallback while the shared store cannot be reached.
 *
 * The shared breaker's states, per endpoint id:
 * - closed: calls go through; each endpoint failure adds one to `failures`, a success clears it.
 * - open: `failures` reached `failureThreshold` (or an instance's own breaker opened); every call
 *   anywhere is refused, without calling the endpoint, for `halfOpenAfterMs`.
 * - half_open: the cool-down is over but `failures` is still at the threshold; the next call
 *   anywhere is the trial (one at a time, across instances): its success closes the breaker, its
 *   failure reopens it at once.
 */

/** The thresholds one call is checked against; every duration in ms. */
export interface SharedBreakerLimits {
  /** Consecutive endpoint failures, across instances, that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before a trial call is let through (the half-open delay). */
  halfOpenAfterMs: number;
  /** How long a trial call may hold the trial before another instance may take it over. */
  trialForMs: number;
}

/** What the shared store says about one endpoint. */
export interface SharedBreakerView {
  state: 'closed' | 'open' | 'half_open';
  /**
   * `half_open` only: true when this caller now holds the trial (it may call the endpoint), false
   * when another caller's trial is running (refuse).
   */
  trial: boolean;
  /**
   * ms until the state may change on its own: for `open`, until the cool-down ends; for a
   * `half_open` trial held elsewhere, until that trial lapses; 0 otherwise.
   */
  remainingMs: number;
  /** Consecutive endpoint failures counted across instances. */
  failures: number;
}

/**
 * Where breaker state lives when it is shared between instances. `id` is the endpoint's identity as
 * the caller builds it (it may hold a hashed API key); implementations store a hash of it, never the
 * id in clear. Every method rejects (see `SharedBreakerUnavailableError`) when the store cannot be
 * reached or does not answer within its time limit; callers then carry on with their local breaker.
 */
export interface SharedBreakerStore {
  /**
   * Reads the state before a call. When the cool-down is over and no trial is running, this caller
   * takes the trial (`{ state: 'half_open', trial: true }`) for `limits.trialForMs`.
   */
  check(id: string, limits: SharedBreakerLimits): Promise<SharedBreakerView>;
  /**
   * Counts one endpoint failure and ends a trial; opens the breaker when the count reaches the
   * threshold (an open breaker's cool-down is not extended). Resolves with the state after it.
   */
  recordFailure(id: string, limits: SharedBreakerLimits): Promise<SharedBreakerView>;
  /** Clears the failure count and ends a trial (closing a half-open breaker); no effect while open. */
  recordSuccess(id: string): Promise<void>;
  /**
   * Opens the breaker for `limits.halfOpenAfterMs` unless it is open already (a local breaker opened on
   * its own), with the failure count raised to the threshold so that the trial after it decides.
   */
  open(id: string, limits: SharedBreakerLimits): Promise<void>;
  /**
   * Opens the breaker for `limits.halfOpenAfterMs` from now, whether it was open or not (a health
   * check found the endpoint down: the cool-down starts again from this check), with the failure
   * count raised to the threshold and any running trial ended.
   */
  forceOpen(id: string, limits: SharedBreakerLimits): Promise<void>;
  /**
   * Ends an open breaker's cool-down now (a health check found the endpoint answering): the next
   * `check` anywhere takes the half-open trial. Resolves true when it was open; no effect otherwise.
   */
  endOpen(id: string): Promise<boolean>;
  /** Gives up a trial taken by `check` that ended without a verdict (a cancelled call). */
  endTrial(id: string): Promise<void>;
  /** Closes the breaker and forgets its count (admin reset). */
  reset(id: string): Promise<void>;
}

/** The shared breaker state could not be read or written (store down, slow, or failing). */
export class SharedBreakerUnavailableError extends Error {
  override readonly name = 'SharedBreakerUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
