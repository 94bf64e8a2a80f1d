import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services.js';
import { errors } from '../openapi/shapes.js';
import { guardEdgeInput } from '../schemas/edge-input.js';
import { InteractionWithEventJson, interactionWithEventJson } from '../schemas/interaction-json.js';

/** What these routes use of the services, and nothing more. */
export type InteractionLogRouteDeps = Pick<Services, 'interactions'>;

const STATUSES = ['queued', 'running', 'done', 'failed', 'ignored', 'rejected'] as const;

/**
 * `GET /api/v1/ai/interactions?platform=&community_id=&status=&limit=` (admin key): recent
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
          querystring: Type.Object({
            platform: Type.Optional(Type.String({ maxLength: 32 })),
            community_id: Type.Optional(Type.String({ maxLength: 256 })),
            status: Type.Optional(Type.Enum(STATUSES)),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          }),
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
        const { query } = request;
        const found = await services.interactions.list({
          platform: query.platform,
          communityId: query.community_id,
          status: query.status,
          limit: query.limit,
        });
        return { interactions: found.map(interactionWithEventJson) };
      },
    );
  };
