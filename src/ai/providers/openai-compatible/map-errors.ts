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
  const make = (message: string, code: ProviderError['code'], status?: number, retryAfterMs?: number) =>
    new ProviderError(scrub(message), code, 'openai', status, {
      ...cause,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
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
    const retryAfterMs = retryAfter(error.headers);
    return make(`OpenAI-compatible server answered ${message}`, 'http', error.status, retryAfterMs);
  }
  if (error instanceof Error && error.name === 'AbortError') return make('OpenAI call aborted', 'aborted');
  if (error instanceof TypeError)
    return make(`OpenAI-compatible server unreachable: ${describeCause(error)}`, 'connection');
  const kind = error instanceof OpenAIError || error instanceof SyntaxError ? '' : ' (unexpected)';
  return make(`OpenAI-compatible server answered unreadably${kind}: ${message}`, 'bad_response');
}

/** `retry-after-ms`, else `Retry-After` (seconds or an HTTP date), in ms; undefined when absent. */
export function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers?.get('retry-after');
  if (!value || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
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
