/**
 * One way to make a platform call that retries what is worth retrying: a 429 after the
 * `retry_after` the platform asked for, a 5xx after an exponential, jittered backoff (cockatiel).
 * Nothing else is retried (see send-errors.ts).
 */
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { RetryAfterBackoff } from '../retry-after-backoff.js';
import { type PlatformCallError, PlatformRefusedError } from './send-errors.js';

/** How a call is tried again. */
export interface SendRetryOptions {
  /** Tries in all, counting the first. */
  maxAttempts: number;
  /** A `retry_after` longer than this (ms) is not waited out: the call fails at once. Also the longest backoff. */
  maxRetryAfterMs: number;
  /** The first backoff after a 5xx, ms, doubled (with jitter) each time. Default 500. */
  initialDelayMs?: number;
  /**
   * Turns what the call threw into the typed pair (removing any token); the adapter knows its
   * library's errors, the kit does not.
   */
  toCallError(caught: unknown): PlatformCallError;
  /** Told before each wait, e.g. to log it. */
  onRetry?(error: PlatformRefusedError, delayMs: number): void;
  /** Stops waiting and trying when aborted. */
  signal?: AbortSignal;
}

/** The wait a 429 without `retry_after` gets, ms. */
const DEFAULT_RETRY_AFTER_MS = 1000;

/** How long the error asks us to wait, ms: its `retry_after`, or 1 s for a bare 429. */
function retryAfterMsOf(error: unknown): number | undefined {
  if (!(error instanceof PlatformRefusedError)) return undefined;
  return error.retryAfterMs ?? (error.errorCode === 429 ? DEFAULT_RETRY_AFTER_MS : undefined);
}

/**
 * Runs `call` until it resolves, or fails for good: a refusal other than 429/5xx, a network
 * failure, a `retry_after` over `maxRetryAfterMs`, or `maxAttempts` used up.
 *
 * @returns what `call` resolved with.
 * @throws PlatformRefusedError or PlatformUnreachableError (as made by `toCallError`) from the last try.
 * @example
 * await sendWithRetry(() => client.postMessage(channel, text), {
 *   maxAttempts: 5, maxRetryAfterMs: 60_000, toCallError: (caught) => toCallError(caught, 'postMessage'),
 * });
 */
export async function sendWithRetry<T>(call: () => Promise<T>, options: SendRetryOptions): Promise<T> {
  const { maxAttempts, maxRetryAfterMs, toCallError } = options;
  const worthRetrying = handleWhen(
    (error) =>
      error instanceof PlatformRefusedError &&
      error.retryable &&
      (retryAfterMsOf(error) ?? 0) <= maxRetryAfterMs,
  );
  const policy = retry(worthRetrying, {
    maxAttempts: maxAttempts - 1,
    backoff: new RetryAfterBackoff(
      new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 500, maxDelay: maxRetryAfterMs }),
      maxRetryAfterMs,
      retryAfterMsOf,
    ),
  });
  const { onRetry } = options;
  const listener = onRetry
    ? policy.onRetry((event) => {
        if ('error' in event && event.error instanceof PlatformRefusedError)
          onRetry(event.error, event.delay);
      })
    : undefined;
  try {
    return await policy.execute(async () => {
      try {
        return await call();
      } catch (caught) {
        throw toCallError(caught);
      }
    }, options.signal);
  } finally {
    listener?.dispose();
  }
}
