/**
 * What every answer of every route must be, whatever was sent: no 5xx, and an error in the shape
 * the route documents (ours: `{ detail, error_code, timestamp, correlation_id }`; the OpenAI routes:
 * `{ error: { message, type, param, code } }`). Two 5xx are documented, not faults, both 503 in
 * OpenAI's shape with `retry-after`, when no provider can answer now (the fuzzer's own dead
 * upstreams open breakers): `no_capable_provider`, when the request needs what only a remote
 * provider can do (a forced tool call, JSON output) and the local responder refuses rather than
 * answer with template text (issue 17); `service_unavailable`, when an embeddings request's one
 * provider failed (the local responder cannot embed, so there is no later link).
 */
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import type { ErrorShape } from './route-specs.js';

const isString = (value: unknown): value is string => typeof value === 'string';
const isStringOrNull = (value: unknown) => value === null || isString(value);

/** Why `body` is not our error shape, or undefined when it is. */
function oursFault(body: Record<string, unknown>): string | undefined {
  if (!isString(body.detail) || body.detail === '') return 'no detail';
  if (!isString(body.error_code) || body.error_code === '') return 'no error_code';
  if (!isString(body.timestamp) || Number.isNaN(Date.parse(body.timestamp))) return 'no ISO timestamp';
  if (!isString(body.correlation_id) || body.correlation_id === '') return 'no correlation_id';
  if (body.retry_after !== undefined && typeof body.retry_after !== 'number')
    return 'retry_after not a number';
  return undefined;
}

/** Why `body` is not OpenAI's error shape (all four keys present), or undefined when it is. */
function openAIFault(body: Record<string, unknown>): string | undefined {
  const error = body.error as Record<string, unknown> | undefined;
  if (typeof error !== 'object' || error === null) return 'no error object';
  if (!isString(error.message) || error.message === '') return 'no error.message';
  if (!isString(error.type)) return 'no error.type';
  if (!('param' in error) || !isStringOrNull(error.param)) return 'no error.param';
  if (!('code' in error) || !isStringOrNull(error.code)) return 'no error.code';
  return undefined;
}

/**
 * Why `response` breaks the invariant, or undefined when it holds: a 5xx, or an error (4xx) whose
 * body is not JSON in `shape`. `url`: the route's path, for the 503 only embeddings document. HEAD answers carry no body, so only their status is checked.
 */
export function invariantFault(
  response: InjectResponse,
  shape: ErrorShape,
  method: string,
  url = '',
): string | undefined {
  const status = response.statusCode;
  if (status >= 500 && !documentedUnavailable(response, shape, url)) {
    return `answered ${status}: ${response.body.slice(0, 300)}`;
  }
  if (status < 400 || method === 'HEAD') return undefined;
  let body: unknown;
  try {
    body = response.json();
  } catch {
    return `answered ${status} with a body that is not JSON: ${response.body.slice(0, 300)}`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return `answered ${status} with ${response.body.slice(0, 300)}`;
  const fault =
    shape === 'ours'
      ? oursFault(body as Record<string, unknown>)
      : openAIFault(body as Record<string, unknown>);
  return (
    fault && `answered ${status} not in the ${shape} error shape (${fault}): ${response.body.slice(0, 300)}`
  );
}

/** A documented 503 in OpenAI's shape that says when to retry (see the file's comment). */
function documentedUnavailable(response: InjectResponse, shape: ErrorShape, url: string): boolean {
  if (response.statusCode !== 503 || shape !== 'openai' || response.headers['retry-after'] === undefined) {
    return false;
  }
  try {
    const code = (response.json() as { error?: { code?: unknown } }).error?.code;
    return code === 'no_capable_provider' || (code === 'service_unavailable' && url.endsWith('/embeddings'));
  } catch {
    return false;
  }
}
