import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ChatgateError, QueueFullError, ValidationError } from '../core/errors.js';
import { StoreUnavailableError } from '../stores/community-config-store.js';
import { answerUnknownOpenAIRoute, isOpenAIPath } from './openai/unknown-route.js';

/** `Retry-After` of a 503 while a store's server is down, s: the stores reconnect on the next call. */
const STORE_RETRY_AFTER_S = 5;

/** Our own routes' error body. `retry_after` (seconds) comes with 429 and 503. */
export interface ErrorBody {
  detail: string;
  error_code: string;
  timestamp: string;
  correlation_id: string;
  retry_after?: number;
}

/** Sends our error body, with `Retry-After` when `retryAfter` (seconds) is given. */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  retryAfter?: number,
): FastifyReply {
  const body: ErrorBody = {
    detail,
    error_code: code,
    timestamp: new Date().toISOString(),
    correlation_id: String(request.id),
  };
  if (retryAfter !== undefined) {
    body.retry_after = retryAfter;
    void reply.header('retry-after', String(retryAfter));
  }
  return reply.code(status).send(body);
}

/** Turns fastify's schema errors into one sentence that names the field. */
function describeValidation(error: FastifyError): { field: string; detail: string } {
  const first = error.validation?.[0];
  if (!first) return { field: '', detail: error.message };
  const params = first.params as Record<string, unknown>;
  const base = first.instancePath.slice(1).replaceAll('/', '.');
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
  const field = [error.validationContext, base, missing].filter(Boolean).join('.');
  return { field, detail: `${field}: ${missing ? 'is required' : first.message}` };
}

/**
 * One error handler for the whole app: our named errors keep their status and code; schema and
 * body-parse errors become 400s naming the field; anything else is a 500 whose details are logged
 * with the request id and hidden from the caller. An unknown route is a 404 in our shape, or in
 * OpenAI's on the OpenAI-compatible paths (openai/unknown-route.ts).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const { detail } = describeValidation(error);
      return sendError(request, reply, 400, 'validation_error', detail);
    }
    if (error instanceof ValidationError) return sendError(request, reply, 400, error.code, error.message);
    if (error instanceof QueueFullError) {
      return sendError(request, reply, 503, error.code, error.message, error.retryAfterSeconds);
    }
    if (error instanceof StoreUnavailableError) {
      // The database is down (or unreachable): a clean 503 to retry, not an internal error.
      const detail = `${error.message}; retry later`;
      return sendError(request, reply, 503, 'store_unavailable', detail, STORE_RETRY_AFTER_S);
    }
    if (error instanceof ChatgateError)
      return sendError(request, reply, error.status, error.code, error.message);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(request, reply, status, error.code?.toLowerCase() ?? 'bad_request', error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(
      request,
      reply,
      500,
      'internal_error',
      'internal error; see the logs for this correlation_id',
    );
  });
  app.setNotFoundHandler((request, reply) =>
    isOpenAIPath(request.url)
      ? answerUnknownOpenAIRoute(request, reply)
      : sendError(
          request,
          reply,
          404,
          'not_found',
          `no route ${request.method} ${request.url.split('?')[0]}`,
        ),
  );
}
