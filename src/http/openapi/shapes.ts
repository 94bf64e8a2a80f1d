/**
 * Response shapes shared by many routes, for their `response` schemas (and so for /openapi.json):
 * chatgate's error body, OpenAI's error object, an empty answer. The bodies themselves are built
 * elsewhere (`sendError`, `OpenAIError.body()`); these describe them.
 */
import Type, { type TSchema } from 'typebox';

/** Our own routes' error body (`ErrorBody` in http/errors.ts). */
export const ErrorBodyProperties = {
  detail: Type.String({
    description: 'What went wrong; a bad field is named first (`limit: must be <= 500`).',
  }),
  error_code: Type.String({
    description: 'Stable machine-readable code, e.g. `validation_error`, `not_found`.',
  }),
  timestamp: Type.String({ format: 'date-time' }),
  correlation_id: Type.String({ description: 'The request id (`x-request-id`), also in the logs.' }),
  retry_after: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Seconds to wait before retrying (with 429 and 503).' }),
  ),
};

/** Chatgate's error body, answered with `description` (what the status means on this route). */
export const errorBody = (description: string) =>
  Type.Object(ErrorBodyProperties, { title: 'ChatgateError', description });

/**
 * OpenAI's error object, all four keys always present
 * (https://platform.openai.com/docs/guides/error-codes).
 */
export const openAIErrorBody = (description: string) =>
  Type.Object(
    {
      error: Type.Object({
        message: Type.String(),
        type: Type.String({ description: '`invalid_request_error`, `rate_limit_error`, `server_error`, …' }),
        param: Type.Union([Type.String(), Type.Null()], { description: 'The request field at fault.' }),
        code: Type.Union([Type.String(), Type.Null()]),
      }),
    },
    { title: 'OpenAIError', description },
  );

/**
 * An answer without a body (204, and the 2xx of a webhook): `type: 'null'` in the document, as
 * @fastify/swagger reads it; typed `undefined` so that `reply.send()` takes no payload.
 */
export const noContent = (description = 'No body.') => Type.Unsafe<undefined>({ type: 'null', description });

/** What each error status means, for the routes that may answer it. */
const MEANINGS: Record<number, string> = {
  400: 'A bad field, named in the error.',
  401: 'Missing or unknown Bearer key.',
  403: 'The key may not do this.',
  404: 'Not found.',
  408: 'The request body did not arrive in time.',
  413: 'The body is over the size limit.',
  414: 'A path parameter is too long.',
  429: 'Over a rate limit, quota or budget; `retry_after` says when to retry.',
  503: 'Unavailable for now (queue full, store down, shutting down); retry after `retry_after`.',
};

/** Chatgate's error body for each status in `statuses` (keys of a `response` schema). */
export function errors<const S extends readonly number[]>(...statuses: S) {
  return byStatus(statuses, errorBody);
}

/** OpenAI's error object for each status in `statuses`. */
export function openAIErrors<const S extends readonly number[]>(...statuses: S) {
  return byStatus(statuses, openAIErrorBody);
}

function byStatus<const S extends readonly number[], T extends TSchema>(
  statuses: S,
  body: (description: string) => T,
): { [K in S[number]]: T } {
  return Object.fromEntries(statuses.map((status) => [status, body(MEANINGS[status] ?? 'Error.')])) as {
    [K in S[number]]: T;
  };
}
