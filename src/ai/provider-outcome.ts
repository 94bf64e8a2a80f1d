import type { Metrics } from '../observability/metrics.js';
import { ProviderError, type ProviderKind } from './providers/provider.js';

/** Failures that never reached the upstream (refused by the breaker, or by the request's own build): no call time to record. */
const NOT_CALLED = new Set(['breaker_open', 'unsupported', 'invalid_request']);

/** `ollama: breaker_open`, `ollama: HTTP 500`, `openai: connection` … for `fallback_reason` and errors. */
export function describeFailure(kind: ProviderKind, error: unknown): string {
  if (error instanceof ProviderError) {
    return error.code === 'http' ? `${kind}: HTTP ${error.status}` : `${kind}: ${error.code}`;
  }
  return `${kind}: ${error instanceof Error ? error.message : 'failed'}`;
}

/** Records a provider call that answered: `chatgate_provider_duration_seconds{outcome="success"}`. */
export function recordProviderSuccess(metrics: Metrics, kind: ProviderKind, startedMs: number): void {
  metrics.providerDuration.observe(
    { provider: kind, outcome: 'success' },
    (performance.now() - startedMs) / 1000,
  );
}

/**
 * Records a provider call that failed (`chatgate_provider_errors_total{code}`, and its duration
 * unless the upstream was never called) and says why, as `describeFailure` does.
 */
export function recordProviderFailure(
  metrics: Metrics,
  kind: ProviderKind,
  error: unknown,
  startedMs: number,
): string {
  const code = error instanceof ProviderError ? error.code : 'error';
  metrics.providerErrors.labels(kind, code).inc();
  if (!NOT_CALLED.has(code)) {
    metrics.providerDuration.observe(
      { provider: kind, outcome: 'failure' },
      (performance.now() - startedMs) / 1000,
    );
  }
  return describeFailure(kind, error);
}
