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
    /** `requests`/`tokens`: a client key's own limit (OpenAI's 429 names the limit so). */
    readonly type: 'invalid_request_error' | 'rate_limit_error' | 'server_error' | 'requests' | 'tokens',
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

/** A model no provider of the community serves: 404 `model_not_found` naming `model`, as OpenAI words it. */
export const modelNotFound = (model: string) =>
  new OpenAIError(
    404,
    `The model '${model}' does not exist or you do not have access to it.`,
    'invalid_request_error',
    'model',
    'model_not_found',
  );

/** Sends an OpenAIError (with `retry-after` when it has one). */
export function sendOpenAIError(reply: FastifyReply, error: OpenAIError): FastifyReply {
  if (error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
  return reply.code(error.status).send(error.body());
}

/**
 * What a failed chain means for the caller: a request that could not be built (ProviderError
 * `invalid_request`) is the caller's 400; the upstream's own 4xx is passed on (a 400 for a bad
 * parameter, 404 for an unknown model, 429 with its Retry-After); anything else is a 503 that says
 * which links failed. When the chain ended at the local responder refusing what it cannot honour
 * (ProviderError `unsupported`: a required tool call, a JSON answer), an earlier link's own refusal
 * of the request (a 4xx other than 408/429: Ollama and `tool_choice: "required"`, say) is the
 * answer, since retrying cannot help; otherwise a 503 `no_capable_provider` with `retry-after`
 * (the upstream's, when its failure came with one), since the links that could honour it may be
 * back soon.
 */
export function fromUnavailable(error: AiUnavailableError): OpenAIError {
  const last = error.lastError;
  if (last instanceof ProviderError && last.code === 'unsupported') return fromRefusal(error, last);
  return fromLastError(last, error.reasons);
}

/** The answer for the chain's last error (see `fromUnavailable`); `reasons` says why each link failed. */
function fromLastError(last: unknown, reasons: string): OpenAIError {
  if (last instanceof ProviderError && last.code === 'invalid_request') {
    return new OpenAIError(400, last.message, 'invalid_request_error', null, 'invalid_request');
  }
  if (last instanceof ProviderError && last.code === 'http' && last.status !== undefined) {
    const retryAfter = retryAfterSeconds(last);
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
    `no provider could answer (${reasons})`,
    'server_error',
    null,
    'service_unavailable',
    1,
  );
}

/** The answer when the local responder, last in the chain, refused what it cannot honour. */
function fromRefusal(error: AiUnavailableError, refusal: ProviderError): OpenAIError {
  const earlier = error.errors.filter((e): e is ProviderError => e instanceof ProviderError && e !== refusal);
  const final = earlier.findLast((e) => e.code === 'http' && !e.retryable && (e.status ?? 0) < 500);
  if (final) return fromLastError(final, error.reasons);
  const retryAfter = earlier.map(retryAfterSeconds).findLast((seconds) => seconds !== undefined);
  return new OpenAIError(
    503,
    `no provider of this community can answer this request now: ${refusal.message} (${error.reasons})`,
    'server_error',
    null,
    'no_capable_provider',
    retryAfter ?? 1,
  );
}

function retryAfterSeconds(error: ProviderError): number | undefined {
  return error.retryAfterMs === undefined ? undefined : Math.ceil(error.retryAfterMs / 1000);
}

function upstreamMessage(error: ProviderError): string {
  return `the provider answered: ${error.message}`;
}
