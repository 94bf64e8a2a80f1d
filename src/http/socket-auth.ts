import { hash } from 'node:crypto';
import type { SocketCaller } from '../core/platform.js';
import { type Caller, identifyCaller, type KeyRing, refusalText } from './auth.js';
import type { ClientKeyLookup } from './client-keys/key-lookup.js';

/**
 * Checks a key sent inside a WebSocket (the web chat's `hello`), as `requireCaller` checks a Bearer
 * key: the admin key, API keys, client keys and stored client keys; anyone is an integration while
 * no key is set. Never rejects: a key store that cannot be reached is a refusal.
 * @returns the caller with a `userId` that names the key without revealing it: `admin`,
 *   `key:<stored key id>`, `key:<first 12 hex of the key's SHA-256>` (static keys), `anonymous`
 *   (no key configured); or `{ refused }` with a sentence that never holds the key.
 */
export function socketAuthenticator(
  keys: KeyRing,
  lookup: ClientKeyLookup | undefined,
): (key: string) => Promise<SocketCaller | { refused: string }> {
  return async (key) => {
    try {
      const identity = await identifyCaller(keys, lookup, key);
      if (!('caller' in identity)) return { refused: refusalText(identity, 'key') };
      return socketCaller(identity.caller, key, keys.apiOpen && !keys.known(key));
    } catch {
      return { refused: 'the key store cannot be reached; try again' };
    }
  };
}

function socketCaller(caller: Caller, key: string, anonymous: boolean): SocketCaller {
  if (caller.kind === 'admin') return { scope: 'admin', userId: 'admin' };
  const userId = anonymous ? 'anonymous' : `key:${hash('sha256', key, 'hex').slice(0, 12)}`;
  if (caller.kind === 'integration') return { scope: 'integration', userId };
  return {
    scope: 'client',
    communityId: caller.communityId,
    ...(caller.keyId !== undefined ? { keyId: caller.keyId, userId: `key:${caller.keyId}` } : { userId }),
  };
}
