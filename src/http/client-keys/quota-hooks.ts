import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { AiStream } from '../../ai/ai-result.js';
import type { ChatDelta } from '../../ai/providers/provider.js';
import type { Metrics } from '../../observability/metrics.js';
import { estimatedUsage } from '../openai/completion.js';
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

/**
 * Counts `tokens` as used today by the request's stored key (no-op for other callers).
 * Never throws: a counter failure is logged.
 */
export function countTokens(request: FastifyRequest, quotas: ClientKeyQuotas, tokens: number): void {
  const key = request.clientKey;
  if (!key) return;
  quotas.record(key.id, tokens).catch((error: unknown) => {
    request.log.warn({ err: error, client_key: key.id }, 'could not count a client key’s tokens');
  });
}

/**
 * `stream` with its tokens counted for the request's stored key once it ends, however it ends (done,
 * failed, or the client gone): the provider's `usage` when a delta carried it, else an estimate
 * from `promptChars` and the text streamed so far. The stream itself for callers without one.
 */
export function countedStream(
  request: FastifyRequest,
  quotas: ClientKeyQuotas,
  stream: AiStream,
  promptChars: number,
): AiStream {
  if (!request.clientKey) return stream;
  return { ...stream, deltas: counted(stream.deltas) };

  async function* counted(deltas: AsyncIterable<ChatDelta>): AsyncIterable<ChatDelta> {
    let usage: ChatDelta['usage'];
    let chars = 0;
    try {
      for await (const delta of deltas) {
        if (delta.usage) usage = delta.usage;
        chars += delta.content?.length ?? 0;
        for (const call of delta.tool_calls ?? []) chars += call.function?.arguments?.length ?? 0;
        yield delta;
      }
    } finally {
      countTokens(request, quotas, (usage ?? estimatedUsage(promptChars, chars)).total_tokens);
    }
  }
}
