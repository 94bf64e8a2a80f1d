import type { GrantRole, PlatformGrant } from '../../core/platform.js';
import { ApiKeyCipher, SecretKeyMissingError } from '../crypto.js';
import { type GrantStore, grantContext } from '../grant-store.js';
import type { SqlQueryable } from './sql-client.js';
import { refuseNulInSqlText } from './sql-text.js';

interface GrantRow {
  subject_id: string;
  scopes: string;
  refresh_token_ciphertext?: Uint8Array;
  updated_at: Date | string;
}

/**
 * GrantStore on the `platform_grants` table (migration 008): the refresh token sealed with
 * AES-256-GCM under `CHATGATE_SECRET_KEY`, bound to `grant:<platform>:<role>:<subject>`.
 * Throws StoreUnavailableError when the database is down, ValidationError for a NUL in a text
 * value, SecretKeyMissingError when a token is stored or read without a secret key, and
 * ApiKeyDecryptError when it was sealed under another key.
 *
 * @example
 * const grants = new SqlGrantStore(client, { secretKey: process.env.CHATGATE_SECRET_KEY });
 * await grants.put('twitch', { role: 'broadcaster', subjectId: '1001', scopes: ['bits:read'], refreshToken });
 */
export class SqlGrantStore implements GrantStore {
  private readonly cipher: ApiKeyCipher | undefined;

  /** @throws SecretKeyInvalidError when `secretKey` is set but shorter than 16 characters. */
  constructor(
    private readonly client: SqlQueryable,
    options: { secretKey?: string | undefined } = {},
  ) {
    this.cipher = options.secretKey ? new ApiKeyCipher(options.secretKey) : undefined;
  }

  get writable(): boolean {
    return this.cipher !== undefined;
  }

  async get(platform: string, role: GrantRole, subjectId: string): Promise<PlatformGrant | undefined> {
    refuseNulInSqlText({ platform, role, subjectId });
    const { rows } = await this.client.query<GrantRow>(
      `SELECT subject_id, scopes, refresh_token_ciphertext, updated_at FROM platform_grants
       WHERE platform = $1 AND role = $2 AND subject_id = $3`,
      [platform, role, subjectId],
    );
    const row = rows[0];
    if (!row?.refresh_token_ciphertext) return undefined;
    if (!this.cipher) throw new SecretKeyMissingError();
    const refreshToken = this.cipher.decrypt(
      row.refresh_token_ciphertext,
      grantContext(platform, role, subjectId),
    );
    return { ...shown(row, role), refreshToken };
  }

  async list(platform: string, role: GrantRole): Promise<Array<Omit<PlatformGrant, 'refreshToken'>>> {
    refuseNulInSqlText({ platform, role });
    const { rows } = await this.client.query<GrantRow>(
      `SELECT subject_id, scopes, updated_at FROM platform_grants
       WHERE platform = $1 AND role = $2 ORDER BY updated_at, subject_id`,
      [platform, role],
    );
    return rows.map((row) => shown(row, role));
  }

  async put(platform: string, grant: Omit<PlatformGrant, 'updatedAt'>): Promise<void> {
    const { role, subjectId } = grant;
    const scopes = grant.scopes.join(' ');
    refuseNulInSqlText({ platform, role, subjectId, scopes });
    if (!this.cipher) throw new SecretKeyMissingError();
    const sealed = this.cipher.encrypt(grant.refreshToken, grantContext(platform, role, subjectId));
    await this.client.query(
      `INSERT INTO platform_grants (platform, role, subject_id, scopes, refresh_token_ciphertext, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (platform, role, subject_id) DO UPDATE
       SET scopes = EXCLUDED.scopes, refresh_token_ciphertext = EXCLUDED.refresh_token_ciphertext,
           updated_at = now()`,
      [platform, role, subjectId, scopes, sealed],
    );
  }

  async remove(platform: string, role: GrantRole, subjectId: string): Promise<boolean> {
    refuseNulInSqlText({ platform, role, subjectId });
    const { rows } = await this.client.query<{ subject_id: string }>(
      'DELETE FROM platform_grants WHERE platform = $1 AND role = $2 AND subject_id = $3 RETURNING subject_id',
      [platform, role, subjectId],
    );
    return rows.length > 0;
  }
}

function shown(row: GrantRow, role: GrantRole): Omit<PlatformGrant, 'refreshToken'> {
  return {
    role,
    subjectId: row.subject_id,
    scopes: row.scopes.split(' ').filter(Boolean),
    updatedAt: new Date(row.updated_at).getTime(),
  };
}
