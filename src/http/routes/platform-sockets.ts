import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import type { PlatformSocketContext, PlatformSocketRoute } from '../../core/platform.js';
import { sendError } from '../errors.js';

/**
 * Mounts the WebSocket routes that platform descriptors describe (the web chat) with
 * `@fastify/websocket`: `GET <url>` with an upgrade hands the socket to the route; without one it
 * is a 426 in chatgate's error shape. Frames larger than the largest route's `maxPayloadBytes`
 * close the socket with 1009 (the `ws` server's `maxPayload`). The routes authenticate their
 * callers themselves, inside the socket (`authenticate`): keys never travel in URLs.
 */
export const platformSockets = (
  routes: readonly PlatformSocketRoute[],
  authenticate: PlatformSocketContext['authenticate'],
): FastifyPluginAsync =>
  async function platformSocketsPlugin(app) {
    if (routes.length === 0) return;
    const maxPayload = Math.max(...routes.map((route) => route.maxPayloadBytes));
    await app.register(websocket, { options: { maxPayload } });
    for (const route of routes) {
      app.route({
        method: 'GET',
        url: route.url,
        handler: (request, reply) =>
          sendError(request, reply, 426, 'upgrade_required', 'this route takes a WebSocket upgrade only'),
        wsHandler: (socket, request) => route.connect(socket, { authenticate, requestId: request.id }),
      });
    }
  };
