/**
 * How long an upstream asked us to wait before the next call, read from its response headers.
 * Shared by the remote providers' error mapping (ollama, openai-compatible).
 */

/**
 * `Retry-After` (delay seconds, fractions allowed, or an HTTP date) in ms; a date in the past is 0.
 * Returns undefined when the value is absent, blank or unreadable.
 *
 * @example
 * parseRetryAfter('2'); // 2000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'); // 0 (in the past)
 */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The wait in ms from response headers: `retry-after-ms` (OpenAI's, non-negative ms) first, else
 * `Retry-After` as `parseRetryAfter` reads it. Undefined when neither is usable or there are no headers.
 */
export function retryAfterMs(headers: Headers | null | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  return parseRetryAfter(headers?.get('retry-after'));
}
