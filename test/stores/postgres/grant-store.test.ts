/**
 * The platform grant store (migration 008) on PGlite and real PostgreSQL, and its in-memory twin:
 * a grant comes back as stored, the refresh token is sealed at rest (the row holds no clear
 * text) and bound to its row, replaced in place, listed without tokens, and refused without a
 * secret key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyDecryptError, SecretKeyMissingError } from '../../../src/stores/crypto.js';
import { type GrantStore, MemoryGrantStore } from '../../../src/stores/grant-store.js';
import { migrate } from '../../../src/stores/postgres/migrate.js';
import type { SqlClient } from '../../../src/stores/postgres/sql-client.js';
import { SqlGrantStore } from '../../../src/stores/postgres/sql-grant-store.js';
import { describeNeeding } from '../../support/requirements.js';
import { sqlBackends } from './support.js';

const SECRET = 'a-test-secret-of-32-characters!!';
const TOKEN = 'broadcaster-refresh-token-0123456789';

/** What every backend does, given a store made with and one made without the secret key. */
function grantStoreContract(make: (secretKey?: string) => GrantStore): void {
  it('stores, replaces, lists without tokens and removes grants per platform and role', async () => {
    const store = make(SECRET);
    expect(store.writable).toBe(true);
    await store.put('twitch', {
      role: 'broadcaster',
      subjectId: '1001',
      scopes: ['bits:read'],
      refreshToken: TOKEN,
    });
    await store.put('twitch', {
      role: 'bot',
      subjectId: '90001',
      scopes: ['user:bot'],
      refreshToken: 'bot-refresh',
    });
    expect(await store.get('twitch', 'broadcaster', '1001')).toMatchObject({
      role: 'broadcaster',
      subjectId: '1001',
      scopes: ['bits:read'],
      refreshToken: TOKEN,
    });
    await store.put('twitch', {
      role: 'broadcaster',
      subjectId: '1001',
      scopes: ['bits:read', 'channel:read:redemptions'],
      refreshToken: 'rotated-refresh-token',
    });
    expect(await store.get('twitch', 'broadcaster', '1001')).toMatchObject({
      scopes: ['bits:read', 'channel:read:redemptions'],
      refreshToken: 'rotated-refresh-token',
    });
    const listed = await store.list('twitch', 'broadcaster');
    expect(listed).toEqual([
      {
        role: 'broadcaster',
        subjectId: '1001',
        scopes: ['bits:read', 'channel:read:redemptions'],
        updatedAt: expect.any(Number),
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain('rotated-refresh-token');
    expect(await store.get('discord', 'broadcaster', '1001')).toBeUndefined();
    expect(await store.remove('twitch', 'broadcaster', '1001')).toBe(true);
    expect(await store.remove('twitch', 'broadcaster', '1001')).toBe(false);
    expect(await store.get('twitch', 'broadcaster', '1001')).toBeUndefined();
    expect((await store.get('twitch', 'bot', '90001'))?.refreshToken).toBe('bot-refresh');
  });

  it('refuses to store without a secret key', async () => {
    const store = make(undefined);
    expect(store.writable).toBe(false);
    await expect(
      store.put('twitch', { role: 'broadcaster', subjectId: '7', scopes: [], refreshToken: TOKEN }),
    ).rejects.toThrow(SecretKeyMissingError);
  });
}

for (const backend of sqlBackends('grant')) {
  describeNeeding(backend.needs, `GrantStore on ${backend.name}`, () => {
    let client: SqlClient;
    beforeAll(async () => {
      client = await backend.open();
      await migrate(client);
    });
    afterAll(async () => {
      if (client && backend.schema) await client.query(`DROP SCHEMA IF EXISTS ${backend.schema} CASCADE`);
      await client?.close();
    });

    grantStoreContract((secretKey) => new SqlGrantStore(client, { secretKey }));

    it('keeps the token sealed at rest, bound to its row and to the secret key', async () => {
      await new SqlGrantStore(client, { secretKey: SECRET }).put('twitch', {
        role: 'broadcaster',
        subjectId: '2002',
        scopes: ['bits:read'],
        refreshToken: TOKEN,
      });
      const { rows } = await client.query<{ refresh_token_ciphertext: Uint8Array; scopes: string }>(
        "SELECT refresh_token_ciphertext, scopes FROM platform_grants WHERE subject_id = '2002'",
      );
      const sealed = Buffer.from(rows[0]?.refresh_token_ciphertext ?? []);
      expect(sealed.length).toBeGreaterThan(TOKEN.length);
      expect(sealed.toString('latin1')).not.toContain(TOKEN);
      expect(rows[0]?.scopes).toBe('bits:read');
      // The same sealed bytes under another subject do not open.
      await client.query(
        `INSERT INTO platform_grants (platform, role, subject_id, scopes, refresh_token_ciphertext)
         VALUES ('twitch', 'broadcaster', '3003', '', $1)`,
        [sealed],
      );
      await expect(
        new SqlGrantStore(client, { secretKey: SECRET }).get('twitch', 'broadcaster', '3003'),
      ).rejects.toThrow(ApiKeyDecryptError);
      await expect(
        new SqlGrantStore(client, { secretKey: 'another-secret-of-32-characters!' }).get(
          'twitch',
          'broadcaster',
          '2002',
        ),
      ).rejects.toThrow(ApiKeyDecryptError);
    });
  });
}

describe('GrantStore in memory', () => {
  grantStoreContract((secretKey) => new MemoryGrantStore(secretKey));
});
