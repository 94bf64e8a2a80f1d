import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { ChatgateError } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { SecretKeyMissingError } from '../../stores/crypto.js';
import { sendError } from '../errors.js';
import { errors, noContent } from '../openapi/shapes.js';
import {
  CommunityConfigBody,
  CommunityConfigJson,
  communityConfigJson,
  parseCommunityConfig,
} from '../schemas/community-config.js';
import { guardEdgeInput, MAX_QUERY_OFFSET } from '../schemas/edge-input.js';

/** What these routes use of the services, and nothing more. */
export type CommunityRouteDeps = Pick<Services, 'communities' | 'communityConfigs' | 'config'>;

const CommunityParams = Type.Object({
  communityId: Type.String({
    minLength: 1,
    maxLength: 256,
    description:
      'e.g. `twitch:channel:<room-id>`, `telegram:chat:<chat.id>`, `discord:guild:<id>`, `api:default`.',
  }),
});
const TAGS = ['Communities'];

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
          summary: 'List the stored community configs, newest first',
          tags: TAGS,
          response: {
            200: Type.Object(
              {
                communities: Type.Array(CommunityConfigJson),
                total: Type.Integer(),
                limit: Type.Integer(),
                offset: Type.Integer(),
              },
              { description: 'One page.' },
            ),
            ...errors(400, 401, 403, 503),
          },
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

    const read = {
      params: CommunityParams,
      summary: "Read a community's config",
      tags: TAGS,
      response: { 200: CommunityConfigJson, ...errors(400, 401, 403, 503) },
    };
    app.get(path, { schema: read }, async (request) =>
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
        schema: {
          params: CommunityParams,
          documentedBody: CommunityConfigBody,
          summary:
            method === 'PUT'
              ? "Replace a community's config"
              : "Merge into a community's config (`null` removes a channel override or the API key)",
          description:
            'Every bad field is named in one 400. `api_key` is stored encrypted and never returned.',
          tags: TAGS,
          response: { 200: CommunityConfigJson, ...errors(400, 401, 403, 503) },
        },
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

    const remove = {
      params: CommunityParams,
      summary: "Remove a community's config (the defaults apply again)",
      tags: TAGS,
      response: { 204: noContent('Removed.'), ...errors(400, 401, 403, 404, 503) },
    };
    app.delete(path, { schema: remove }, async (request, reply) => {
      const { communityId } = request.params;
      const deleted = await communityConfigs.delete(communityId);
      written(communityId);
      if (!deleted) return sendError(request, reply, 404, 'not_found', `no stored config for ${communityId}`);
      return reply.code(204).send();
    });
  };
