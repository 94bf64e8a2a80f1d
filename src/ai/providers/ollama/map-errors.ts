/**
 * Maps whatever the `ollama` package (and fetch under it) throws to a ProviderError.
 *
 * What the package throws, as of 0.6.x: `ResponseError` (not exported; `name` 'ResponseError',
 * `status_code`) for an HTTP error status; fetch's `TypeError` ('fetch failed', cause ECONNREFUSED,
 * ECONNRESET...) or 'terminated' when the socket dies; `SyntaxError` from `response.json()`; a
 * plain `Error` for an `{"error"}` line in a stream or a stream that ends without `done:true`; and the
 * fetch `AbortError` when the signal fires.
 */
import { SecretScrubber } from '../../../core/secret-scrubber.js';
import { MAX_UPSTREAM_TEXT_CHARS, ProviderError } from '../provider.js';
import { retryAfterMs } from '../retry-after.js';

/**
 * What the call knew when it failed: the caller's signal, the last HTTP response seen, and the
 * secrets to keep out of messages and causes (the host's userinfo and query; without a scrubber,
 * only credential-looking text is removed).
 */
export interface FailureContext {
  signal?: AbortSignal;
  response?: Response;
  scrubber?: SecretScrubber;
}

/** For calls that know no secret of their own: removes credential-looking text only. */
const GENERIC_SCRUBBER = new SecretScrubber([]);

/**
 * The ProviderError for `error`: the caller's abort first (`timeout` when the signal's reason is a
 * `TimeoutError`, else `aborted`), then `http` with status (and `retryAfterMs` from the response's
 * `Retry-After` or `retry-after-ms`), `connection`, and `bad_response` for answers we cannot read.
 * Returns ProviderErrors unchanged. Messages and causes are scrubbed: fetch names the whole URL,
 * userinfo and query included, when it refuses one, and an upstream may echo what it was sent.
 */
export function toProviderError(error: unknown, context: FailureContext = {}): ProviderError {
  if (error instanceof ProviderError) return error;
  const { signal, response, scrubber = GENERIC_SCRUBBER } = context;
  const cause = { cause: scrubber.safeCause(error) };
  if (signal?.aborted) {
    const timedOut = (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
    return timedOut
      ? new ProviderError('Ollama call timed out', 'timeout', 'ollama', undefined, cause)
      : new ProviderError('Ollama call aborted', 'aborted', 'ollama', undefined, cause);
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    status_code?: unknown;
  };
  const said = typeof e.message === 'string' ? e.message : String(error);
  const message = scrubber.scrub(said);
  if (e.name === 'ResponseError' && typeof e.status_code === 'number') {
    const wait = retryAfterMs(response?.headers);
    // What the upstream said (its `error` field, or its whole body), scrubbed whole, then cut.
    return new ProviderError(
      `Ollama answered ${e.status_code}: ${scrubber.scrub(said, MAX_UPSTREAM_TEXT_CHARS)}`,
      'http',
      'ollama',
      e.status_code,
      {
        ...cause,
        ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      },
    );
  }
  if (e.name === 'AbortError')
    return new ProviderError('Ollama call aborted', 'aborted', 'ollama', undefined, cause);
  if (e.name === 'TypeError') {
    return new ProviderError(
      `Ollama unreachable: ${scrubber.scrub(describeCause(error))}`,
      'connection',
      'ollama',
      undefined,
      cause,
    );
  }
  return new ProviderError(
    `Ollama answered unreadably: ${message}`,
    'bad_response',
    'ollama',
    undefined,
    cause,
  );
}

/** fetch's message plus its cause's code, e.g. `fetch failed (ECONNREFUSED)`. */
function describeCause(error: unknown): string {
  const e = error as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = e.cause?.code ?? e.cause?.message;
  return `${String(e.message)}${typeof code === 'string' ? ` (${code})` : ''}`;
}
