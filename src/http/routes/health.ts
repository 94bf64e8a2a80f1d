import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services.js';
import { SECURITY } from '../openapi/register.js';
import { StoresJson } from '../schemas/stores-json.js';

/** What these routes use of the services, and nothing more. */
export type HealthRouteDeps = Pick<
  Services,
  'communities' | 'interactions' | 'providers' | 'queue' | 'storeStatus' | 'platformStates'
>;

/** The readiness answer in the API description (200 and 503 differ in their meaning only). */
const Readiness = (description: string) =>
  Type.Object(
    {
      status: Type.Enum(['ready', 'degraded', 'not_ready']),
      checks: Type.Object({
        queue: Type.Enum(['ok', 'full', 'unavailable']),
        stores: StoresJson,
        providers: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), {
          description:
            'Breaker state (`closed`, `open`, `half_open`, `isolated`) by `<provider> <endpoint>`.',
        }),
        platforms: Type.Record(Type.String(), Type.String(), {
          description: 'Adapter status (`offline`, `connecting`, `online`, `reconnecting`) by platform.',
        }),
      }),
    },
    { title: 'Readiness', description },
  );

/**
 * - `GET /health`: liveness; 200 while the process serves.
 * - `GET /health/ready`: readiness; 200 when chatgate can take interactions (queue open, not
 *   full, and its backend reachable: the redis queue needs Redis), else 503. Each check is listed. Providers do not decide readiness: with them down,
 *   chatgate still answers through the local responder.
 */
export const healthRoutes = (services: HealthRouteDeps): FastifyPluginAsync =>
  async function health(app) {
    app.get(
      '/health',
      {
        schema: {
          summary: 'Liveness',
          tags: ['Probes'],
          security: SECURITY.open,
          response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'Serving.' }) },
        },
      },
      async () => ({ status: 'ok' }),
    );

    const ready = {
      summary: 'Readiness, with each check',
      tags: ['Probes'],
      security: SECURITY.open,
      response: {
        200: Readiness('Can take interactions (`degraded`: a store answers from in-process state).'),
        503: Readiness('Cannot take interactions: the queue is full or its backend unreachable.'),
      },
    };
    app.get('/health/ready', { schema: ready }, async (_request, reply) => {
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
