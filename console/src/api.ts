import { currentKey } from './session.js';

/** An API answer that was not 2xx: `status`, and chatgate's `detail` when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `Authorization: Bearer <key>` for the signed-in key (nothing when signed out). */
export function authHeaders(): Record<string, string> {
  const key = currentKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/**
 * Calls chatgate's API (same origin) with the signed-in key and parses the JSON answer.
 * @throws ApiError for a non-2xx answer, with the `detail` (our error shape) or the status text.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: {
      ...authHeaders(),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const detail = (json as { detail?: string } | undefined)?.detail;
    throw new ApiError(response.status, detail ?? `${response.status} ${response.statusText}`);
  }
  return json as T;
}
