import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import { ProviderError } from './providers/provider.js';

type Context = IRetryBackoffContext<unknown>;

/**
 * A backoff that honours the upstream's `Retry-After`: the delay is the larger of the inner
 * (exponential, jittered) delay and the `retryAfterMs` of the ProviderError that failed the
 * attempt, never more than `maxDelayMs`. A 429 that asks for 2 s is not retried after 200 ms.
 */
export class RetryAfterBackoff implements IBackoffFactory<Context> {
  constructor(
    private readonly inner: IBackoffFactory<Context>,
    private readonly maxDelayMs: number,
  ) {}

  next(context: Context): IBackoff<Context> {
    return wrap(this.inner.next(context), context, this.maxDelayMs);
  }
}

function wrap(inner: IBackoff<Context>, context: Context, maxDelayMs: number): IBackoff<Context> {
  const error = 'error' in context.result ? context.result.error : undefined;
  const asked = error instanceof ProviderError ? (error.retryAfterMs ?? 0) : 0;
  return {
    duration: Math.min(maxDelayMs, Math.max(inner.duration, asked)),
    next: (nextContext) => wrap(inner.next(nextContext), nextContext, maxDelayMs),
  };
}
