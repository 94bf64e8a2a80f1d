import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services.js';
import { errors, noContent } from '../openapi/shapes.js';
import { guardEdgeInput } from '../schemas/edge-input.js';

/** What these routes use of the services, and nothing more. */
export type SessionRouteDeps = Pick<Services, 'context'>;

/**
 * Conversation sessions (admin key). A session id is the conversation key
 * `<community_id>|<channel_id>|<user_id>` (URL-encode the `|` as `%7C`), or
 * `<community_id>|<channel_id>|*` for a channel-scoped context.
 * - `GET /api/v1/sessions/:sessionId`: its stored turns, oldest first;
 * - `DELETE /api/v1/sessions/:sessionId`: forgets them (the next reply starts fresh).
 */
export const sessionRoutes = (services: SessionRouteDeps): FastifyPluginAsync =>
  async function sessions(plain) {
    guardEdgeInput(plain);
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const params = Type.Object({
      sessionId: Type.String({
        minLength: 3,
        maxLength: 800,
        pattern: '^[^|]+\\|[^|]+\\|[^|]+$',
        description: '`<community_id>|<channel_id>|<user_id>` (or `…|*` for a channel), `|` sent as `%7C`.',
      }),
    });
    const TAGS = ['Sessions'];
    const read = {
      params,
      summary: "A conversation's stored turns, oldest first",
      tags: TAGS,
      response: {
        200: Type.Object(
          {
            session_id: Type.String(),
            messages: Type.Array(
              Type.Object({
                role: Type.String({ description: '`user` or `assistant`.' }),
                content: Type.String(),
                at: Type.String({ format: 'date-time' }),
              }),
            ),
          },
          { description: 'The turns (none for an unknown session).' },
        ),
        ...errors(400, 401, 403),
      },
    };
    const forget = {
      params,
      summary: 'Forget a conversation (the next reply starts fresh)',
      tags: TAGS,
      response: { 204: noContent('Forgotten.'), ...errors(400, 401, 403) },
    };

    app.get('/api/v1/sessions/:sessionId', { schema: read }, async (request) => {
      const messages = await services.context.get(request.params.sessionId);
      return {
        session_id: request.params.sessionId,
        messages: messages.map((message) => ({
          role: message.role,
          content: message.content,
          at: new Date(message.at).toISOString(),
        })),
      };
    });

    app.delete('/api/v1/sessions/:sessionId', { schema: forget }, async (request, reply) => {
      await services.context.clear(request.params.sessionId);
      return reply.code(204).send();
    });
  };
