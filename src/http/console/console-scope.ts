import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyRing } from '../auth.js';
import { callerOf } from '../auth.js';
import { sendError } from '../errors.js';

/**
 * What a console user may see: everything (the admin key, or anyone while no key is set), or one
 * community, read-only (a client key: issue 18's "a client key sees only its community").
 */
export type ConsoleScope = { kind: 'admin' } | { kind: 'client'; communityId: string };

/**
 * The console scope of a request admitted by `requireCaller`. Integration keys (collectors) have
 * none while keys are set: they answer 403, since the console shows every community's chat.
 * @returns undefined after answering 403.
 */
export function consoleScope(
  keys: KeyRing,
  request: FastifyRequest,
  reply: FastifyReply,
): ConsoleScope | undefined {
  const caller = callerOf(request);
  if (caller.kind === 'admin' || (caller.kind === 'integration' && keys.adminOpen)) return { kind: 'admin' };
  if (caller.kind === 'client') return { kind: 'client', communityId: caller.communityId };
  void sendError(request, reply, 403, 'forbidden', 'the console takes the admin key or a client key');
  return undefined;
}

/** The scope as the console shows it: `{ kind, community_id, read_only }`. */
export function scopeJson(scope: ConsoleScope) {
  return scope.kind === 'admin'
    ? { kind: 'admin', community_id: null, read_only: false }
    : { kind: 'client', community_id: scope.communityId, read_only: true };
}
