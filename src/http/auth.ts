import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The Bearer token of a request, or undefined. */
function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * A preHandler that admits requests whose `Authorization: Bearer <key>` is one of `keys`. Keys are
 * compared as SHA-256 digests in constant time. With no keys, every request is admitted (the
 * service warns about it at start).
 */
export function requireBearer(keys: readonly string[]) {
  const digests = keys.map(digest);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (digests.length === 0) return;
    const token = bearer(request);
    if (!token)
      return sendError(request, reply, 401, 'unauthorized', 'missing Authorization: Bearer <api key>');
    const candidate = digest(token);
    if (!digests.some((known) => timingSafeEqual(known, candidate))) {
      return sendError(request, reply, 401, 'unauthorized', 'invalid API key');
    }
  };
}

/** The admin rule: the admin key when one is set, else the API keys rule. */
export function requireAdmin(adminKey: string | undefined, apiKeys: readonly string[]) {
  return requireBearer(adminKey ? [adminKey] : apiKeys);
}
