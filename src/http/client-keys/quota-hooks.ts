import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Metrics } from '../../observability/metrics.js';
import { OpenAIError, sendOpenAIError } from '../openai/errors.js';
import type { ClientKeyQuotas, QuotaRefusal } from './quotas.js';

/** True when the request's stored key has a limit of its own (`rpm` or `daily_tokens`). */
export const isLimited = (request: FastifyRequest) =>
  request.clientKey !== undefined &&
  (request.clientKey.rpm !== undefined || request.clientKey.dailyTokens !== undefined);

/** A quota refusal as OpenAI answers it: 429, `type` `requests` or `tokens`, `rate_limit_exceeded`. */
export const quotaError = (refusal: QuotaRefusal) =>
  new OpenAIError(429, refusal.message, refusal.kind, null, 'rate_limit_exceeded', refusal.retryAfterS);

/**
 * An onRequest hook (after auth) for the OpenAI routes: a POST (a chat, Responses or embeddings
 * call) of a stored key with limits is counted against them; the key's `x-ratelimit-*` headers go
 * on the answer, and over a limit the answer is OpenAI's 429 with `retry-after`, before any body is
 * read or stream started. Other requests pass without I/O. Callback-style: this is the hot path.
 */
export function openAIQuotaHook(quotas: ClientKeyQuotas, metrics: Metrics) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const key = request.clientKey;
    if (!key || request.method !== 'POST' || !isLimited(request)) return done();
    quotas.admit(key).then((decision) => {
      void reply.headers(decision.headers);
      if (!decision.refusal) return done();
      metrics.rateLimited.labels('client_key').inc();
      sendOpenAIError(reply, quotaError(decision.refusal));
    }, done);
  };
}

/**
 * The quota check of our own routes (`POST /api/v1/ai/interaction`): counts a request of a stored
 * key with limits, sets its `x-ratelimit-*` headers, and returns the refusal when over (the route
 * answers 429 in our shape with `retry_after`); undefined when it may go on.
 */
export async function admitOwnRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  quotas: ClientKeyQuotas,
  metrics: Metrics,
): Promise<QuotaRefusal | undefined> {
  const key = request.clientKey;
  if (!key || !isLimited(request)) return undefined;
  const decision = await quotas.admit(key);
  void reply.headers(decision.headers);
  if (decision.refusal) metrics.rateLimited.labels('client_key').inc();
  return decision.refusal;
}

/** The `x-ratelimit-*` headers already set on `reply` (a hijacked stream writes its own head). */
export function rateLimitHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (name.startsWith('x-ratelimit-') && value !== undefined) headers[name] = String(value);
  }
  return headers;
}
