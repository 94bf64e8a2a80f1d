/**
 * Maps what the `openai` package (and fetch under it) throws to a ProviderError, keeping the API key
 * out of every message and cause.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from 'openai';
import { ProviderError } from '../provider.js';
import { retryAfterMs } from '../retry-after.js';

/**
 * The ProviderError for `error`. In order: the caller's `signal` fired (`timeout` when its reason is
 * a `TimeoutError`, else `aborted`); APIUserAbortError → `aborted`; APIConnectionTimeoutError →
 * `timeout`; APIConnectionError or a fetch TypeError → `connection`; APIError with a status →
 * `http` (+ `retryAfterMs` from `retry-after-ms` or `Retry-After`); anything else (SyntaxError,
 * an error event inside a stream) → `bad_response`. `secret` is removed from message and cause.
 */
export function toProviderError(error: unknown, signal?: AbortSignal, secret?: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const scrub = (text: string) => (secret ? text.split(secret).join('[redacted]') : text);
  const cause = { cause: safeCause(error, secret) };
  const make = (message: string, code: ProviderError['code'], status?: number, waitMs?: number) =>
    new ProviderError(scrub(message), code, 'openai', status, {
      ...cause,
      ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}),
    });
  const message = error instanceof Error ? error.message : String(error);

  if (signal?.aborted) {
    const timedOut = (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
    return timedOut ? make('OpenAI call timed out', 'timeout') : make('OpenAI call aborted', 'aborted');
  }
  if (error instanceof APIUserAbortError) return make('OpenAI call aborted', 'aborted');
  if (error instanceof APIConnectionTimeoutError) return make('OpenAI call timed out', 'timeout');
  if (error instanceof APIConnectionError) {
    return make(`OpenAI-compatible server unreachable: ${describeCause(error)}`, 'connection');
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return make(
      `OpenAI-compatible server answered ${message}`,
      'http',
      error.status,
      retryAfterMs(error.headers),
    );
  }
  if (error instanceof Error && error.name === 'AbortError') return make('OpenAI call aborted', 'aborted');
  if (error instanceof TypeError)
    return make(`OpenAI-compatible server unreachable: ${describeCause(error)}`, 'connection');
  const kind = error instanceof OpenAIError || error instanceof SyntaxError ? '' : ' (unexpected)';
  return make(`OpenAI-compatible server answered unreadably${kind}: ${message}`, 'bad_response');
}

/** The error itself, or, when it mentions `secret` anywhere we could log, a plain copy without it. */
function safeCause(error: unknown, secret: string | undefined): unknown {
  if (!secret || !(error instanceof Error)) return error;
  let body = '';
  try {
    body = JSON.stringify((error as { error?: unknown }).error) ?? '';
  } catch {}
  if (!`${error.message} ${error.stack ?? ''} ${body}`.includes(secret)) return error;
  const copy = new Error(error.message.split(secret).join('[redacted]'));
  copy.name = error.name;
  return copy;
}

/** The message plus its cause's code or message, e.g. `Connection error. (ECONNREFUSED)`. */
function describeCause(error: Error): string {
  let cause: unknown = error.cause;
  // fetch wraps the socket error: APIConnectionError → TypeError('fetch failed') → Error { code }.
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  const c = cause as { code?: unknown; message?: unknown } | undefined;
  const detail = c?.code ?? c?.message;
  return `${error.message}${typeof detail === 'string' ? ` (${detail})` : ''}`;
}
