import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ChatgateError, QueueFullError, ValidationError } from '../core/errors.js';
import { OpenAIError, sendOpenAIError } from './openai/errors.js';

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
 * with the request id and hidden from the caller.
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
    sendError(request, reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}

/** Paths answered in OpenAI's error shape (the routes of `http/routes/openai.ts`). */
const OPENAI_PATH = /^\/(?:v1|api\/v1\/ai\/(?:chat|models))(?:[/?]|$)/;

/** Fastify's own request errors, raised before a route is found, as the caller reads them. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'validation_error',
    detail: 'path: a percent-escape does not decode to valid UTF-8',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'uri_too_long',
    detail: 'path: a path parameter is longer than 100 characters',
  },
};

/**
 * Fastify's `frameworkErrors` option: the errors fastify raises before routing (a path whose
 * percent-escapes are not UTF-8, a path parameter over `maxParamLength`) answered in our error shape,
 * or in OpenAI's on the OpenAI routes, instead of fastify's own body. Anything else keeps the status
 * fastify gave it, in the same shapes.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode ?? 500;
  // Only an async route constraint failing gets here today: a 500 whose details stay in the log.
  if (!FRAMEWORK_ERRORS[error.code] && status >= 500) request.log.error({ err: error }, 'framework error');
  const known = FRAMEWORK_ERRORS[error.code] ?? {
    status,
    code: status >= 500 ? 'internal_error' : error.code.toLowerCase(),
    detail: status >= 500 ? 'internal error; see the logs for this correlation_id' : error.message,
  };
  // The app's onSend hook does not run for these (fastify answers from its root context), so the
  // request id header that joins logs is set here.
  void reply.header('x-request-id', request.id);
  if (OPENAI_PATH.test(request.raw.url ?? '')) {
    const type = known.status >= 500 ? 'server_error' : 'invalid_request_error';
    const param = known.status >= 500 ? null : 'path';
    void sendOpenAIError(reply, new OpenAIError(known.status, known.detail, type, param, known.code));
    return;
  }
  void sendError(request, reply, known.status, known.code, known.detail);
}
