import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services.js';
import { bearerCheck, bearerToken } from '../auth.js';
import { sendError } from '../errors.js';
import { SECURITY } from '../openapi/register.js';
import { errors } from '../openapi/shapes.js';

/** What these routes use of the services, and nothing more. */
export type MetricsRouteDeps = Pick<Services, 'config' | 'metrics'>;

/**
 * The `/metrics` guard: `Authorization: Bearer <METRICS_TOKEN>` (or the admin key, which works on
 * every route). Its 401 names METRICS_TOKEN, the one token a scraper needs, so that whoever sets
 * one up is not sent after an API key.
 */
function requireMetricsToken(token: string, adminKey: string | undefined) {
  const allowed = bearerCheck(adminKey ? [token, adminKey] : [token]);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const sent = bearerToken(request);
    if (allowed(sent)) return;
    const detail = sent ? 'invalid metrics token' : 'missing Authorization: Bearer <METRICS_TOKEN>';
    return sendError(request, reply, 401, 'unauthorized', detail);
  };
}

/**
 * `GET /metrics`: Prometheus text exposition of chatgate's registry; behind `METRICS_TOKEN` (or the
 * admin key) when set.
 */
export const metricsRoutes = (services: MetricsRouteDeps): FastifyPluginAsync =>
  async function metrics(app) {
    const { registry } = services.metrics;
    const token = services.config.metricsToken;
    const guard = token ? { onRequest: requireMetricsToken(token, services.config.auth.adminKey) } : {};
    const schema = {
      summary: 'Prometheus metrics',
      tags: ['Probes'],
      security: SECURITY.metrics,
      response: {
        200: {
          description: 'Prometheus text exposition format.',
          content: { 'text/plain': { schema: Type.String() } },
        },
        ...errors(401),
      },
    };
    app.get('/metrics', { ...guard, schema }, async (_request, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    });
  };
