import type { FastifyReply, FastifyRequest } from 'fastify';
import { AiUnavailableError } from '../../ai/ai-service.js';
import { Embedder, type EmbeddingTarget } from '../../ai/embedder.js';
import type { ModelCatalog } from '../../ai/model-catalog.js';
import { encodeFloat32Base64 } from '../../ai/providers/float32-base64.js';
import { type EmbeddingRequest, ProviderError } from '../../ai/providers/provider.js';
import type { Services } from '../../services.js';
import type { Drain } from '../drain.js';
import { parseEmbeddingRequest } from './embedding-request.js';
import { fromUnavailable, invalidParam, modelNotFound } from './errors.js';
import type { RouteMetering } from './metering.js';
import { timeUpstream } from './server-timing.js';
import { cutByShutdown } from './shutdown.js';
import { upstreamCancel } from './upstream-cancel.js';

/** What the embeddings route needs from the OpenAI plugin it is registered in. */
export interface EmbeddingsRouteDeps {
  services: Pick<Services, 'ai' | 'communities' | 'metrics' | 'providers'>;
  /** The plugin's model catalog: a model no provider of the community serves is a 404. */
  catalog: ModelCatalog;
  /** The community of a request (`X-Community-Id`, checked against the caller's key). */
  communityOf: (request: FastifyRequest) => string;
  drain?: Drain;
  /** Budgets and usage: a 429 over budget, and the input's tokens counted. */
  metering?: RouteMetering;
}

/**
 * The handler of `POST /v1/embeddings` (and `/api/v1/ai/embeddings`), OpenAI's wire format
 * (`CreateEmbeddingRequest` → `CreateEmbeddingResponse`). Register it inside the OpenAI plugin,
 * whose hooks give it auth, the rate limit, Server-Timing and OpenAI's error shape.
 *
 * The model resolves as for chat completions (`chatgate/auto`: the community's provider and model;
 * unknown: 404 `model_not_found`); one provider answers, behind its breaker, with no fallback (see
 * Embedder). Vectors come back as floats, or as base64 of little-endian float32s for
 * `encoding_format: "base64"` (encoded here, whatever the provider). Answers: 400 naming the field
 * for a bad body or an input the provider cannot take (token ids to Ollama); 503
 * `no_capable_provider` with `retry-after` when only the local responder is left (it cannot
 * embed); the upstream's 404/429/4xx as for chat; 503 `service_unavailable` when the upstream
 * failed; 503 `shutting_down` when the shutdown grace ended first. `x-chatgate-provider` says who
 * answered; `x-chatgate-ignored-params` names `user` when Ollama answered (it has no `user`), and
 * `dimensions` when the vectors came back at another length than asked.
 */
export function embeddingsHandler(deps: EmbeddingsRouteDeps) {
  const { services, catalog, communityOf, drain, metering } = deps;
  const embedder = new Embedder(services.providers, services.metrics);

  return async function embeddings(request: FastifyRequest, reply: FastifyReply) {
    const parsed = parseEmbeddingRequest(request.body);
    const community = await services.communities.get(communityOf(request));
    const choice = await catalog.resolve(parsed.model, community);
    if (choice.kind === 'unknown') throw modelNotFound(parsed.model);
    const target: EmbeddingTarget =
      choice.kind === 'pinned'
        ? { community, kind: choice.provider, model: choice.model }
        : { community, kind: community.provider, model: community.model };
    const { input, dimensions, user } = parsed;
    const inputChars = charsOf(input);
    const ticket = await metering?.admit(request, community, {
      userId: user,
      maxTokens: 0,
      promptChars: inputChars,
    });
    // A client that goes away aborts the upstream call; the shutdown's cut does too.
    const cancel = upstreamCancel(request, reply, drain, false);
    const answer = await timeUpstream(request, () =>
      embedder.embed(target, { input, dimensions, user }, services.ai.mode, cancel.signal),
    )
      .then(async (embedded) => {
        const usage = { prompt_tokens: embedded.usage.prompt_tokens, completion_tokens: 0 };
        await ticket?.record(embedded.model, usage, 0);
        return embedded;
      })
      .catch((error: unknown) => {
        throw cutByShutdown(cancel.signal) ?? toOpenAIError(error);
      })
      .finally(() => ticket?.release());
    void reply.header('x-chatgate-provider', answer.provider);
    const ignored = [
      ...(answer.provider === 'ollama' && user !== undefined ? ['user'] : []),
      // An upstream that does not know `dimensions` (an older Ollama, say) sends its full length:
      // said here, since vectors of the wrong length would break the caller's index.
      ...(dimensions !== undefined && answer.embeddings.some((v) => v.length !== dimensions)
        ? ['dimensions']
        : []),
    ];
    if (ignored.length > 0) void reply.header('x-chatgate-ignored-params', ignored.join(','));
    return {
      object: 'list' as const,
      data: answer.embeddings.map((vector, index) => ({
        object: 'embedding' as const,
        index,
        embedding: parsed.encoding === 'base64' ? encodeFloat32Base64(vector) : vector,
      })),
      model: answer.model,
      usage: answer.usage,
    };
  };
}

/** The length of an embedding input, chars (a token id counted as 4, the estimate's ratio). */
function charsOf(input: EmbeddingRequest['input']): number {
  const items: unknown[] = Array.isArray(input) ? input : [input];
  let chars = 0;
  for (const item of items) {
    if (typeof item === 'string') chars += item.length;
    else if (typeof item === 'number') chars += 4;
    else if (Array.isArray(item)) chars += item.length * 4;
  }
  return chars;
}

/** A failed embedding call as the caller's answer; an input the provider cannot take names `input`. */
function toOpenAIError(error: unknown): unknown {
  if (!(error instanceof AiUnavailableError)) return error;
  const last = error.lastError;
  if (last instanceof ProviderError && last.code === 'invalid_request') {
    return invalidParam('input', last.message);
  }
  return fromUnavailable(error);
}
