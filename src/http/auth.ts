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

const digestCache = new WeakMap<readonly string[], Buffer[]>();

/**
 * Whether `token` is one of `keys` (any token, or none, when there are no keys). Compared as
 * SHA-256 digests in constant time, so neither a key nor its length leaks through timing.
 */
export function bearerAllowed(keys: readonly string[], token: string | undefined): boolean {
  if (keys.length === 0) return true;
  if (!token) return false;
  let digests = digestCache.get(keys);
  if (!digests) {
    digests = keys.map(digest);
    digestCache.set(keys, digests);
  }
  const candidate = digest(token);
  return digests.some((known) => timingSafeEqual(known, candidate));
}

/**
 * A preHandler that admits requests whose `Authorization: Bearer <key>` is one of `keys`. With no
 * keys, every request is admitted (the service warns about it at start).
 */
export function requireBearer(keys: readonly string[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    if (bearerAllowed(keys, token)) return;
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
  const adminKeys = adminKey ? [adminKey] : [];
  const open = adminKeys.length === 0 && apiKeys.length === 0;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (open) return;
    const token = bearerToken(request);
    if (token && adminKeys.length > 0 && bearerAllowed(adminKeys, token)) return;
    if (token && apiKeys.length > 0 && bearerAllowed(apiKeys, token)) {
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
