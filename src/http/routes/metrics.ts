import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.js';

/** `GET /metrics`: Prometheus text exposition of chatgate's registry. */
export const metricsRoutes = (services: Services): FastifyPluginAsync =>
  async function metrics(app) {
    const { registry } = services.metrics;
    app.get('/metrics', async (_request, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    });
  };
