import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { ChatgateError } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { SecretKeyMissingError } from '../../stores/crypto.js';
import { sendError } from '../errors.js';
import { communityConfigJson, parseCommunityConfig } from '../schemas/community-config.js';
import { guardEdgeInput, MAX_QUERY_OFFSET } from '../schemas/edge-input.js';

/** What these routes use of the services, and nothing more. */
export type CommunityRouteDeps = Pick<Services, 'communities' | 'communityConfigs' | 'config'>;

const CommunityParams = Type.Object({ communityId: Type.String({ minLength: 1, maxLength: 256 }) });

/**
 * An `api_key` to store on an instance without `CHATGATE_SECRET_KEY`: the caller's request cannot
 * be served as it is (400 naming `api_key` and the variable to set), not a server fault (500).
 */
function refuseKeyWithoutSecret(error: unknown): never {
  if (!(error instanceof SecretKeyMissingError)) throw error;
  throw new ChatgateError(
    'api_key: cannot be stored because CHATGATE_SECRET_KEY is not set; set it (16 characters or more) and restart chatgate, or send the config without api_key',
    'secret_key_not_set',
    400,
  );
}

/**
 * Community configuration (admin key):
 * - `GET /api/v1/communities?limit=&offset=`: stored configurations, newest first;
 * - `GET|PUT|PATCH|DELETE /api/v1/communities/:communityId/config`: read, replace, merge, remove.
 * PUT and PATCH name every bad field in one 400. The API key is stored encrypted and never
 * returned: `has_api_key` and `api_key_last4` tell it is there. A write applies at once on this
 * instance and within `stores.communityCacheMs` on the others.
 */
export const communityRoutes = (services: CommunityRouteDeps): FastifyPluginAsync =>
  async function communities(plain) {
    guardEdgeInput(plain);
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { communityConfigs, config } = services;
    const personalities = Object.keys(config.personalities);
    const path = '/api/v1/communities/:communityId/config';
    const written = (communityId: string) => services.communities.invalidate?.(communityId);

    app.get(
      '/api/v1/communities',
      {
        schema: {
          querystring: Type.Object({
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
            offset: Type.Integer({ minimum: 0, maximum: MAX_QUERY_OFFSET, default: 0 }),
          }),
        },
      },
      async (request) => {
        const page = await communityConfigs.list(request.query);
        return {
          communities: page.items.map((item) => communityConfigJson(item.communityId, item)),
          total: page.total,
          limit: request.query.limit,
          offset: request.query.offset,
        };
      },
    );

    app.get(path, { schema: { params: CommunityParams } }, async (request) =>
      communityConfigJson(request.params.communityId, await communityConfigs.get(request.params.communityId)),
    );

    // PUT replaces, PATCH merges; both validate the whole body first.
    for (const [method, write] of [
      ['PUT', 'put'],
      ['PATCH', 'patch'],
    ] as const) {
      app.route({
        method,
        url: path,
        schema: { params: CommunityParams },
        handler: async (request) => {
          const { communityId } = request.params;
          const stored = await communityConfigs[write](
            communityId,
            parseCommunityConfig(request.body, personalities),
          ).catch(refuseKeyWithoutSecret);
          written(communityId);
          request.log.info(
            { action: 'community_config', community: communityId, result: write },
            'community config written',
          );
          return communityConfigJson(communityId, stored);
        },
      });
    }

    app.delete(path, { schema: { params: CommunityParams } }, async (request, reply) => {
      const { communityId } = request.params;
      const deleted = await communityConfigs.delete(communityId);
      written(communityId);
      if (!deleted) return sendError(request, reply, 404, 'not_found', `no stored config for ${communityId}`);
      return reply.code(204).send();
    });
  };
