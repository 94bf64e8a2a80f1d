import { hash } from 'node:crypto';
import type { SocketCaller } from '../core/platform.js';
import type { Metrics } from '../observability/metrics.js';
import type { ClientKey } from '../stores/client-key-store.js';
import { type Caller, identifyCaller, type KeyRing, refusalText } from './auth.js';
import type { ClientKeyLookup } from './client-keys/key-lookup.js';
import type { ClientKeyQuotas } from './client-keys/quotas.js';

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
  limits?: { quotas: ClientKeyQuotas; metrics: Metrics },
): (key: string) => Promise<SocketCaller | { refused: string }> {
  return async (key) => {
    try {
      const identity = await identifyCaller(keys, lookup, key);
      if (!('caller' in identity)) return { refused: refusalText(identity, 'key') };
      const caller = socketCaller(identity.caller, key, keys.apiOpen && !keys.known(key));
      const stored = identity.key;
      if (!limits || !stored || (stored.rpm === undefined && stored.dailyTokens === undefined)) return caller;
      return { ...caller, admit: () => admitMessage(stored, limits) };
    } catch {
      return { refused: 'the key store cannot be reached; try again' };
    }
  };
}

/**
 * One message of a stored key with limits, counted as one request of `POST /api/v1/ai/interaction`
 * would be (the same `rpm` window and `daily_tokens` day). A counter store that fails lets it go.
 */
async function admitMessage(
  key: ClientKey,
  limits: { quotas: ClientKeyQuotas; metrics: Metrics },
): Promise<{ refused: string; retryAfterSeconds: number } | undefined> {
  try {
    const { refusal } = await limits.quotas.admit(key);
    if (!refusal) return undefined;
    limits.metrics.rateLimited.labels('client_key').inc();
    return { refused: refusal.message, retryAfterSeconds: refusal.retryAfterS };
  } catch {
    return undefined;
  }
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
