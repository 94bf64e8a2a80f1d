import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.js';

/** `GET /api/v1/ai/status`: mode, each provider endpoint's breaker state and counts, the queue. */
export const statusRoutes = (services: Services): FastifyPluginAsync =>
  async function status(plain) {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { config, ai, providers, queue } = services;

    app.get('/api/v1/ai/status', async () => ({
      mode: ai.mode,
      offline_responses: config.ai.offlineResponses,
      default_provider: config.ai.provider,
      fallback_provider: config.ai.fallbackProvider ?? null,
      providers: providers.remoteLinks().map(({ provider, guard }) => ({
        provider: provider.kind,
        endpoint: provider.endpoint,
        breaker: guard?.state ?? 'closed',
        counts: guard?.counts ?? { successes: 0, failures: 0, rejected: 0 },
      })),
      queue: {
        backend: config.queue.backend,
        size: queue.size,
        running: queue.running,
        max_size: config.queue.maxSize,
        concurrency: config.queue.maxConcurrent,
      },
      stores: { ...services.storeStatus(), community_config: services.communities.status ?? 'ok' },
      platforms: services.delivery.platformAdapters().map((adapter) => {
        const state = adapter.state();
        return {
          platform: state.platform,
          status: state.status,
          last_event_at: state.lastEventAt ? new Date(state.lastEventAt).toISOString() : null,
          error: state.error ?? null,
        };
      }),
      uptime_s: Math.round((Date.now() - services.startedAt) / 1000),
    }));
  };
