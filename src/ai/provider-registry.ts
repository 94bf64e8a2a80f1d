import { createHash } from 'node:crypto';
import type { Metrics } from '../observability/metrics.js';
import { createLocalProvider } from './providers/local/local-provider.js';
import { createOllamaProvider } from './providers/ollama/ollama-provider.js';
import { createOpenAIProvider } from './providers/openai-compatible/openai-provider.js';
import type { ChatProvider, ProviderKind } from './providers/provider.js';
import { type BreakerState, type ResilienceSettings, ResilientEndpoint } from './resilience.js';
import type { SharedBreakerStore } from './shared-breaker.js';

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

/**
 * The endpoint a community's link to `kind` uses: its own `baseUrl`/`apiKey` for its own provider,
 * the service's for any other (a fallback). Shared by the AI service and the model catalog.
 */
export function ownEndpointFor(
  community: { provider: ProviderKind; baseUrl?: string; apiKey?: string },
  kind: ProviderKind,
): { baseUrl?: string; apiKey?: string } {
  return kind === community.provider ? { baseUrl: community.baseUrl, apiKey: community.apiKey } : {};
}

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2, isolated: 1 };
/** Which state a shared gauge shows when the links behind it differ: the worst. */
const SEVERITY: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2, isolated: 2 };
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Builds providers on demand, one client and one circuit breaker per endpoint, shared by every
 * community that uses that endpoint (so one failing Ollama opens one breaker, not one per channel).
 * With a `sharedBreakers` store (Redis), each endpoint's breaker is shared with the other instances
 * too, under an id made of the provider kind, the endpoint and a hash of its key.
 *
 * @example
 * const registry = new ProviderRegistry(endpoints, config.ai, metrics, config.bot.name,
 *   stores.redis ? new RedisSharedBreakerStore(stores.redis, { logger }) : undefined);
 */
export class ProviderRegistry {
  private readonly links = new Map<string, ProviderLink>();
  private readonly local: ProviderLink;
  /**
   * The breaker state of each link, by its gauge's labels (kind and public endpoint): two links on
   * one endpoint with different keys (two communities, one proxy, two accounts) share a gauge, which
   * shows the worst of them.
   */
  private readonly gaugeStates = new Map<string, Map<string, BreakerState>>();

  constructor(
    private readonly endpoints: EndpointSettings,
    private readonly resilience: ResilienceSettings,
    private readonly metrics: Metrics,
    botName: string,
    /** Where breaker state is shared between instances; absent: each breaker is this process's own. */
    private readonly sharedBreakers?: SharedBreakerStore,
  ) {
    this.local = { provider: createLocalProvider({ botName }) };
  }

  /**
   * The link for a provider kind: at the service's configured endpoint, or at a community's own
   * (`baseUrl`, `apiKey`). One client and one breaker per endpoint and key.
   */
  get(kind: ProviderKind, own: { baseUrl?: string; apiKey?: string } = {}): ProviderLink {
    if (kind === 'local') return this.local;
    const endpoint =
      own.baseUrl ??
      (kind === 'ollama'
        ? this.endpoints.ollamaHost
        : (this.endpoints.openaiBaseUrl ?? OPENAI_DEFAULT_BASE_URL));
    const apiKey = own.baseUrl || own.apiKey ? own.apiKey : this.endpoints.openaiApiKey;
    // The key is part of the identity (two communities, one proxy, two accounts), hashed so that
    // the map never holds it in clear. The identity is the whole URL (its userinfo may be an
    // account too); the shared store keeps only a hash of it.
    const key = `${kind} ${endpoint} ${apiKey ? createHash('sha256').update(apiKey).digest('hex').slice(0, 16) : ''}`;
    let link = this.links.get(key);
    if (!link) {
      const provider =
        kind === 'ollama'
          ? createOllamaProvider({ host: endpoint })
          : createOpenAIProvider({ baseUrl: endpoint, apiKey });
      // Shown in metrics and status: the public form, never the URL's userinfo or query.
      const publish = this.gaugeFor(kind, provider.endpoint, key);
      publish('closed');
      const shared = this.sharedBreakers && { store: this.sharedBreakers, id: key };
      const guard = new ResilientEndpoint(kind, provider.endpoint, this.resilience, publish, shared);
      link = { provider, guard };
      this.links.set(key, link);
    }
    return link;
  }

  /** Sets link `key`'s state behind the gauge of (`kind`, `endpoint`), which shows the worst of its links. */
  private gaugeFor(kind: ProviderKind, endpoint: string, key: string): (state: BreakerState) => void {
    const labels = `${kind} ${endpoint}`;
    const states = this.gaugeStates.get(labels) ?? new Map<string, BreakerState>();
    this.gaugeStates.set(labels, states);
    const gauge = this.metrics.breakerState.labels(kind, endpoint);
    return (state) => {
      states.set(key, state);
      let worst: BreakerState = 'closed';
      for (const each of states.values()) if (SEVERITY[each] > SEVERITY[worst]) worst = each;
      gauge.set(BREAKER_GAUGE[worst]);
    };
  }

  /** Every remote link built so far, for status and admin resets. */
  remoteLinks(): ProviderLink[] {
    return [...this.links.values()];
  }
}
