import type { Metrics } from '../observability/metrics.js';
import { createLocalProvider } from './providers/local/local-provider.js';
import { createOllamaProvider } from './providers/ollama/ollama-provider.js';
import { createOpenAIProvider } from './providers/openai-compatible/openai-provider.js';
import type { ChatProvider, ProviderKind } from './providers/provider.js';
import { type BreakerState, type ResilienceSettings, ResilientEndpoint } from './resilience.js';

/** Where a remote provider lives: the base URL and, for OpenAI-compatible servers, its key. */
export interface EndpointSettings {
  ollamaHost: string;
  openaiBaseUrl?: string;
  openaiApiKey?: string;
}

/** A provider with its guard. `guard` is absent for the local responder, which cannot fail over. */
export interface ProviderLink {
  provider: ChatProvider;
  guard?: ResilientEndpoint;
}

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2, isolated: 1 };
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Builds providers on demand, one client and one circuit breaker per endpoint, shared by every
 * community that uses that endpoint (so one failing Ollama opens one breaker, not one per channel).
 */
export class ProviderRegistry {
  private readonly links = new Map<string, ProviderLink>();
  private readonly local: ProviderLink;

  constructor(
    private readonly endpoints: EndpointSettings,
    private readonly resilience: ResilienceSettings,
    private readonly metrics: Metrics,
    botName: string,
  ) {
    this.local = { provider: createLocalProvider({ botName }) };
  }

  /** The link for a provider kind at the service's configured endpoint. */
  get(kind: ProviderKind): ProviderLink {
    if (kind === 'local') return this.local;
    const endpoint =
      kind === 'ollama'
        ? this.endpoints.ollamaHost
        : (this.endpoints.openaiBaseUrl ?? OPENAI_DEFAULT_BASE_URL);
    const key = `${kind} ${endpoint}`;
    let link = this.links.get(key);
    if (!link) {
      const provider =
        kind === 'ollama'
          ? createOllamaProvider({ host: endpoint })
          : createOpenAIProvider({ baseUrl: endpoint, apiKey: this.endpoints.openaiApiKey });
      const gauge = this.metrics.breakerState.labels(kind, endpoint);
      gauge.set(0);
      const guard = new ResilientEndpoint(kind, endpoint, this.resilience, (state) =>
        gauge.set(BREAKER_GAUGE[state]),
      );
      link = { provider, guard };
      this.links.set(key, link);
    }
    return link;
  }

  /** Every remote link built so far, for status and admin resets. */
  remoteLinks(): ProviderLink[] {
    return [...this.links.values()];
  }
}
