import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

/**
 * Who a request speaks for, by its Bearer key. Keys have scopes:
 * - `admin` (CHATGATE_ADMIN_KEY): every route;
 * - `integration` (CHATGATE_API_KEYS, or anyone while no API or client key is set): collectors the
 *   operator runs; their events may claim any platform, roles and community;
 * - `client` (CHATGATE_CLIENT_KEYS): outside callers; their events stay on the `api` and `web`
 *   platforms, claim no roles, and use only `communityId` (`CLIENT_COMMUNITY` for static keys).
 */
export type Caller =
  | { kind: 'admin' }
  | { kind: 'integration' }
  /** `keyId`: a stored client key's id (usage is counted per key); absent for static keys. */
  | { kind: 'client'; communityId: string; keyId?: string };

/** The one community of a static client key (CHATGATE_CLIENT_KEYS). */
export const CLIENT_COMMUNITY = 'api:default';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hooks (`requireCaller`, the OpenAI routes' own) on the routes behind them. */
    caller?: Caller;
  }
}

/** The keys of `config.auth`. */
export interface AuthKeys {
  apiKeys: readonly string[];
  clientKeys?: readonly string[];
  adminKey?: string;
}

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
 * The configured keys, each with its scope; digests are computed once, here.
 */
export class KeyRing {
  /**
   * No key at all (API, client or admin): the API routes admit anyone, as an integration, and
   * chatgate then listens on 127.0.0.1 only (listen-host.ts). An admin key alone closes them too:
   * it is the key that works on every route, and with it chatgate listens on HOST.
   */
  readonly apiOpen: boolean;
  /** No key at all: admin routes are open too (chatgate then listens on 127.0.0.1 only). */
  readonly adminOpen: boolean;
  /** Admin routes are closed to everyone: there are caller keys but no admin key. */
  readonly adminUnset: boolean;
  private readonly isAdmin: (token: string | undefined) => boolean;
  private readonly isClient: (token: string | undefined) => boolean;
  private readonly isIntegration: (token: string | undefined) => boolean;

  constructor(keys: AuthKeys) {
    const clientKeys = keys.clientKeys ?? [];
    this.apiOpen = keys.apiKeys.length === 0 && clientKeys.length === 0 && !keys.adminKey;
    this.adminOpen = this.apiOpen;
    this.adminUnset = !keys.adminKey;
    const none = () => false;
    this.isAdmin = keys.adminKey ? bearerCheck([keys.adminKey]) : none;
    this.isClient = clientKeys.length > 0 ? bearerCheck(clientKeys) : none;
    this.isIntegration = keys.apiKeys.length > 0 ? bearerCheck(keys.apiKeys) : none;
  }

  /**
   * The caller of `token`, or undefined for no or an unknown key. While the API is open, a request
   * without a known key is an integration. A key listed as both client and API key is a client.
   */
  identify(token: string | undefined): Caller | undefined {
    if (token && this.isAdmin(token)) return { kind: 'admin' };
    if (token && this.isClient(token)) return { kind: 'client', communityId: CLIENT_COMMUNITY };
    if (token && this.isIntegration(token)) return { kind: 'integration' };
    return this.apiOpen ? { kind: 'integration' } : undefined;
  }
}

/**
 * The caller that an auth hook admitted (`request.caller`).
 * @throws Error when the route was mounted without one: a wiring mistake, never the caller's.
 */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error(`no auth hook in front of ${request.routeOptions.url}`);
  return request.caller;
}

/**
 * An onRequest hook that admits requests whose `Authorization: Bearer <key>` is one of `keys`. With no
 * keys, every request is admitted.
 */
export function requireBearer(keys: readonly string[]) {
  const allowed = bearerCheck(keys);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    if (allowed(token)) return;
    return refuseUnknown(request, reply, token);
  };
}

/**
 * An onRequest hook for the API routes: admits the admin key, API (integration) keys and client
 * keys, and records who called in `request.caller`; 401 for no or an unknown key (anyone is an
 * integration while no API or client key is set).
 */
export function requireCaller(keys: KeyRing) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    const caller = keys.identify(token);
    if (caller) {
      request.caller = caller;
      return;
    }
    return refuseUnknown(request, reply, token);
  };
}

/** 401 for a request without a known key (`token`: the one it sent, if any). */
function refuseUnknown(request: FastifyRequest, reply: FastifyReply, token: string | undefined) {
  return sendError(
    request,
    reply,
    401,
    'unauthorized',
    token ? 'invalid API key' : 'missing Authorization: Bearer <api key>',
  );
}

/**
 * The admin rule: `Authorization: Bearer <CHATGATE_ADMIN_KEY>`. An API or client key gets 403 (known,
 * but not allowed here); no or an unknown key gets 401. With no keys configured at all, everything
 * is open (chatgate then listens on 127.0.0.1 only); with caller keys but no admin key, admin routes
 * are closed to everyone until CHATGATE_ADMIN_KEY is set.
 */
export function requireAdmin(keys: KeyRing) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (keys.adminOpen) {
      request.caller = { kind: 'admin' };
      return;
    }
    const token = bearerToken(request);
    const caller = token ? keys.identify(token) : undefined;
    if (caller?.kind === 'admin') {
      request.caller = caller;
      return;
    }
    if (caller && !keys.apiOpen) {
      const detail = keys.adminUnset
        ? 'admin routes need CHATGATE_ADMIN_KEY to be set'
        : 'this key may not use admin routes';
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
