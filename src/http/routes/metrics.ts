import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.js';
import { requireBearer } from '../auth.js';

/** What these routes use of the services, and nothing more. */
export type MetricsRouteDeps = Pick<Services, 'config' | 'metrics'>;

/**
 * `GET /metrics`: Prometheus text exposition of chatgate's registry; behind `METRICS_TOKEN` (or the
 * admin key) when set.
 */
export const metricsRoutes = (services: MetricsRouteDeps): FastifyPluginAsync =>
  async function metrics(app) {
    const { registry } = services.metrics;
    const token = services.config.metricsToken;
    // The admin key works on every route, this one included.
    const { adminKey } = services.config.auth;
    const guard = token ? { onRequest: requireBearer(adminKey ? [token, adminKey] : [token]) } : {};
    app.get('/metrics', guard, async (_request, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    });
  };
