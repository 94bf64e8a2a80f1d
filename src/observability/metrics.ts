import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const PLATFORM_STATUS: Record<string, number> = { offline: 0, connecting: 1, online: 2, reconnecting: 3 };

/**
 * chatgate's Prometheus metrics, on a registry of its own (no module-level singletons, so tests
 * can build many services in one process). Served by `GET /metrics`. Durations in seconds, as
 * Prometheus conventions ask.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'chatgate_http_requests_total',
    help: 'HTTP requests answered, by route, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'chatgate_http_request_duration_seconds',
    help: 'HTTP request latency, by route',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly providerDuration = new Histogram({
    name: 'chatgate_provider_request_duration_seconds',
    help: 'Provider call latency (one attempt), by provider and outcome',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly providerErrors = new Counter({
    name: 'chatgate_provider_errors_total',
    help: 'Failed provider calls, by provider and error code (connection, timeout, http, bad_response, breaker_open)',
    labelNames: ['provider', 'code'] as const,
    registers: [this.registry],
  });

  readonly breakerState = new Gauge({
    name: 'chatgate_breaker_state',
    help: 'Circuit breaker state per provider endpoint: 0 closed, 1 open, 2 half-open',
    labelNames: ['provider', 'endpoint'] as const,
    registers: [this.registry],
  });

  private queue: { size: number; running: number } = { size: 0, running: 0 };

  readonly queueDepth: Gauge = new Gauge({
    name: 'chatgate_queue_depth',
    help: 'Interactions waiting to run',
    registers: [this.registry],
    collect: (): void => this.queueDepth.set(this.queue.size),
  });

  readonly queueRunning: Gauge = new Gauge({
    name: 'chatgate_queue_running',
    help: 'Interactions running now',
    registers: [this.registry],
    collect: (): void => this.queueRunning.set(this.queue.running),
  });

  private platformStates: () => { platform: string; status: string; lastEventAt?: number }[] = () => [];

  readonly platformStatus: Gauge = new Gauge({
    name: 'chatgate_platform_status',
    help: 'Platform adapter connection: 0 offline, 1 connecting, 2 online, 3 reconnecting',
    labelNames: ['platform'] as const,
    registers: [this.registry],
    collect: (): void => {
      for (const state of this.platformStates()) {
        this.platformStatus.labels(state.platform).set(PLATFORM_STATUS[state.status] ?? 0);
      }
    },
  });

  readonly platformSilence: Gauge = new Gauge({
    name: 'chatgate_platform_seconds_since_last_event',
    help: 'Seconds since a platform adapter last heard anything (event or heartbeat)',
    labelNames: ['platform'] as const,
    registers: [this.registry],
    collect: (): void => {
      for (const state of this.platformStates()) {
        if (state.lastEventAt)
          this.platformSilence.labels(state.platform).set((Date.now() - state.lastEventAt) / 1000);
      }
    },
  });

  /** Reads the platform adapters' states at each scrape. */
  observePlatforms(states: () => { platform: string; status: string; lastEventAt?: number }[]): void {
    this.platformStates = states;
  }

  /** Reads the queue's depth and running count at each scrape. */
  observeQueue(queue: { readonly size: number; readonly running: number }): void {
    this.queue = queue;
  }

  readonly triggersMatched = new Counter({
    name: 'chatgate_triggers_matched_total',
    help: 'Events that matched a trigger, by trigger kind',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });

  readonly eventsIgnored = new Counter({
    name: 'chatgate_events_ignored_total',
    help: 'Events the router did not queue, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'chatgate_rate_limited_total',
    help: 'Requests refused by a rate limit, by API surface',
    labelNames: ['api'] as const,
    registers: [this.registry],
  });

  readonly interactions = new Counter({
    name: 'chatgate_interactions_total',
    help: 'Finished interactions, by outcome (done, failed) and the mode and provider that answered',
    labelNames: ['status', 'mode', 'provider'] as const,
    registers: [this.registry],
  });

  readonly interactionDuration = new Histogram({
    name: 'chatgate_interaction_duration_seconds',
    help: 'Time from event received to reply ready',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'chatgate_' });
  }
}
