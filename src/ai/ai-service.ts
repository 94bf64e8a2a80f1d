import type { CommunitySettings } from '../community/community-settings.js';
import type { ChatMode } from '../config/schema.js';
import type { Metrics } from '../observability/metrics.js';
import type { AiResult, ServiceStatus } from './ai-result.js';
import type { ProviderLink, ProviderRegistry } from './provider-registry.js';
import {
  type ChatMessage,
  type ChatRequest,
  ProviderError,
  type ProviderKind,
} from './providers/provider.js';

/** One question for the AI service: whose settings apply, and the prompt. */
export interface AiRequest {
  community: Pick<
    CommunitySettings,
    'provider' | 'model' | 'fallbackProvider' | 'fallbackModel' | 'temperature' | 'maxTokens'
  >;
  messages: ChatMessage[];
  /** The plain text being answered, for the local responder. */
  hint?: ChatRequest['hint'];
  signal?: AbortSignal;
}

/** No link of the chain could answer (remote mode with offline replies off, or a cancel). */
export class AiUnavailableError extends Error {
  override readonly name = 'AiUnavailableError';
  constructor(readonly reasons: string) {
    super(`no provider could answer: ${reasons}`);
  }
}

interface ChainLink {
  kind: ProviderKind;
  model: string;
  link: ProviderLink;
}

/**
 * Answers chat requests through a community's provider chain: its provider → its fallback → the
 * local responder, each remote link behind its endpoint's timeout/retry/breaker guard.
 * Modes: `remote` (remote links; local only when offline replies are enabled), `local` (the local
 * responder only), `hybrid` (remote, then local).
 */
export class AiService {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly metrics: Metrics,
    private modeSetting: ChatMode,
    private readonly offlineResponses: boolean,
  ) {}

  get mode(): ChatMode {
    return this.modeSetting;
  }

  /** Switches the mode at run time (admin route); applies to the next request. */
  setMode(mode: ChatMode): void {
    this.modeSetting = mode;
  }

  /**
   * Asks the chain, link by link, until one answers.
   * @throws AiUnavailableError when no link answered (its `reasons` say why each failed).
   */
  async complete(request: AiRequest): Promise<AiResult> {
    const started = performance.now();
    const reasons: string[] = [];
    const chain = this.chain(request.community);
    for (const [index, { kind, model, link }] of chain.entries()) {
      if (request.signal?.aborted) break;
      const chatRequest: ChatRequest = {
        model,
        messages: request.messages,
        temperature: request.community.temperature,
        max_tokens: request.community.maxTokens,
        hint: request.hint,
      };
      const attemptStarted = performance.now();
      try {
        const result = link.guard
          ? await link.guard.execute((signal) => link.provider.chat(chatRequest, signal), request.signal)
          : await link.provider.chat(chatRequest, request.signal);
        this.metrics.providerDuration
          .labels(kind, 'success')
          .observe((performance.now() - attemptStarted) / 1000);
        return {
          content: result.content,
          finishReason: result.finish_reason,
          usage: result.usage,
          mode: kind === 'local' ? 'local' : 'remote',
          provider: kind,
          model: result.model || model,
          serviceStatus: statusOf(index, kind),
          fallbackReason: reasons.length > 0 ? reasons.join('; ') : undefined,
          processingTimeMs: Math.round(performance.now() - started),
        };
      } catch (error) {
        const code = error instanceof ProviderError ? error.code : 'error';
        this.metrics.providerErrors.labels(kind, code).inc();
        if (code !== 'breaker_open') {
          this.metrics.providerDuration
            .labels(kind, 'failure')
            .observe((performance.now() - attemptStarted) / 1000);
        }
        reasons.push(describeFailure(kind, error));
      }
    }
    throw new AiUnavailableError(reasons.join('; ') || 'cancelled');
  }

  /** The links to try for a community under the current mode, without duplicates. */
  private chain(community: AiRequest['community']): ChainLink[] {
    const links: ChainLink[] = [];
    const add = (kind: ProviderKind | undefined, model: string | undefined) => {
      if (!kind || links.some((link) => link.kind === kind)) return;
      links.push({
        kind,
        model: kind === 'local' ? 'local-responder' : (model ?? community.model),
        link: this.registry.get(kind),
      });
    };
    if (this.modeSetting !== 'local') {
      add(community.provider, community.model);
      add(community.fallbackProvider, community.fallbackModel);
    }
    if (this.modeSetting !== 'remote' || this.offlineResponses) add('local', undefined);
    return links;
  }
}

function statusOf(index: number, kind: ProviderKind): ServiceStatus {
  if (kind === 'local') return 'offline';
  return index === 0 ? 'healthy' : 'degraded';
}

/** `ollama: breaker_open`, `ollama: HTTP 500`, `openai: connection` … for `fallback_reason`. */
function describeFailure(kind: ProviderKind, error: unknown): string {
  if (error instanceof ProviderError) {
    return error.code === 'http' ? `${kind}: HTTP ${error.status}` : `${kind}: ${error.code}`;
  }
  return `${kind}: ${error instanceof Error ? error.message : 'failed'}`;
}
