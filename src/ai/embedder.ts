import type { ChatMode } from '../config/schema.js';
import type { Metrics } from '../observability/metrics.js';
import { AiUnavailableError } from './ai-service.js';
import { recordProviderFailure, recordProviderSuccess } from './provider-outcome.js';
import { ownEndpointFor, type ProviderRegistry } from './provider-registry.js';
import type { EmbeddingRequest, EmbeddingResult, ProviderKind } from './providers/provider.js';

/** Where an embedding request goes: the community's endpoints, and which provider and model. */
export interface EmbeddingTarget {
  community: { provider: ProviderKind; baseUrl?: string; apiKey?: string };
  kind: ProviderKind;
  model: string;
}

/** Vectors, and who made them. */
export interface EmbeddingAnswer extends EmbeddingResult {
  provider: ProviderKind;
}

/**
 * Embeds through one provider, behind its endpoint's guard (the registry's ResilientEndpoint:
 * timeout, retry of retryable failures, circuit breaker), like one link of a chat chain.
 *
 * There is no fallback to another provider: vectors of two models live in different spaces, so a
 * vector from the fallback would sit in the caller's index beside the primary's and match nothing.
 * A failure is answered as it is, for the caller to retry.
 *
 * The request is built (`prepareEmbedding`) before the guard, so that a request the provider
 * refuses (token ids to Ollama) or cannot serve (the local responder) never counts against the
 * breaker; the upstream's own 4xx does not count either (resilience.ts).
 */
export class Embedder {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Vectors for `request` from `target`. In `local` mode every remote provider is off, so the
   * local responder is asked (and refuses).
   * @throws AiUnavailableError whose `lastError` is the ProviderError: `unsupported` (no provider
   *   that can embed: the local responder), `invalid_request` (the provider cannot take this
   *   input), or the call's own failure (`http`, `connection`, `timeout`, `breaker_open`, `aborted`).
   */
  async embed(
    target: EmbeddingTarget,
    request: Omit<EmbeddingRequest, 'model'>,
    mode: ChatMode,
    signal?: AbortSignal,
  ): Promise<EmbeddingAnswer> {
    const kind = mode === 'local' ? 'local' : target.kind;
    const link = this.registry.get(kind, ownEndpointFor(target.community, kind));
    const started = performance.now();
    try {
      const prepared = link.provider.prepareEmbedding({ ...request, model: target.model });
      const result = link.guard
        ? await link.guard.execute((attempt) => prepared.embed(attempt), signal)
        : await prepared.embed(signal);
      recordProviderSuccess(this.metrics, kind, started);
      return { ...result, provider: kind };
    } catch (error) {
      throw new AiUnavailableError(recordProviderFailure(this.metrics, kind, error, started), error);
    }
  }
}
