import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientKey } from '../stores/client-key-store.js';
import type { ClientKeyLookup, KeyVerdict } from './client-keys/key-lookup.js';
import { isClientKeyShaped } from './client-keys/key-material.js';
import { sendError } from './errors.js';

/**
 * Who a request speaks for, by its Bearer key. Keys have scopes:
 * - `admin` (CHATGATE_ADMIN_KEY): every route;
 * - `integration` (CHATGATE_API_KEYS, or anyone while no API or client key is set): collectors the
 *   operator runs; their events may claim any platform, roles and community;
 * - `client` (CHATGATE_CLIENT_KEYS, or a stored key from `POST /api/v1/keys`): outside callers;
 *   their events stay on the `api` and `web` platforms, claim no roles, and use only `communityId`
 *   (`CLIENT_COMMUNITY` for static keys and stored keys bound to no community). `keyId` is the
 *   stored key's id (absent for static keys): usage and quotas are counted by it.
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
    /** The stored client key the request came with (limits for the quotas), set with `caller`. */
    clientKey?: ClientKey;
  }
}

/** The keys of `config.auth`. */
export interface AuthKeys {
  apiKeys: readonly string[];
  clientKeys?: readonly string[];
  adminKey?: string;
}

// One-shot `hash` (Node ≥ 21.7): no Hash object per call, on the path of every request.
const digest = (value: string) => hash('sha256', value, 'buffer');

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
  const matches = digestCheck(keys);
  return (token) => (token ? matches(digest(token)) : false);
}

/**
 * Whether a token's SHA-256 digest (`digest(token)`) is one of `keys`' (false when there are
 * none), compared in constant time: the form KeyRing uses, so that a request's token is hashed
 * once, not once per scope.
 */
function digestCheck(keys: readonly string[]): (candidate: Buffer) => boolean {
  const digests = keys.map(digest);
  return (candidate) => digests.some((known) => timingSafeEqual(known, candidate));
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
  /** Any key configured at all (else no token is a configured key: nothing to hash). */
  private readonly anyKey: boolean;
  // Each takes the token's digest: `known` hashes a token once for all three.
  private readonly isAdmin: (candidate: Buffer) => boolean;
  private readonly isClient: (candidate: Buffer) => boolean;
  private readonly isIntegration: (candidate: Buffer) => boolean;

  constructor(keys: AuthKeys) {
    const clientKeys = keys.clientKeys ?? [];
    this.apiOpen = keys.apiKeys.length === 0 && clientKeys.length === 0 && !keys.adminKey;
    this.adminOpen = this.apiOpen;
    this.adminUnset = !keys.adminKey;
    const none = () => false;
    this.isAdmin = keys.adminKey ? digestCheck([keys.adminKey]) : none;
    this.isClient = digestCheck(clientKeys);
    this.isIntegration = digestCheck(keys.apiKeys);
    this.anyKey = Boolean(keys.adminKey) || clientKeys.length > 0 || keys.apiKeys.length > 0;
  }

  /**
   * The caller of `token`, or undefined for no or an unknown key. While the API is open, a request
   * without a known key is an integration. A key listed as both client and API key is a client.
   */
  identify(token: string | undefined): Caller | undefined {
    return (token ? this.known(token) : undefined) ?? (this.apiOpen ? { kind: 'integration' } : undefined);
  }

  /** The caller of a configured key (admin, client or integration), or undefined. */
  known(token: string): Caller | undefined {
    if (!this.anyKey) return undefined;
    const candidate = digest(token);
    if (this.isAdmin(candidate)) return { kind: 'admin' };
    if (this.isClient(candidate)) return { kind: 'client', communityId: CLIENT_COMMUNITY };
    if (this.isIntegration(candidate)) return { kind: 'integration' };
    return undefined;
  }
}

/**
 * Who a request is, or why it is refused: `missing` (no key, and the API is not open), `unknown`
 * (a key nobody knows, or a deleted one), `expired` (a stored key past its `expires_at`).
 */
export type Identity =
  | { caller: Caller; key?: ClientKey }
  | { refused: 'missing' | 'unknown' }
  | { refused: 'expired'; expiredAt: number };

/**
 * The identity of Bearer `token`: a configured key first (compared in constant time), then a
 * stored client key (`cg_…`, looked up by its digest through `lookup`'s cache), then, while the
 * API is open, an integration. A token shaped like a stored key that is not one (deleted,
 * expired, made up) is refused even while the API is open. Synchronous unless the stored key's
 * digest is not cached.
 * @throws StoreUnavailableError (the promise rejects) when the key store cannot be reached.
 */
export function identifyCaller(
  keys: KeyRing,
  lookup: ClientKeyLookup | undefined,
  token: string | undefined,
): Identity | Promise<Identity> {
  const known = token ? keys.known(token) : undefined;
  if (known) return { caller: known };
  if (token && lookup && isClientKeyShaped(token)) {
    const verdict = lookup.check(token);
    return verdict instanceof Promise ? verdict.then(storedIdentity) : storedIdentity(verdict);
  }
  if (keys.apiOpen) return { caller: { kind: 'integration' } };
  return { refused: token ? 'unknown' : 'missing' };
}

function storedIdentity(verdict: KeyVerdict): Identity {
  if (!verdict.ok) {
    return verdict.reason === 'expired'
      ? { refused: 'expired', expiredAt: verdict.expiredAt }
      : { refused: 'unknown' };
  }
  const { key } = verdict;
  return {
    caller: { kind: 'client', communityId: key.communityId ?? CLIENT_COMMUNITY, keyId: key.id },
    key,
  };
}

/** Sets `request.caller` (and `clientKey`) from an admitted identity. */
export function admit(request: FastifyRequest, identity: { caller: Caller; key?: ClientKey }): void {
  request.caller = identity.caller;
  if (identity.key) request.clientKey = identity.key;
}

/** The 401 sentence for a refused identity (never the key itself). */
export function refusalText(identity: Exclude<Identity, { caller: Caller }>, what = 'API key'): string {
  if (identity.refused === 'expired') {
    return `this ${what} expired at ${new Date(identity.expiredAt).toISOString()}`;
  }
  return identity.refused === 'missing'
    ? `missing Authorization: Bearer <${what.toLowerCase()}>`
    : `invalid ${what}`;
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
 * An onRequest hook for the API routes: admits the admin key, API (integration) keys, client keys
 * and stored client keys (through `lookup`), and records who called in `request.caller`; 401 for
 * no, an unknown, a deleted or an expired key (anyone is an integration while no key is set).
 */
export function requireCaller(keys: KeyRing, lookup?: ClientKeyLookup) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const identity = await identifyCaller(keys, lookup, bearerToken(request));
    if ('caller' in identity) return admit(request, identity);
    return sendError(request, reply, 401, 'unauthorized', refusalText(identity));
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
 * The admin rule: `Authorization: Bearer <CHATGATE_ADMIN_KEY>`. An API, client or stored client key
 * gets 403 (known, but not allowed here); no, an unknown or an expired key gets 401. With no keys
 * configured at all, everything is open (chatgate then listens on 127.0.0.1 only); with caller keys
 * but no admin key, admin routes are closed to everyone until CHATGATE_ADMIN_KEY is set.
 */
export function requireAdmin(keys: KeyRing, lookup?: ClientKeyLookup) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (keys.adminOpen) {
      request.caller = { kind: 'admin' };
      return;
    }
    const token = bearerToken(request);
    const identity = token ? await identifyCaller(keys, lookup, token) : undefined;
    const caller = identity && 'caller' in identity ? identity.caller : undefined;
    if (caller?.kind === 'admin') {
      request.caller = caller;
      return;
    }
    if (identity && 'refused' in identity && identity.refused === 'expired') {
      return sendError(request, reply, 401, 'unauthorized', refusalText(identity));
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
