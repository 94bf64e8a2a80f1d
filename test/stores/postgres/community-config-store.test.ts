import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type {
  CommunityConfigWrite,
  StoredCommunityConfig,
} from '../../../src/stores/community-config-store.js';
import {
  ApiKeyDecryptError,
  SecretKeyInvalidError,
  SecretKeyMissingError,
} from '../../../src/stores/crypto.js';
import { migrate } from '../../../src/stores/postgres/migrate.js';
import type { SqlClient } from '../../../src/stores/postgres/sql-client.js';
import { SqlCommunityConfigStore } from '../../../src/stores/postgres/sql-community-config-store.js';
import { describeNeeding } from '../../support/requirements.js';
import { sqlBackends } from './support.js';

const backends = sqlBackends('cfg');

const SECRET = 'a-test-secret-of-32-characters!!';
const API_KEY = 'sk-live-0123456789abcdefWXYZ';
const FULL: CommunityConfigWrite = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  baseUrl: 'http://127.0.0.1:4000/v1',
  temperature: 0.7,
  maxTokens: 512,
  systemPrompt: 'You are a friendly bot.',
  personality: 'fun',
  fallbackProvider: 'local',
  triggers: { greeting: { enabled: false }, mention: { probability: 0.5, userCooldownMs: 10_000 } },
  contextScope: 'channel',
  enabled: true,
  responseCache: false,
  apiKey: API_KEY,
};

/** Everything the store can show, as JSON: where a leaked key would appear. */
const shown = (value: unknown) => JSON.stringify(value);

for (const backend of backends) {
  describeNeeding(backend.needs, `SqlCommunityConfigStore on ${backend.name}`, () => {
    let client: SqlClient;
    let store: SqlCommunityConfigStore;

    beforeAll(async () => {
      client = await backend.open();
      await migrate(client);
    }, 60_000);

    beforeEach(async () => {
      await client.query('DELETE FROM ai_module_config');
      store = new SqlCommunityConfigStore(client, { secretKey: SECRET });
    });

    afterAll(async () => {
      if (client && 'schema' in backend)
        await client.query(`DROP SCHEMA IF EXISTS ${backend.schema} CASCADE`);
      await client?.close();
    });

    it('round-trips every field; the key shows only as hasApiKey and its last 4 characters', async () => {
      const before = Date.now();
      const put = await store.put('twitch:channel:1', FULL);
      const { apiKey: _key, ...overrides } = FULL;
      const expected: StoredCommunityConfig = {
        ...overrides,
        communityId: 'twitch:channel:1',
        hasApiKey: true,
        apiKeyLast4: 'WXYZ',
        updatedAt: expect.any(Number) as unknown as number,
      };
      expect(put).toEqual(expected);
      expect(put.updatedAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(put.updatedAt).toBeLessThanOrEqual(Date.now() + 1_000);
      expect(await store.get('twitch:channel:1')).toEqual(put);
      expect(await store.get('twitch:channel:404')).toBeUndefined();
      expect(await store.secret('twitch:channel:1')).toBe(API_KEY);
    });

    it('put replaces the configuration; an absent apiKey keeps the key, null removes it', async () => {
      await store.put('c', FULL);
      const replaced = await store.put('c', { model: 'llama3.2', provider: 'ollama' });
      expect(replaced).toEqual({
        communityId: 'c',
        model: 'llama3.2',
        provider: 'ollama',
        hasApiKey: true,
        apiKeyLast4: 'WXYZ',
        updatedAt: expect.any(Number),
      });
      expect(await store.secret('c')).toBe(API_KEY);
      const removed = await store.put('c', { model: 'llama3.2', apiKey: null });
      expect(removed.hasApiKey).toBe(false);
      expect(removed.apiKeyLast4).toBeUndefined();
      expect(await store.secret('c')).toBeUndefined();
    });

    it('patch merges into what is stored (triggers per kind and setting) and creates when absent', async () => {
      const created = await store.patch('c', { model: 'm1', triggers: { mention: { enabled: true } } });
      expect(created).toMatchObject({ communityId: 'c', model: 'm1', hasApiKey: false });
      await store.patch('c', { temperature: 1.2, apiKey: API_KEY });
      const merged = await store.patch('c', {
        triggers: { mention: { probability: 0.25 }, raid: { enabled: false } },
      });
      expect(merged).toEqual({
        communityId: 'c',
        model: 'm1',
        temperature: 1.2,
        triggers: { mention: { enabled: true, probability: 0.25 }, raid: { enabled: false } },
        hasApiKey: true,
        apiKeyLast4: 'WXYZ',
        updatedAt: expect.any(Number),
      });
      await store.patch('c', { apiKey: 'sk-another-key-0000-9999' });
      expect(await store.secret('c')).toBe('sk-another-key-0000-9999');
      expect((await store.patch('c', { apiKey: null })).hasApiKey).toBe(false);
    });

    it('concurrent patches of a new community all land', async () => {
      await Promise.all([
        store.patch('c', { model: 'm' }),
        store.patch('c', { temperature: 0.1 }),
        store.patch('c', { maxTokens: 64 }),
        store.patch('c', { personality: 'creative' }),
      ]);
      expect(await store.get('c')).toMatchObject({
        model: 'm',
        temperature: 0.1,
        maxTokens: 64,
        personality: 'creative',
      });
    });

    it('lists newest first by updatedAt, paged, with the total', async () => {
      for (const n of [1, 2, 3, 4, 5]) await store.put(`c${n}`, { model: `m${n}` });
      const page = async (limit: number, offset: number) => {
        const { items, total } = await store.list({ limit, offset });
        return { ids: items.map((item) => item.communityId), total };
      };
      expect(await page(2, 0)).toEqual({ ids: ['c5', 'c4'], total: 5 });
      expect(await page(2, 2)).toEqual({ ids: ['c3', 'c2'], total: 5 });
      expect(await page(2, 4)).toEqual({ ids: ['c1'], total: 5 });
      expect(await page(2, 10)).toEqual({ ids: [], total: 5 });
      await store.patch('c2', { model: 'changed' });
      expect(await page(3, 0)).toEqual({ ids: ['c2', 'c5', 'c4'], total: 5 });
      const { items } = await store.list({ limit: 10, offset: 0 });
      const times = items.map((item) => item.updatedAt);
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('delete says whether something was deleted', async () => {
      await store.put('c', FULL);
      expect(await store.delete('c')).toBe(true);
      expect(await store.delete('c')).toBe(false);
      expect(await store.get('c')).toBeUndefined();
      expect(await store.secret('c')).toBeUndefined();
      expect((await store.list({ limit: 10, offset: 0 })).total).toBe(0);
    });

    it('never returns the API key, and the table holds it only encrypted', async () => {
      const results: unknown[] = [
        await store.put('c', FULL),
        await store.patch('c', { model: 'x' }),
        await store.get('c'),
        await store.list({ limit: 10, offset: 0 }),
      ];
      for (const result of results) {
        expect(shown(result)).not.toContain(API_KEY);
        expect(shown(result)).not.toContain('apiKey"');
      }
      const hex = Buffer.from(API_KEY, 'utf8').toString('hex');
      const { rows } = await client.query<{ row: string; sealed: Uint8Array; escaped: string }>(
        `SELECT t::text AS row, api_key_ciphertext AS sealed, encode(api_key_ciphertext, 'escape') AS escaped
         FROM ai_module_config t`,
      );
      const [row] = rows;
      expect(row).toBeDefined();
      expect(row?.row).not.toContain(API_KEY);
      expect(row?.row.toLowerCase()).not.toContain(hex);
      expect(row?.escaped).not.toContain(API_KEY);
      expect(Buffer.from(row?.sealed ?? []).includes(Buffer.from(API_KEY))).toBe(false);
      // iv (12) | tag (16) | ciphertext (as long as the key)
      expect(row?.sealed.byteLength).toBe(12 + 16 + Buffer.byteLength(API_KEY));
    });

    it('encrypts with a fresh IV each time', async () => {
      await store.put('a', { apiKey: API_KEY });
      await store.put('b', { apiKey: API_KEY });
      const { rows } = await client.query<{ hex: string }>(
        "SELECT encode(api_key_ciphertext, 'hex') AS hex FROM ai_module_config ORDER BY community_id",
      );
      expect(rows[0]?.hex).not.toBe(rows[1]?.hex);
    });

    it('fails clearly to decrypt under another CHATGATE_SECRET_KEY, or in another row', async () => {
      await store.put('c', FULL);
      const other = new SqlCommunityConfigStore(client, { secretKey: 'another-secret-of-enough-length' });
      const failure = await other.secret('c').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ApiKeyDecryptError);
      expect(String(failure)).toMatch(/cannot decrypt the API key of c: CHATGATE_SECRET_KEY/);
      expect(String(failure)).not.toContain(API_KEY);
      expect(await other.get('c')).toMatchObject({ hasApiKey: true });

      await store.put('d', { model: 'm' });
      await client.query(
        `UPDATE ai_module_config SET api_key_ciphertext = (SELECT api_key_ciphertext FROM ai_module_config
         WHERE community_id = 'c') WHERE community_id = 'd'`,
      );
      await expect(store.secret('d')).rejects.toBeInstanceOf(ApiKeyDecryptError);
    });

    it('refuses to store an API key without CHATGATE_SECRET_KEY, and works without keys', async () => {
      const keyless = new SqlCommunityConfigStore(client);
      await expect(keyless.put('c', FULL)).rejects.toThrow(SecretKeyMissingError);
      await expect(keyless.patch('c', { apiKey: API_KEY })).rejects.toThrow(/CHATGATE_SECRET_KEY is not set/);
      expect(await keyless.get('c')).toBeUndefined();
      expect(await keyless.put('c', { model: 'm' })).toMatchObject({ model: 'm', hasApiKey: false });
      expect(await keyless.secret('c')).toBeUndefined();
      await store.patch('c', { apiKey: API_KEY });
      await expect(keyless.secret('c')).rejects.toThrow(SecretKeyMissingError);
      expect(() => new SqlCommunityConfigStore(client, { secretKey: 'short' })).toThrow(
        SecretKeyInvalidError,
      );
    });

    it('shows no last 4 characters of a short key, and refuses an empty one', async () => {
      const short = await store.put('c', { apiKey: 'abcd1234' });
      expect(short).toMatchObject({ hasApiKey: true });
      expect(short.apiKeyLast4).toBeUndefined();
      expect(await store.secret('c')).toBe('abcd1234');
      await expect(store.put('c', { apiKey: '' })).rejects.toBeInstanceOf(RangeError);
    });
  });
}
