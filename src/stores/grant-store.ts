/**
 * OAuth grants users gave chatgate on a platform (the bot's newest refresh token, broadcasters'
 * grants), by platform. Backends: SQL (table `platform_grants`, migration 008; the refresh token
 * sealed under `CHATGATE_SECRET_KEY`) and in-process (tests, and the memory store set, sealed
 * alike). Adapters see one platform's slice through `PlatformGrants` (src/core/platform.ts).
 */
import type { GrantRole, PlatformGrant, PlatformGrants } from '../core/platform.js';
import { ApiKeyCipher, SecretKeyMissingError } from './crypto.js';

/** The grants of every platform. Each method may throw when the store is down. */
export interface GrantStore {
  /** False without `CHATGATE_SECRET_KEY`: nothing can be stored. */
  readonly writable: boolean;
  /** @throws ApiKeyDecryptError when the token was sealed under another secret key. */
  get(platform: string, role: GrantRole, subjectId: string): Promise<PlatformGrant | undefined>;
  list(platform: string, role: GrantRole): Promise<Array<Omit<PlatformGrant, 'refreshToken'>>>;
  /** @throws SecretKeyMissingError without `CHATGATE_SECRET_KEY`. */
  put(platform: string, grant: Omit<PlatformGrant, 'updatedAt'>): Promise<void>;
  remove(platform: string, role: GrantRole, subjectId: string): Promise<boolean>;
}

/** The additional data a sealed token is bound to: a token copied to another row does not open. */
export function grantContext(platform: string, role: GrantRole, subjectId: string): string {
  return `grant:${platform}:${role}:${subjectId}`;
}

/** One platform's slice of `store`, as its adapter sees it. */
export function platformGrantsOf(store: GrantStore, platform: string): PlatformGrants {
  return {
    get writable() {
      return store.writable;
    },
    get: (role, subjectId) => store.get(platform, role, subjectId),
    list: (role) => store.list(platform, role),
    put: (grant) => store.put(platform, grant),
    remove: (role, subjectId) => store.remove(platform, role, subjectId),
  };
}

interface SealedRow {
  scopes: string[];
  sealed: Buffer;
  updatedAt: number;
}

/**
 * Grants in a Map, the token sealed as in SQL (so that a memory run refuses what a database run
 * refuses: no secret key, no grant).
 */
export class MemoryGrantStore implements GrantStore {
  private readonly rows = new Map<
    string,
    SealedRow & { platform: string; role: GrantRole; subjectId: string }
  >();
  private readonly cipher: ApiKeyCipher | undefined;

  /** @throws SecretKeyInvalidError when `secretKey` is set but shorter than 16 characters. */
  constructor(secretKey?: string) {
    this.cipher = secretKey ? new ApiKeyCipher(secretKey) : undefined;
  }

  get writable(): boolean {
    return this.cipher !== undefined;
  }

  async get(platform: string, role: GrantRole, subjectId: string): Promise<PlatformGrant | undefined> {
    const row = this.rows.get(grantContext(platform, role, subjectId));
    if (!row) return undefined;
    if (!this.cipher) throw new SecretKeyMissingError();
    const refreshToken = this.cipher.decrypt(row.sealed, grantContext(platform, role, subjectId));
    return { role, subjectId, scopes: [...row.scopes], refreshToken, updatedAt: row.updatedAt };
  }

  async list(platform: string, role: GrantRole): Promise<Array<Omit<PlatformGrant, 'refreshToken'>>> {
    return [...this.rows.values()]
      .filter((row) => row.platform === platform && row.role === role)
      .map((row) => ({ role, subjectId: row.subjectId, scopes: [...row.scopes], updatedAt: row.updatedAt }));
  }

  async put(platform: string, grant: Omit<PlatformGrant, 'updatedAt'>): Promise<void> {
    if (!this.cipher) throw new SecretKeyMissingError();
    const context = grantContext(platform, grant.role, grant.subjectId);
    this.rows.set(context, {
      platform,
      role: grant.role,
      subjectId: grant.subjectId,
      scopes: [...grant.scopes],
      sealed: this.cipher.encrypt(grant.refreshToken, context),
      updatedAt: Date.now(),
    });
  }

  async remove(platform: string, role: GrantRole, subjectId: string): Promise<boolean> {
    return this.rows.delete(grantContext(platform, role, subjectId));
  }
}
