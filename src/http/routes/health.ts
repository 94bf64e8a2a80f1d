import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.js';

/** What these routes use of the services, and nothing more. */
export type HealthRouteDeps = Pick<
  Services,
  'communities' | 'interactions' | 'providers' | 'queue' | 'storeStatus' | 'platformStates'
>;

/**
 * - `GET /health`: liveness; 200 while the process serves.
 * - `GET /health/ready`: readiness; 200 when chatgate can take interactions (queue open, not
 *   full, and its backend reachable: the redis queue needs Redis), else 503. Each check is listed. Providers do not decide readiness: with them down,
 *   chatgate still answers through the local responder.
 */
export const healthRoutes = (services: HealthRouteDeps): FastifyPluginAsync =>
  async function health(app) {
    app.get('/health', async () => ({ status: 'ok' }));

    app.get('/health/ready', async (_request, reply) => {
      const queue = !services.queue.isAvailable ? 'unavailable' : services.queue.isFull ? 'full' : 'ok';
      const queueOk = queue === 'ok';
      const breakers = Object.fromEntries(
        services.providers
          .remoteLinks()
          .map(({ provider, guard }) => [`${provider.kind} ${provider.endpoint}`, guard?.state]),
      );
      const stores = services.storeStatus();
      const interactionLog = services.interactions.status ?? 'ok';
      const degraded =
        stores.redis === 'down' ||
        services.communities.status === 'degraded' ||
        interactionLog === 'degraded';
      return reply.code(queueOk ? 200 : 503).send({
        status: queueOk ? (degraded ? 'degraded' : 'ready') : 'not_ready',
        checks: {
          queue,
          // Degraded stores do not make chatgate unready: it answers from in-process state.
          stores: {
            ...stores,
            community_config: services.communities.status ?? 'ok',
            interaction_log: interactionLog,
          },
          providers: breakers,
          platforms: Object.fromEntries(
            services.platformStates().map((state) => [state.platform, state.status]),
          ),
        },
      });
    });
  };
