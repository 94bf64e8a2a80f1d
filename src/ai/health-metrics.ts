import type { Metrics } from '../observability/metrics.js';
import type { HealthCheck, HealthObserver, HealthTarget } from './health-monitor.js';

/**
 * The health monitor's metrics: `chatgate_provider_up{provider,endpoint}` (1 up, 0 down) and
 * `chatgate_provider_health_latency_seconds{provider,endpoint}`. Labelled by the public endpoint, as
 * `chatgate_breaker_state`: two links on one endpoint with different keys share a series, and the
 * gauge shows 0 while any of them is down.
 */
export function healthMetrics(metrics: Metrics): HealthObserver {
  const upByLabels = new Map<string, Map<HealthTarget, boolean>>();
  return {
    checked(target: HealthTarget, check: HealthCheck): void {
      const { kind, endpoint } = target.provider;
      metrics.providerHealthLatency.labels(kind, endpoint).observe(check.latencyMs / 1000);
      const labels = `${kind} ${endpoint}`;
      const links = upByLabels.get(labels) ?? new Map<HealthTarget, boolean>();
      upByLabels.set(labels, links);
      links.set(target, check.result === 'up');
      metrics.providerUp.labels(kind, endpoint).set([...links.values()].every(Boolean) ? 1 : 0);
    },
  };
}
