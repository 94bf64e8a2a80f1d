import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services.js';
import { errors } from '../openapi/shapes.js';
import { guardEdgeInput } from '../schemas/edge-input.js';
import { InteractionWithEventJson, interactionWithEventJson } from '../schemas/interaction-json.js';
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
        schema: {
          querystring: InteractionQuery,
          summary: 'Recent interactions, newest first: every ingested event, ignored ones with their reason',
          tags: ['Interactions'],
          response: {
            200: Type.Object(
              { interactions: Type.Array(InteractionWithEventJson) },
              { description: 'Newest first.' },
            ),
            ...errors(400, 401, 403, 503),
          },
        },
      },
      async (request) => {
        const found = await services.interactions.list(interactionFilter(request.query));
        return { interactions: found.map(interactionWithEventJson) };
      },
    );
  };
