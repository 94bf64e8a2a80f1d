import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.js';
import { guardEdgeInput } from '../schemas/edge-input.js';
import { interactionJson } from '../schemas/interaction-json.js';
import { InteractionQuery, interactionFilter } from '../schemas/interaction-query.js';

/** What these routes use of the services, and nothing more. */
export type InteractionLogRouteDeps = Pick<Services, 'interactions'>;

/**
 * `GET /api/v1/ai/interactions?platform=&community_id=&channel_id=&user=&status=&reason=&since=&until=&limit=`
 * (admin key; see `InteractionQuery`): recent
 * interactions, newest first: every ingested event (without `raw`), ignored ones with their reason,
 * and replies.
 */
export const interactionLogRoutes = (services: InteractionLogRouteDeps): FastifyPluginAsync =>
  async function interactionLog(plain) {
    guardEdgeInput(plain);
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/api/v1/ai/interactions',
      {
        schema: { querystring: InteractionQuery },
      },
      async (request) => {
        const found = await services.interactions.list(interactionFilter(request.query));
        return { interactions: found.map((interaction) => interactionJson(interaction, true)) };
      },
    );
  };
