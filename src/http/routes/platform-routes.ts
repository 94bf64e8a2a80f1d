import type { FastifyPluginAsync } from 'fastify';
import type { PlatformRoute } from '../../core/platform.js';
import { sendError } from '../errors.js';

/**
 * Mounts routes that platform descriptors describe (Telegram's webhook, Twitch's channel join and
 * part): params validated against the route's schema (400 naming the field), the answer or the
 * failure in chatgate's error shape. An empty 2xx has no body at all (Telegram reads a JSON body of
 * a webhook answer as a method call). Access control is the caller's: register admin routes in the
 * admin scope, open ones outside.
 */
export const platformRoutes = (routes: readonly PlatformRoute[]): FastifyPluginAsync =>
  async function platformRoutesPlugin(app) {
    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.url,
        ...(route.params ? { schema: { params: route.params } } : {}),
        ...(route.bodyLimit ? { bodyLimit: route.bodyLimit } : {}),
        handler: async (request, reply) => {
          const answer = await route.handle({
            params: request.params as Record<string, string>,
            body: request.body,
            headers: request.headers,
          });
          if ('error' in answer) {
            const { code, detail, retryAfterSeconds } = answer.error;
            return sendError(request, reply, answer.status, code, detail, retryAfterSeconds);
          }
          return answer.body === undefined
            ? reply.code(answer.status).send()
            : reply.code(answer.status).send(answer.body);
        },
      });
    }
  };
