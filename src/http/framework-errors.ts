import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';
import { OpenAIError, sendOpenAIError } from './openai/errors.js';
import { isOpenAIPath } from './openai/unknown-route.js';

/** Longest path parameter fastify's router accepts (its `maxParamLength`), characters. */
export const MAX_PARAM_CHARS = 100;

/**
 * Answers what fastify's router refuses before any route or error handler sees it, in chatgate's
 * error shape instead of fastify's own body: a path parameter longer than `MAX_PARAM_CHARS`
 * (414 `param_too_long`) and a path that is not valid percent-encoding (400 `bad_url`); anything
 * else the router throws is a logged 500 `router_error`; on the OpenAI paths, in OpenAI's error
 * shape (`param: 'path'`). For fastify's `frameworkErrors`. The path
 * is not echoed: it is the caller's, and may be long.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  // No route, so no route hooks: the request id header the app's onSend hook would add.
  void reply.header('x-request-id', request.id);
  const refusal =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? {
          status: 414,
          code: 'param_too_long',
          detail: `a path parameter is longer than ${MAX_PARAM_CHARS} characters`,
        }
      : error.code === 'FST_ERR_BAD_URL'
        ? { status: 400, code: 'bad_url', detail: 'is not a valid URL path (bad percent-encoding)' }
        : undefined;
  if (refusal && isOpenAIPath(request.url)) {
    const message = `path: ${refusal.detail}`;
    return sendOpenAIError(
      reply,
      new OpenAIError(refusal.status, message, 'invalid_request_error', 'path', refusal.code),
    );
  }
  if (refusal) return sendError(request, reply, refusal.status, refusal.code, `path: ${refusal.detail}`);
  // Anything else (an async route constraint that failed: we have none) is ours, not the caller's.
  request.log.error({ err: error }, 'router error');
  return sendError(request, reply, 500, 'router_error', 'see the logs for this correlation_id');
}
