import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The Bearer token of a request, or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * A check of Bearer tokens against `keys` (any token, or none, passes when there are no keys).
 * Compared as SHA-256 digests in constant time, so neither a key nor its length leaks through
 * timing; the keys' digests are computed once, here.
 */
export function bearerCheck(keys: readonly string[]): (token: string | undefined) => boolean {
  if (keys.length === 0) return () => true;
  const digests = keys.map(digest);
  return (token) => {
    if (!token) return false;
    const candidate = digest(token);
    return digests.some((known) => timingSafeEqual(known, candidate));
  };
}

/**
 * An onRequest hook that admits requests whose `Authorization: Bearer <key>` is one of `keys`. With no
 * keys, every request is admitted (the service warns about it at start).
 */
export function requireBearer(keys: readonly string[]) {
  const allowed = bearerCheck(keys);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    if (allowed(token)) return;
    return sendError(
      request,
      reply,
      401,
      'unauthorized',
      token ? 'invalid API key' : 'missing Authorization: Bearer <api key>',
    );
  };
}

/**
 * The admin rule: `Authorization: Bearer <CHATGATE_ADMIN_KEY>`. A caller's API key gets 403 (known,
 * but not allowed here); no or an unknown key gets 401. With no keys configured at all, everything
 * is open (chatgate then listens on 127.0.0.1 only); with API keys but no admin key, admin routes
 * are closed to everyone until CHATGATE_ADMIN_KEY is set.
 */
export function requireAdmin(adminKey: string | undefined, apiKeys: readonly string[]) {
  const open = !adminKey && apiKeys.length === 0;
  const isAdmin = adminKey ? bearerCheck([adminKey]) : undefined;
  const isCaller = apiKeys.length > 0 ? bearerCheck(apiKeys) : undefined;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (open) return;
    const token = bearerToken(request);
    if (token && isAdmin?.(token)) return;
    if (token && isCaller?.(token)) {
      const detail = adminKey
        ? 'this key may not use admin routes'
        : 'admin routes need CHATGATE_ADMIN_KEY to be set';
      return sendError(request, reply, 403, 'forbidden', detail);
    }
    return sendError(
      request,
      reply,
      401,
      'unauthorized',
      token ? 'invalid admin key' : 'missing Authorization: Bearer <admin key>',
    );
  };
}
