import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const PLATFORM_STATUS: Record<string, number> = { offline: 0, connecting: 1, online: 2, reconnecting: 3 };

/** What the platform gauges read of an adapter's state. */
type PlatformState = { platform: string; status: string; lastEventAt?: number };

/**
 * chatgate's Prometheus metrics, on a registry of its own (no module-level singletons, so tests
 * can build many services in one process). Served by `GET /metrics`. Durations in seconds, as
 * Prometheus conventions ask.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = this.counter(
    'chatgate_http_requests_total',
    'HTTP requests answered, by route, method and status code',
    ['route', 'method', 'status'],
  );

  readonly httpDuration = this.histogram(
    'chatgate_http_request_duration_seconds',
    'HTTP request latency, by route',
    ['route', 'method'],
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );

  readonly providerDuration = this.histogram(
    'chatgate_provider_request_duration_seconds',
    'Provider call latency (one attempt), by provider and outcome',
    ['provider', 'outcome'],
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );

  readonly providerErrors = this.counter(
    'chatgate_provider_errors_total',
    'Failed provider calls, by provider and error code (connection, timeout, http, bad_response, breaker_open, invalid_request)',
    ['provider', 'code'],
  );

  readonly breakerState = new Gauge({
    name: 'chatgate_breaker_state',
    help: 'Circuit breaker state per provider endpoint: 0 closed, 1 open, 2 half-open',
    labelNames: ['provider', 'endpoint'],
    registers: [this.registry],
  });

  readonly providerUp = new Gauge({
    name: 'chatgate_provider_up',
    help: 'Whether the last health check of a provider endpoint found it answering: 1 up, 0 down',
    labelNames: ['provider', 'endpoint'],
    registers: [this.registry],
  });

  readonly providerHealthLatency = this.histogram(
    'chatgate_provider_health_latency_seconds',
    'Round trip of the health checks of a provider endpoint (its model list), not counted as traffic',
    ['provider', 'endpoint'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );

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

  private platformStates: () => PlatformState[] = () => [];

  readonly platformStatus = this.perPlatform(
    'chatgate_platform_status',
    'Platform adapter connection: 0 offline, 1 connecting, 2 online, 3 reconnecting',
    (state) => PLATFORM_STATUS[state.status] ?? 0,
  );

  readonly platformSilence = this.perPlatform(
    'chatgate_platform_seconds_since_last_event',
    'Seconds since a platform adapter last heard anything (event or heartbeat)',
    (state) => (state.lastEventAt ? (Date.now() - state.lastEventAt) / 1000 : undefined),
  );

  /** Reads the platform adapters' states at each scrape. */
  observePlatforms(states: () => PlatformState[]): void {
    this.platformStates = states;
  }

  /** Reads the queue's depth and running count at each scrape. */
  observeQueue(queue: { readonly size: number; readonly running: number }): void {
    this.queue = queue;
  }

  readonly triggersMatched = this.counter(
    'chatgate_triggers_matched_total',
    'Events that matched a trigger, by trigger kind',
    ['trigger'],
  );

  readonly eventsIgnored = this.counter(
    'chatgate_events_ignored_total',
    'Events the router did not queue, by reason',
    ['reason'],
  );

  /**
   * `chatgate_ignored_total{reason}`: the name issue 14 gives the same count as
   * `chatgate_events_ignored_total` (kept: dashboards and the README use it). Not counted twice
   * in the code: copied from it at each scrape.
   */
  readonly ignored: Counter<'reason'> = new Counter({
    name: 'chatgate_ignored_total',
    help: 'Events not answered, by reason (the same count as chatgate_events_ignored_total)',
    labelNames: ['reason'],
    registers: [this.registry],
    collect: async (): Promise<void> => {
      const { values } = await this.eventsIgnored.get();
      this.ignored.reset();
      for (const { labels, value } of values) this.ignored.inc({ reason: String(labels.reason) }, value);
    },
  });

  readonly repliesBlocked = this.counter(
    'chatgate_replies_blocked_total',
    "Answers the community's moderation stopped (blocked_reply or nothing said instead), by reason: blocked_term, link, moderation, moderation_unavailable",
    ['reason'],
  );

  readonly tokens = this.counter(
    'chatgate_tokens_total',
    'Tokens used by answered requests (provider usage, estimated at 4 chars a token when it gave none), by community and kind (prompt, completion)',
    ['community', 'kind'],
  );

  readonly rateLimited = this.counter(
    'chatgate_rate_limited_total',
    'Requests refused by a rate limit, by API surface',
    ['api'],
  );

  /** Outbound messages a platform accepted but did not deliver (Twitch's `is_sent: false`), by reason. */
  readonly platformMessagesDropped = this.counter(
    'chatgate_platform_messages_dropped_total',
    'Outbound messages a platform accepted but dropped (Twitch is_sent: false), by platform and drop reason',
    ['platform', 'reason'],
  );

  readonly interactions = this.counter(
    'chatgate_interactions_total',
    'Finished interactions, by outcome (done, failed) and the mode and provider that answered',
    ['status', 'mode', 'provider'],
  );

  readonly humanGrace = this.counter(
    'chatgate_human_grace_total',
    'Questions that waited for a human to answer them (human_grace_ms), by outcome: waited (began to wait), human (a human answered; the bot stayed silent), ai (no human did; left to the bot)',
    ['outcome'],
  );

  readonly responseCache = this.counter(
    'chatgate_response_cache_total',
    'OpenAI API requests by what the response cache did: hit (answered from it), miss (answered upstream and stored), skip (not cacheable or not asked)',
    ['result'],
  );

  readonly interactionDuration = this.histogram(
    'chatgate_interaction_duration_seconds',
    'Time from event received to reply ready',
    [],
    [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  );

  private counter<Label extends string>(name: string, help: string, labelNames: readonly Label[]) {
    return new Counter<Label>({ name, help, labelNames, registers: [this.registry] });
  }

  /** A histogram of durations; `buckets` in seconds. */
  private histogram<Label extends string>(
    name: string,
    help: string,
    labelNames: readonly Label[],
    buckets: number[],
  ) {
    return new Histogram<Label>({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge per platform, read from the adapters' states at each scrape (`undefined`: not set). */
  private perPlatform(name: string, help: string, value: (state: PlatformState) => number | undefined) {
    const gauge: Gauge<'platform'> = new Gauge({
      name,
      help,
      labelNames: ['platform'],
      registers: [this.registry],
      collect: (): void => {
        for (const state of this.platformStates()) {
          const measured = value(state);
          if (measured !== undefined) gauge.labels(state.platform).set(measured);
        }
      },
    });
    return gauge;
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'chatgate_' });
  }
}
