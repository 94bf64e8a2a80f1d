import type { FastifyReply } from 'fastify';
import type { AiUnavailableError } from '../../ai/ai-service.js';
import { ProviderError } from '../../ai/providers/provider.js';

/**
 * An error answered in OpenAI's shape, `{ error: { message, type, param, code } }`, all four keys
 * always present (https://platform.openai.com/docs/guides/error-codes).
 */
export class OpenAIError extends Error {
  override readonly name = 'OpenAIError';
  constructor(
    readonly status: number,
    message: string,
    readonly type: 'invalid_request_error' | 'rate_limit_error' | 'server_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Seconds, sent as `retry-after` with 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  body() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A request field that is invalid or cannot be honoured: 400 naming it. */
export const invalidParam = (param: string, message: string, code: string | null = 'invalid_value') =>
  new OpenAIError(400, message, 'invalid_request_error', param, code);

/** Sends an OpenAIError (with `retry-after` when it has one). */
export function sendOpenAIError(reply: FastifyReply, error: OpenAIError): FastifyReply {
  if (error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
  return reply.code(error.status).send(error.body());
}

/**
 * What a failed chain means for the caller: a request that could not be built (ProviderError
 * `invalid_request`) is the caller's 400; the upstream's own 4xx is passed on (a 400 for a bad
 * parameter, 404 for an unknown model, 429 with its Retry-After); anything else is a 503 that says
 * which links failed.
 */
export function fromUnavailable(error: AiUnavailableError): OpenAIError {
  const last = error.lastError;
  if (last instanceof ProviderError && last.code === 'invalid_request') {
    return new OpenAIError(400, last.message, 'invalid_request_error', null, 'invalid_request');
  }
  if (last instanceof ProviderError && last.code === 'http' && last.status !== undefined) {
    const retryAfter = last.retryAfterMs === undefined ? undefined : Math.ceil(last.retryAfterMs / 1000);
    if (last.status === 404) {
      return new OpenAIError(404, upstreamMessage(last), 'invalid_request_error', 'model', 'model_not_found');
    }
    if (last.status === 429) {
      return new OpenAIError(
        429,
        upstreamMessage(last),
        'rate_limit_error',
        null,
        'rate_limit_exceeded',
        retryAfter ?? 1,
      );
    }
    if (last.status >= 400 && last.status < 500) {
      return new OpenAIError(400, upstreamMessage(last), 'invalid_request_error', null, 'upstream_rejected');
    }
  }
  return new OpenAIError(
    503,
    `no provider could answer (${error.reasons})`,
    'server_error',
    null,
    'service_unavailable',
    1,
  );
}

function upstreamMessage(error: ProviderError): string {
  return `the provider answered: ${error.message}`;
}
