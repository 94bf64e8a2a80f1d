/**
 * Maps how a call through undici fails to a ProviderError, keeping the API key and the base URL's
 * credentials out of every message and cause.
 *
 * What fails, as of undici 8: when the caller's signal fires, the call rejects (or the body being
 * read errors) with the signal's reason, a DOMException `AbortError` or `TimeoutError`; a refused or
 * unresolvable connection rejects with Node's system error (`code` ECONNREFUSED, ENOTFOUND …); a
 * socket that closes mid-answer with an UndiciError (`UND_ERR_SOCKET` …). undici does not throw for
 * an error status: `readUpstreamError` turns such an answer into an UpstreamError first.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SecretScrubber } from '../../../core/secret-scrubber.js';
import { MAX_UPSTREAM_TEXT_CHARS, ProviderError } from '../provider.js';
import { retryAfterMs } from '../retry-after.js';

/** How much of an error answer's body is read for its message; the rest is discarded. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Transport failures: Node's system error codes (ECONNREFUSED, EAI_AGAIN …) and undici's socket-level ones. */
const TRANSPORT_CODE =
  /^(E(?!RR_)[A-Z0-9_]+|HPE_[A-Z_]+|UND_ERR_(SOCKET|CONNECT_TIMEOUT|HEADERS_TIMEOUT|BODY_TIMEOUT|CLOSED|DESTROYED|INFO|RES_CONTENT_LENGTH_MISMATCH))$/;

/**
 * An upstream's error answer (HTTP status ≥ 400, or any status we cannot use), with what its body
 * said. The message is `<status> <upstream's message>` and never holds the API key.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    message: string,
    readonly status: number,
    /** From `retry-after-ms` or `Retry-After`, when the upstream sent one. */
    readonly retryAfterMs?: number,
    /** OpenAI's `error.type` and `error.code`, when the body was OpenAI's error object. */
    readonly type?: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * Reads an error answer into an UpstreamError: at most MAX_ERROR_BODY_BYTES of `body` (the rest is
 * dropped with the connection), OpenAI's `{ error: { message, type, code } }` when the body is that,
 * else the body as text, scrubbed and then cut to MAX_UPSTREAM_TEXT_CHARS. Never throws: a body that
 * fails to read just gives no message.
 */
export async function readUpstreamError(
  status: number,
  headers: IncomingHttpHeaders,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  scrubber: SecretScrubber,
): Promise<UpstreamError> {
  const text = await readBounded(body, MAX_ERROR_BODY_BYTES).catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {}
  const error = (parsed as { error?: unknown } | null | undefined)?.error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const detail =
    error !== undefined && error !== null
      ? errorMessage(error)
      : text.trim() === ''
        ? 'status code (no body)'
        : // Scrubbed whole before the cut: a secret across the cut would leave its head behind.
          scrubber.scrub(text.trim(), MAX_UPSTREAM_TEXT_CHARS);
  return new UpstreamError(
    scrubber.scrub(`${status} ${detail}`),
    status,
    retryAfterMs(retryHeaders(headers)),
    typeof e.type === 'string' ? e.type : undefined,
    typeof e.code === 'string' ? e.code : undefined,
  );
}

/**
 * The ProviderError for an `error` event, or an `error` object, inside a stream: `bad_response`
 * (not retryable), with the upstream's message, as the `openai` package treated it.
 */
export function streamError(error: unknown, scrubber: SecretScrubber): ProviderError {
  const message = `OpenAI-compatible server sent an error in the stream: ${errorMessage(error)}`;
  return new ProviderError(scrubber.scrub(message), 'bad_response', 'openai');
}

/**
 * The ProviderError for `error`. In order: a ProviderError as it is; the caller's `signal` fired
 * (`timeout` when its reason is a `TimeoutError`, else `aborted`); an UpstreamError → `http` with
 * its status and `retryAfterMs`; an abort or timeout we did not ask for → `aborted` / `timeout`; a
 * transport code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, UND_ERR_CONNECT_TIMEOUT …) →
 * `connection`, naming the code; anything else (a body that is not JSON, an SSE event too big) →
 * `bad_response`. `scrubber` removes the secrets from message and cause.
 */
export function toProviderError(
  error: unknown,
  scrubber: SecretScrubber,
  signal?: AbortSignal,
): ProviderError {
  if (error instanceof ProviderError) return error;
  const make = (message: string, code: ProviderError['code'], status?: number, waitMs?: number) =>
    new ProviderError(scrubber.scrub(message), code, 'openai', status, {
      cause: scrubber.safeCause(error),
      ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}),
    });

  if (signal?.aborted) {
    const timedOut = (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
    return timedOut ? make('OpenAI call timed out', 'timeout') : make('OpenAI call aborted', 'aborted');
  }
  if (error instanceof UpstreamError) {
    return make(
      `OpenAI-compatible server answered ${error.message}`,
      'http',
      error.status,
      error.retryAfterMs,
    );
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  if (e.name === 'TimeoutError') return make('OpenAI call timed out', 'timeout');
  if (e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED') return make('OpenAI call aborted', 'aborted');
  const code = transportCode(error);
  if (code !== undefined) {
    return make(`OpenAI-compatible server unreachable (${code}): ${message}`, 'connection');
  }
  const known = error instanceof SyntaxError || e.name === 'ParseError';
  return make(
    `OpenAI-compatible server answered unreadably${known ? '' : ' (unexpected)'}: ${message}`,
    'bad_response',
  );
}

/** OpenAI's `error.message` (a string, or JSON of whatever it is), else the error value as JSON. */
function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string') return message;
  try {
    return JSON.stringify(message ?? error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** The transport code of `error`, its causes, or (AggregateError, happy eyeballs) its first error. */
function transportCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const c = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof c.code === 'string' && TRANSPORT_CODE.test(c.code)) return c.code;
    current = c.cause ?? (Array.isArray(c.errors) ? c.errors[0] : undefined);
  }
  return undefined;
}

/** Up to `limit` bytes of `body` as UTF-8 text; stopping early destroys the body (and its socket). */
async function readBounded(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  limit: number,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The two headers `retryAfterMs` reads, from undici's plain header object. */
function retryHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const name of ['retry-after-ms', 'retry-after']) {
    const value = headers[name];
    if (typeof value === 'string') out.set(name, value);
  }
  return out;
}
