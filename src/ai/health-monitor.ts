import type { Logger } from '../observability/logger.js';
import { type ChatProvider, MAX_UPSTREAM_TEXT_CHARS, ProviderError } from './providers/provider.js';
import type { ResilientEndpoint } from './resilience.js';

/** What one check of an endpoint found. */
export interface HealthCheck {
  /** When the check ended, ms since the epoch. */
  checkedAt: number;
  /** The check's round trip, ms (the timeout when it got no answer). */
  latencyMs: number;
  /**
   * `down`: no connection, no answer within the timeout, a 5xx, 408 or 429, an unreadable answer
   * (what counts toward a breaker), or the check failing otherwise; the breaker was opened. `up`: it
   * answered, possibly refusing (a 4xx, then `error` says so: a wrong key or a server without the
   * route is not an outage, and calls would not open the breaker either).
   */
  result: 'up' | 'down';
  /** Why it is down or refused; the provider's own message (no key, no URL credentials), ≤ 200 chars. */
  error?: string;
}

/** An endpoint the monitor checks: a provider link of the registry (`ProviderRegistry.remoteLinks`). */
export interface HealthTarget {
  provider: Pick<ChatProvider, 'kind' | 'endpoint' | 'models'>;
  guard?: Pick<ResilientEndpoint, 'forceOpen' | 'probeAgain'>;
}

/** What the monitor reports besides its verdicts (metrics); every duration in ms. */
export interface HealthObserver {
  /** After each check of `target`. */
  checked(target: HealthTarget, check: HealthCheck): void;
}

export interface HealthMonitorOptions {
  /** Between the end of one round of checks and the start of the next, ms; 0: the monitor never runs. */
  intervalMs: number;
  /** One check's time limit, ms (the providers' request timeout, `ai.requestTimeoutMs`). */
  timeoutMs: number;
  /** The endpoints in use now, read at each round (`() => registry.remoteLinks()`). */
  targets: () => Iterable<HealthTarget>;
  observer?: HealthObserver;
  /** Told when an endpoint goes down or comes back (warn / info), once per change (a child logger: `component: health`). */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/**
 * Checks every provider endpoint in use (`targets`) every `intervalMs` with the provider's model
 * list (`models()`: Ollama `GET /api/tags`, OpenAI-compatible `GET {baseUrl}/models`), and acts on
 * its breaker: one found down opens it at once (`ResilientEndpoint.forceOpen`), so that the chain
 * answers from its next link without a caller waiting for a timeout; one found up again turns an
 * open breaker half-open (`probeAgain`), so that the next real call is its trial.
 *
 * Rounds never overlap: the next round is scheduled when one ends (every endpoint in parallel, each
 * within `timeoutMs`). Checks call the provider directly, outside the endpoint's guard, so they are
 * not counted as traffic (`counts`, provider metrics). Nothing here throws or rejects.
 *
 * @example
 * const monitor = new HealthMonitor({ intervalMs: 30_000, timeoutMs: 30_000,
 *   targets: () => registry.remoteLinks() });
 * monitor.start();
 * // … status: monitor.lastCheck(link); at shutdown:
 * await monitor.close();
 */
export class HealthMonitor {
  private readonly checks = new WeakMap<HealthTarget, HealthCheck>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private readonly stop = new AbortController();
  private started = false;

  constructor(private readonly options: HealthMonitorOptions) {}

  /** Whether checks run (started, not closed, and an interval other than 0). */
  get running(): boolean {
    return this.started && !this.stop.signal.aborted && this.options.intervalMs > 0;
  }

  /** The last check of `target`, or undefined before its first. */
  lastCheck(target: HealthTarget): HealthCheck | undefined {
    return this.checks.get(target);
  }

  /**
   * Runs the first round now and one every `intervalMs` after each ends. Does nothing when
   * `intervalMs` is 0, when started already, or after `close`.
   */
  start(): void {
    if (this.started || this.stop.signal.aborted || this.options.intervalMs <= 0) return;
    this.started = true;
    this.runRound();
  }

  /**
   * Stops the checks: no new round starts, a running one is cut short (its checks aborted, their
   * results dropped) and awaited. Idempotent; never rejects.
   */
  async close(): Promise<void> {
    this.stop.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  private runRound(): void {
    this.timer = undefined;
    const round = this.checkAll().finally(() => {
      this.round = undefined;
      if (this.stop.signal.aborted) return;
      this.timer = setTimeout(() => this.runRound(), this.options.intervalMs);
      // A process with nothing else to do may exit: the monitor keeps nothing alive.
      this.timer.unref();
    });
    this.round = round;
  }

  /** One round: every target at once, each within the timeout. */
  private async checkAll(): Promise<void> {
    let targets: HealthTarget[];
    try {
      targets = [...this.options.targets()];
    } catch {
      return; // the registry failing to list is no reason to stop checking
    }
    await Promise.all(targets.map((target) => this.checkOne(target)));
  }

  /** Checks `target` and acts on its breaker; never rejects. */
  private async checkOne(target: HealthTarget): Promise<void> {
    const check = await this.probe(target);
    if (!check) return; // closed meanwhile
    const previous = this.checks.get(target);
    this.checks.set(target, check);
    try {
      if (check.result === 'down') await target.guard?.forceOpen();
      else await target.guard?.probeAgain();
    } catch {
      // ResilientEndpoint's methods never reject; another guard failing must not stop the monitor.
    }
    try {
      this.options.observer?.checked(target, check);
    } catch {}
    this.logChange(target, previous, check);
  }

  /** One check's verdict; undefined when `close` aborted it. */
  private async probe(target: HealthTarget): Promise<HealthCheck | undefined> {
    const { timeoutMs } = this.options;
    const attempt = new AbortController();
    const onStop = () => attempt.abort(this.stop.signal.reason);
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // A TimeoutError reason: the providers report a signal that fired with it as a timeout.
      attempt.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    const started = performance.now();
    try {
      await target.provider.models(attempt.signal);
      return this.verdict(started, 'up');
    } catch (error) {
      if (this.stop.signal.aborted) return undefined;
      if (timedOut) return this.verdict(started, 'down', `no answer within ${timeoutMs} ms`);
      const endpointFailure =
        !(error instanceof ProviderError) || error.retryable || error.code === 'bad_response';
      return this.verdict(started, endpointFailure ? 'down' : 'up', messageOf(error));
    } finally {
      clearTimeout(timer);
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }

  private verdict(started: number, result: HealthCheck['result'], error?: string): HealthCheck {
    const check: HealthCheck = { checkedAt: Date.now(), latencyMs: performance.now() - started, result };
    if (error !== undefined) check.error = error;
    return check;
  }

  private logChange(target: HealthTarget, previous: HealthCheck | undefined, check: HealthCheck): void {
    if (previous?.result === check.result || (!previous && check.result === 'up')) return;
    const fields = {
      provider: target.provider.kind,
      endpoint: target.provider.endpoint,
      latency_ms: Math.round(check.latencyMs),
    };
    if (check.result === 'down') {
      this.options.logger?.warn(
        { ...fields, err: check.error },
        `provider ${target.provider.kind} at ${target.provider.endpoint} is down: its breaker is open`,
      );
    } else {
      this.options.logger?.info(
        fields,
        `provider ${target.provider.kind} at ${target.provider.endpoint} answers again`,
      );
    }
  }
}

/**
 * A failed check's message, short. Provider errors are already free of keys and URL credentials
 * (each provider scrubs them); anything else (a bug of ours) is named by its class only.
 */
function messageOf(error: unknown): string {
  const message = error instanceof ProviderError ? error.message : `${nameOf(error)} while checking`;
  return message.length > MAX_UPSTREAM_TEXT_CHARS
    ? `${message.slice(0, MAX_UPSTREAM_TEXT_CHARS - 1)}…`
    : message;
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
