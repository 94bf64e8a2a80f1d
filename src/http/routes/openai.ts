import { hash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AiUnavailableError } from '../../ai/ai-service.js';
import { ModelCatalog } from '../../ai/model-catalog.js';
import { ignoredParams } from '../../ai/providers/honoured-params.js';
import type { ChatRequest, ProviderKind } from '../../ai/providers/provider.js';
import type { CommunitySettings } from '../../community/community-settings.js';
import { ShuttingDownError, ValidationError } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { StoreUnavailableError } from '../../stores/community-config-store.js';
import {
  admit,
  bearerToken,
  type Caller,
  callerOf,
  type Identity,
  identifyCaller,
  type KeyRing,
} from '../auth.js';
import { openAIQuotaHook, rateLimitHeaders } from '../client-keys/quota-hooks.js';
import type { Drain } from '../drain.js';
import { cacheHeaders, responseCacheGateFor } from '../openai/cache/response-cache-gate.js';
import { type ParsedChatRequest, parseChatRequest } from '../openai/chat-request.js';
import { completionBody, nowSeconds } from '../openai/completion.js';
import { OPENAI_ROUTE_SCHEMAS as SCHEMAS } from '../openai/docs.js';
import { embeddingsHandler } from '../openai/embeddings.js';
import {
  fromUnavailable,
  invalidParam,
  modelNotFound,
  OpenAIError,
  sendOpenAIError,
} from '../openai/errors.js';
import { type MeterTicket, RouteMetering } from '../openai/metering.js';
import { RESPONSES_WIRE } from '../openai/responses/index.js';
import { addServerTiming, serverTiming, timeUpstream } from '../openai/server-timing.js';
import { cutByShutdown, shuttingDown } from '../openai/shutdown.js';
import { sseHeaders, writeStream } from '../openai/sse.js';
import { upstreamCancel } from '../openai/upstream-cancel.js';
import type { Wire } from '../openai/wire.js';
import { SECURITY } from '../openapi/register.js';

/** The provider and model a request named, or undefined (the community's chain). */
type AiRequestPin = { kind: ProviderKind; model: string } | undefined;

/** What these routes use of the services, and nothing more. */
export type OpenAIRouteDeps = Pick<
  Services,
  'ai' | 'clientKeys' | 'communities' | 'config' | 'logger' | 'metrics' | 'providers' | 'redis' | 'usage'
>;

const COMMUNITY_HEADER = 'x-community-id';
const PREFIXES = ['/v1', '/api/v1/ai'] as const;

/**
 * The OpenAI-compatible API, under `/v1` and `/api/v1/ai`: `POST …/chat/completions` and
 * `POST …/responses` (each with SSE streaming), `POST …/embeddings` (openai/embeddings.ts) and
 * `GET …/models`. Errors, auth failures and rate limits answer in OpenAI's error shape.
 * `X-Community-Id` picks the community whose provider chain answers: any for the admin key
 * and integration keys, only their own for client keys (403 otherwise). Stored client keys
 * (`/api/v1/keys`) are held to their `rpm` and `daily_tokens` (client-keys/quota-hooks.ts: 429 with
 * `x-ratelimit-*` headers, before a stream starts; tokens counted after each answer). Every answer carries
 * `Server-Timing` (upstream and chatgate time). With `drain`, a completion still running when the
 * shutdown grace ends answers 503 `shutting_down` (a started stream: an error event, no `[DONE]`).
 */
export const openAIRoutes = (services: OpenAIRouteDeps, keys: KeyRing, drain?: Drain): FastifyPluginAsync =>
  async function openAI(app) {
    const catalog = new ModelCatalog(services.providers, services.config.openaiApi.modelsCacheMs);
    const started = nowSeconds();
    const cache = responseCacheGateFor(services);
    const metering = new RouteMetering(services.usage);

    app.setErrorHandler((error, request, reply) => {
      if (error instanceof OpenAIError) return sendOpenAIError(reply, error);
      if (error instanceof ShuttingDownError) return sendOpenAIError(reply, shuttingDown(false));
      if (error instanceof StoreUnavailableError) {
        // The client key store's database is down: a clean 503 to retry, not an internal error.
        const message = `${error.message}; retry later`;
        return sendOpenAIError(
          reply,
          new OpenAIError(503, message, 'server_error', null, 'store_unavailable', 5),
        );
      }
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 429) {
        return sendOpenAIError(
          reply,
          new OpenAIError(
            429,
            'Rate limit reached for requests',
            'rate_limit_error',
            null,
            'rate_limit_exceeded',
          ),
        );
      }
      if (error instanceof ValidationError || (status !== undefined && status >= 400 && status < 500)) {
        return sendOpenAIError(reply, invalidParam('body', (error as Error).message, 'invalid_body'));
      }
      request.log.error({ err: error }, 'unhandled error on the OpenAI API');
      return sendOpenAIError(
        reply,
        new OpenAIError(500, 'internal error', 'server_error', null, 'internal_error'),
      );
    });

    addServerTiming(app);
    // Callback-style: an async hook costs a promise per request on the hottest path. A refusal
    // sends the answer and does not call `done`.
    // A stored client key is looked up through a short cache (synchronous when cached).
    app.addHook('onRequest', (request, reply, done) => {
      const identity = identifyCaller(keys, services.clientKeys.lookup, bearerToken(request));
      if (identity instanceof Promise)
        identity.then((known) => admitOrRefuse(request, reply, known, done), done);
      else admitOrRefuse(request, reply, identity, done);
    });
    app.addHook('onRequest', openAIQuotaHook(services.clientKeys.quotas, services.metrics));
    await app.register(rateLimit, {
      max: services.config.openaiApi.rateLimitPerMinute,
      timeWindow: 60_000,
      // One budget per API key, or per client address when the API is open. The key is hashed:
      // with Redis as the store it would otherwise sit there in clear.
      keyGenerator: (request) => {
        const token = bearerToken(request);
        return token ? `key:${hash('sha256', token).slice(0, 24)}` : `ip:${request.ip}`;
      },
      onExceeded: () => services.metrics.rateLimited.labels('openai').inc(),
      // With REDIS_URL the budget is shared by every instance; a Redis outage lets requests through.
      ...(services.redis
        ? { redis: services.redis, nameSpace: 'chatgate:ratelimit:', skipOnError: true }
        : {}),
    });

    const embeddings = embeddingsHandler({ services, catalog, communityOf, drain, metering });
    // This plugin checks the keys itself (above), so its routes name their security here.
    const security = SECURITY.caller;
    for (const prefix of PREFIXES) {
      app.post(`${prefix}/embeddings`, { schema: { ...SCHEMAS.embeddings, security } }, embeddings);
      app.get(`${prefix}/models`, { schema: { ...SCHEMAS.models, security } }, async (request) => {
        const community = await services.communities.get(communityOf(request));
        const models = await timeUpstream(request, () => catalog.list(community));
        return {
          object: 'list',
          data: models.map((model) => ({
            id: model.id,
            object: 'model',
            created: started,
            owned_by: model.ownedBy,
          })),
        };
      });
      app.post(`${prefix}/chat/completions`, { schema: { ...SCHEMAS.chat, security } }, (request, reply) =>
        chatCompletion(request, reply, CHAT_WIRE),
      );
      app.post(`${prefix}/responses`, { schema: { ...SCHEMAS.responses, security } }, (request, reply) =>
        chatCompletion(request, reply, RESPONSES_WIRE),
      );
    }

    /** One chat request, whichever API it came in: `wire` reads the body and writes the answer. */
    async function chatCompletion<P extends ParsedChatRequest>(
      request: FastifyRequest,
      reply: FastifyReply,
      wire: Wire<P>,
    ) {
      const parsed = wire.parse(request.body);
      const community = await services.communities.get(communityOf(request));
      const choice = await catalog.resolve(parsed.model, community);
      if (choice.kind === 'unknown') throw modelNotFound(parsed.model);
      const pin = choice.kind === 'pinned' ? { kind: choice.provider, model: choice.model } : undefined;
      const promptChars = parsed.messages.reduce((sum, message) => sum + message.content.length, 0);
      // Budgets: 429 `budget_exceeded` when used up; else a reservation held until the answer ends.
      const ticket = await metering.admit(request, community, {
        userId: parsed.options.user ?? parsed.options.safety_identifier,
        maxTokens: parsed.options.max_tokens ?? community.maxTokens,
        promptChars,
      });
      try {
        return await answer(request, reply, wire, parsed, { community, pin, promptChars, ticket });
      } finally {
        await ticket.release();
      }
    }

    /** Calls the chain (or the cache) and writes the answer; what the upstream used goes to `ticket`. */
    async function answer<P extends ParsedChatRequest>(
      request: FastifyRequest,
      reply: FastifyReply,
      wire: Wire<P>,
      parsed: P,
      call: {
        community: CommunitySettings;
        pin: AiRequestPin;
        promptChars: number;
        ticket: MeterTicket;
      },
    ) {
      const { community, pin, promptChars, ticket } = call;
      // A client that goes away aborts the upstream call; a stream also has a total time limit.
      const cancel = upstreamCancel(request, reply, drain, parsed.stream);
      const aiRequest = {
        community,
        messages: parsed.messages,
        options: parsed.options,
        pin,
        signal: cancel.signal,
      };
      const plan = cache.plan(aiRequest, parsed.model, request.headers['cache-control']);

      if (!parsed.stream) {
        // A hit asks no provider: its Server-Timing says upstream 0 (the lookup is chatgate's time),
        // and it counts no usage.
        const result = await cache
          .complete(plan, async () => {
            const fresh = await timeUpstream(request, () => services.ai.complete(aiRequest));
            await ticket.record(fresh.model, fresh.usage, fresh.content.length);
            return fresh;
          })
          .catch((error: unknown) => rethrow(error, cancel.signal));
        void reply.headers({ ...originHeaders(result, parsed.options), ...cacheHeaders(plan) });
        return wire.body(result, promptChars, parsed);
      }

      // One controller for both ends: the client leaving, or the stream running out of time.
      const timer = setTimeout(
        () => cancel.abort(new Error('stream timeout')),
        services.config.ai.streamTimeoutMs,
      );
      try {
        const stream = await cache
          .stream(
            plan,
            async () => ticket.metered(await timeUpstream(request, () => services.ai.stream(aiRequest))),
            cancel.signal,
          )
          .catch((error: unknown) => rethrow(error, cancel.signal));
        reply.hijack();
        // Hijacked: no onSend hook runs, so the headers they would add are set here. Server-Timing
        // holds what is known at the first byte (upstream: the time to the first delta).
        // Not flushed on their own: they go out with the stream's first event, written just after,
        // in one write (one packet and one wake-up of the client fewer before its first token).
        reply.raw.writeHead(
          200,
          sseHeaders({
            ...originHeaders(stream, parsed.options),
            ...cacheHeaders(plan),
            ...rateLimitHeaders(reply),
            'x-request-id': String(request.id),
            'server-timing': serverTiming(request, reply.elapsedTime),
          }),
        );
        await wire.stream(
          reply.raw,
          stream,
          { includeUsage: parsed.includeUsage, promptChars, signal: cancel.signal },
          parsed,
        );
      } finally {
        clearTimeout(timer);
      }
    }
  };

/** Chat completions' wire: `chat.completion` objects and chunks. */
const CHAT_WIRE: Wire<ParsedChatRequest> = {
  parse: parseChatRequest,
  body: completionBody,
  stream: writeStream,
};

/**
 * The community of a request: `X-Community-Id`, else `api:default`.
 * @throws OpenAIError 400 for a malformed header; 403 when a client key names another community
 *   than its own (it must not spend another community's stored provider key).
 */
function communityOf(request: FastifyRequest): string {
  const header = request.headers[COMMUNITY_HEADER];
  const caller: Caller = callerOf(request);
  const own = caller.kind === 'client' ? caller.communityId : 'api:default';
  if (header === undefined) return own;
  if (typeof header !== 'string' || header.length === 0 || header.length > 256) {
    throw invalidParam(COMMUNITY_HEADER, 'X-Community-Id must be one community id.', 'invalid_header');
  }
  if (caller.kind === 'client' && header !== own) {
    throw new OpenAIError(
      403,
      `This key may use only its own community (${own}).`,
      'invalid_request_error',
      COMMUNITY_HEADER,
      'community_forbidden',
    );
  }
  return header;
}

/**
 * Who answered, as headers, and what of the request it could not honour (`x-chatgate-ignored-params`,
 * comma-separated). A local fallback answer is final: retrying will not reach a model sooner.
 */
function originHeaders(
  origin: { provider: ProviderKind; model: string; fallbackReason?: string; mode: string },
  options: Partial<ChatRequest>,
) {
  const headers: Record<string, string> = {
    'x-chatgate-provider': origin.provider,
    'x-chatgate-mode': origin.mode,
  };
  const ignored = ignoredParams(origin.provider, options);
  if (ignored.length > 0) headers['x-chatgate-ignored-params'] = ignored.join(',');
  if (origin.fallbackReason) headers['x-chatgate-fallback'] = origin.fallbackReason;
  if (origin.mode === 'local' && origin.fallbackReason) headers['x-should-retry'] = 'false';
  return headers;
}

/**
 * Admits `identity` (then `done`) or answers 401 `invalid_api_key` in OpenAI's shape (and does not
 * call `done`). A function of its own, not a closure made in the hook: one fewer function object
 * per request (and under tsx, which keeps names, one fewer `Object.defineProperty`).
 */
function admitOrRefuse(request: FastifyRequest, reply: FastifyReply, identity: Identity, done: () => void) {
  if ('caller' in identity) {
    admit(request, identity);
    done();
    return;
  }
  const message =
    identity.refused === 'expired'
      ? `This API key expired at ${new Date(identity.expiredAt).toISOString()}.`
      : 'Incorrect or missing API key. Send it as Authorization: Bearer <key>.';
  sendOpenAIError(reply, new OpenAIError(401, message, 'invalid_request_error', null, 'invalid_api_key'));
}

/** The error to answer for a failed chain call; a call cut by the shutdown answers 503 `shutting_down`. */
function rethrow(error: unknown, signal: AbortSignal): never {
  throw cutByShutdown(signal) ?? (error instanceof AiUnavailableError ? fromUnavailable(error) : error);
}
