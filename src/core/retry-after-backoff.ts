import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';

type Context = IRetryBackoffContext<unknown>;

/**
 * A cockatiel backoff that honours the remote's "retry after": the delay is the larger of the
 * inner (exponential, jittered) delay and what `retryAfterMsOf` reads from the error that failed
 * the attempt, never more than `maxDelayMs`. A 429 that asks for 2 s is not retried after 200 ms.
 * Used by the AI providers (`Retry-After`) and the platform sends (`retry_after`).
 *
 * @example new RetryAfterBackoff(new ExponentialBackoff(), 60_000, (error) => (error as { retryAfterMs?: number }).retryAfterMs)
 */
export class RetryAfterBackoff implements IBackoffFactory<Context> {
  /**
   * @param inner the delay when the remote asks for none.
   * @param maxDelayMs the cap on every delay, ms.
   * @param retryAfterMsOf the wait the error asks for, ms, or undefined.
   */
  constructor(
    private readonly inner: IBackoffFactory<Context>,
    private readonly maxDelayMs: number,
    private readonly retryAfterMsOf: (error: unknown) => number | undefined,
  ) {}

  next(context: Context): IBackoff<Context> {
    return this.wrap(this.inner.next(context), context);
  }

  private wrap(inner: IBackoff<Context>, context: Context): IBackoff<Context> {
    const error = 'error' in context.result ? context.result.error : undefined;
    const asked = error === undefined ? 0 : (this.retryAfterMsOf(error) ?? 0);
    return {
      duration: Math.min(this.maxDelayMs, Math.max(inner.duration, asked)),
      next: (nextContext) => this.wrap(inner.next(nextContext), nextContext),
    };
  }
}
