import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services.js';
import { errors } from '../openapi/shapes.js';
import { guardEdgeInput } from '../schemas/edge-input.js';

/** What these routes use of the services, and nothing more. */
export type PauseRouteDeps = Pick<Services, 'chatModeration'>;

const PauseParams = Type.Object({ communityId: Type.String({ minLength: 1, maxLength: 256 }) });
const ChannelQuery = Type.Object({
  channel_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
});
/** `paused`: the new state; `channel_id`: that channel only (as `!ai off|on` there), else the whole community. */
const PauseBody = Type.Object({
  paused: Type.Boolean(),
  channel_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
});

const PauseState = Type.Object(
  {
    community_id: Type.String(),
    paused: Type.Boolean({ description: 'The whole community is paused.' }),
    channel_id: Type.Union([Type.String(), Type.Null()]),
    channel_paused: Type.Union([Type.Boolean(), Type.Null()], {
      description: "That channel's own `!ai off`; null without `channel_id`.",
    }),
  },
  { description: 'The pause state.' },
);
const TAGS = ['Communities'];

/**
 * Pausing the bot (admin key; the moderators' `!ai off|on` from the console):
 * - `GET /api/v1/communities/:communityId/pause?channel_id=`: `{ community_id, paused, channel_id,
 *   channel_paused }` (`paused`: the whole community; `channel_paused`: that channel's own `!ai off`,
 *   null without `channel_id`);
 * - `PUT /api/v1/communities/:communityId/pause` `{ paused, channel_id? }`: pause or resume the whole
 *   community, or one channel; answers the new state. Events in a paused channel or community are
 *   ignored with reason `paused` (the router's moderation guard).
 */
export const pauseRoutes = (services: PauseRouteDeps): FastifyPluginAsync =>
  async function pause(plain) {
    guardEdgeInput(plain);
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { chatModeration } = services;
    const path = '/api/v1/communities/:communityId/pause';
    const state = async (communityId: string, channelId: string | undefined) => {
      const found = await chatModeration.pauseState(communityId, channelId);
      return {
        community_id: communityId,
        paused: found.community,
        channel_id: channelId ?? null,
        channel_paused: found.channel ?? null,
      };
    };

    const docs = (summary: string) => ({
      summary,
      tags: TAGS,
      response: { 200: PauseState, ...errors(400, 401, 403, 503) },
    });
    app.get(
      path,
      {
        schema: {
          params: PauseParams,
          querystring: ChannelQuery,
          ...docs('Whether a community or channel is paused'),
        },
      },
      async (request) => state(request.params.communityId, request.query.channel_id),
    );

    const putSchema = {
      params: PauseParams,
      body: PauseBody,
      ...docs('Pause or resume a whole community, or one channel (as `!ai off|on`)'),
    };
    app.put(path, { schema: putSchema }, async (request) => {
      const { communityId } = request.params;
      const { paused, channel_id: channelId } = request.body;
      if (channelId === undefined) await chatModeration.setCommunityPaused(communityId, paused);
      else if (paused) await chatModeration.pause(communityId, channelId);
      else await chatModeration.resume(communityId, channelId);
      request.log.warn(
        { action: 'admin_pause', community: communityId, channel: channelId ?? null, paused },
        paused ? 'bot paused' : 'bot resumed',
      );
      return state(communityId, channelId);
    });
  };
