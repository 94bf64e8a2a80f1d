/**
 * `sendWithRetry`: 429 after `retry_after`, 5xx with backoff, nothing else retried; failures come
 * out as the typed pair. Delays are a few ms so the suite stays fast; only lower bounds on time
 * are asserted (a loaded machine can only make waits longer).
 */
import { describe, expect, it } from 'vitest';
import {
  type PlatformCallError,
  PlatformRefusedError,
  PlatformUnreachableError,
} from '../../../src/core/adapter-kit/send-errors.js';
import { type SendRetryOptions, sendWithRetry } from '../../../src/core/adapter-kit/send-with-retry.js';

/** What a fake platform library throws: an HTTP answer, or a network failure. */
class FakeLibraryError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(status === 0 ? 'ECONNRESET' : `HTTP ${status}`);
  }
}

function toCallError(caught: unknown): PlatformCallError {
  if (!(caught instanceof FakeLibraryError)) throw new Error('the fake threw something else');
  if (caught.status === 0)
    return new PlatformUnreachableError('discord', 'post', caught.message, { cause: caught });
  const retryAfterMs = caught.retryAfterSeconds === undefined ? undefined : caught.retryAfterSeconds * 1000;
  return new PlatformRefusedError('discord', 'post', caught.status, caught.message, retryAfterMs, {
    cause: caught,
  });
}

/** A call that fails with `failures` in order, then resolves 'sent'; records when each try started. */
function scripted(...failures: FakeLibraryError[]) {
  const tries: number[] = [];
  return {
    tries,
    call: async (): Promise<string> => {
      tries.push(performance.now());
      const failure = failures[tries.length - 1];
      if (failure) throw failure;
      return 'sent';
    },
  };
}

const OPTIONS: SendRetryOptions = { maxAttempts: 4, maxRetryAfterMs: 1000, initialDelayMs: 1, toCallError };

describe('sendWithRetry', () => {
  it('resolves with what the call resolved with, tried once', async () => {
    const fake = scripted();
    await expect(sendWithRetry(fake.call, OPTIONS)).resolves.toBe('sent');
    expect(fake.tries).toHaveLength(1);
  });

  it('waits out a 429 for its retry_after, then delivers, telling onRetry', async () => {
    const fake = scripted(new FakeLibraryError(429, 0.08));
    const retries: Array<[number, number]> = [];
    const result = await sendWithRetry(fake.call, {
      ...OPTIONS,
      onRetry: (error, delayMs) => retries.push([error.errorCode, delayMs]),
    });
    expect(result).toBe('sent');
    expect(fake.tries).toHaveLength(2);
    expect((fake.tries[1] ?? 0) - (fake.tries[0] ?? 0)).toBeGreaterThanOrEqual(75);
    expect(retries).toEqual([[429, 80]]);
  });

  it('retries a 5xx up to maxAttempts, then throws the last refusal', async () => {
    const fake = scripted(...[500, 502, 503, 504].map((status) => new FakeLibraryError(status)));
    const error = await sendWithRetry(fake.call, OPTIONS).catch((caught: unknown) => caught);
    expect(fake.tries).toHaveLength(4);
    expect(error).toBeInstanceOf(PlatformRefusedError);
    expect(error).toMatchObject({ errorCode: 504, platform: 'discord', code: 'platform_refused' });
    expect((error as Error).cause).toBeInstanceOf(FakeLibraryError);
  });

  it('does not retry a refusal other than 429 or 5xx', async () => {
    const fake = scripted(new FakeLibraryError(403));
    await expect(sendWithRetry(fake.call, OPTIONS)).rejects.toMatchObject({ errorCode: 403 });
    expect(fake.tries).toHaveLength(1);
  });

  it('does not retry a network failure (the message may have arrived), and says it was the network', async () => {
    const fake = scripted(new FakeLibraryError(0));
    const error = await sendWithRetry(fake.call, OPTIONS).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlatformUnreachableError);
    expect(error).toMatchObject({ code: 'platform_unreachable', message: 'discord post failed: ECONNRESET' });
    expect(fake.tries).toHaveLength(1);
  });

  it('fails at once when retry_after asks for more than maxRetryAfterMs', async () => {
    const fake = scripted(new FakeLibraryError(429, 5));
    await expect(sendWithRetry(fake.call, OPTIONS)).rejects.toMatchObject({
      errorCode: 429,
      retryAfterMs: 5000,
    });
    expect(fake.tries).toHaveLength(1);
  });
});
