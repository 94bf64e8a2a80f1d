import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { CHAT_MODES, PROVIDER_KINDS } from '../../config/schema.js';
import { NotFoundError } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { errors } from '../openapi/shapes.js';

/** What these routes use of the services, and nothing more. */
export type AdminRouteDeps = Pick<Services, 'ai' | 'providers'>;

/**
 * Admin controls (admin key; app.ts mounts every admin plugin behind `requireAdmin`):
 * - `POST /api/v1/ai/admin/mode` `{ mode }`: switch remote|local|hybrid at run time;
 * - `POST /api/v1/ai/admin/breakers/:provider/reset`: close that provider's breakers.
 */
export const adminRoutes = (services: AdminRouteDeps): FastifyPluginAsync =>
  async function admin(plain) {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { ai, providers } = services;
    app.post(
      '/api/v1/ai/admin/mode',
      {
        schema: {
          summary: 'Switch the chat mode (remote, local, hybrid) at run time',
          tags: ['Admin'],
          body: Type.Object({ mode: Type.Enum(CHAT_MODES) }),
          response: {
            200: Type.Object(
              { mode: Type.Enum(CHAT_MODES), previous_mode: Type.Enum(CHAT_MODES) },
              { description: 'Switched.' },
            ),
            ...errors(400, 401, 403),
          },
        },
      },
      async (request) => {
        const previous = ai.mode;
        ai.setMode(request.body.mode);
        request.log.warn({ action: 'admin_mode', previous, mode: request.body.mode }, 'chat mode changed');
        return { mode: ai.mode, previous_mode: previous };
      },
    );

    app.post(
      '/api/v1/ai/admin/breakers/:provider/reset',
      {
        schema: {
          summary: "Close a provider's circuit breakers (every instance's, when shared in Redis)",
          tags: ['Admin'],
          params: Type.Object({ provider: Type.Enum(PROVIDER_KINDS) }),
          response: {
            200: Type.Object(
              {
                provider: Type.Enum(PROVIDER_KINDS),
                breakers: Type.Array(
                  Type.Object({
                    endpoint: Type.String(),
                    breaker: Type.Enum(['closed', 'open', 'half_open', 'isolated']),
                  }),
                ),
              },
              { description: 'Reset; each endpoint with its breaker state now.' },
            ),
            ...errors(400, 401, 403, 404, 503),
          },
        },
      },
      async (request) => {
        const links = providers
          .remoteLinks()
          .filter((link) => link.provider.kind === request.params.provider);
        if (links.length === 0) throw new NotFoundError(`no breaker for provider ${request.params.provider}`);
        // Shared breakers (Redis) are cleared for every instance before the answer.
        await Promise.all(links.map((link) => link.guard?.reset()));
        request.log.warn(
          { action: 'admin_breaker_reset', provider: request.params.provider },
          'breaker reset',
        );
        return {
          provider: request.params.provider,
          breakers: links.map((link) => ({
            endpoint: link.provider.endpoint,
            breaker: link.guard?.state ?? 'closed',
          })),
        };
      },
    );
  };
