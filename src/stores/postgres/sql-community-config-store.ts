import type { ProviderKind } from '../../ai/providers/provider.js';
import {
  type CommunityConfigStore,
  type CommunityConfigWrite,
  type CommunityOverrides,
  type ContextScope,
  mergeOverrides,
  overridesOf,
  type StoredCommunityConfig,
} from '../community-config-store.js';
import { ApiKeyCipher, apiKeyLast4, SecretKeyMissingError } from '../crypto.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';
import { refuseNulInSqlText } from './sql-text.js';

/** Options of SqlCommunityConfigStore. */
export interface SqlCommunityConfigStoreOptions {
  /**
   * `CHATGATE_SECRET_KEY` (at least 16 characters). Without it, configurations without an API key
   * work as usual, and storing or reading an API key throws SecretKeyMissingError.
   */
  secretKey?: string;
}

type Triggers = NonNullable<CommunityOverrides['triggers']>;

/** The row as selected: never the ciphertext, only whether there is one. */
interface ConfigRow {
  community_id: string;
  provider: string | null;
  model: string | null;
  base_url: string | null;
  temperature: number | null;
  max_tokens: number | null;
  system_prompt: string | null;
  personality: string | null;
  fallback_provider: string | null;
  triggers: Triggers | null;
  context_scope: string | null;
  enabled: boolean | null;
  response_cache: boolean | null;
  permissions: CommunityOverrides['permissions'] | null;
  budgets: CommunityOverrides['budgets'] | null;
  moderation: CommunityOverrides['moderation'] | null;
  stream_replies: boolean | null;
  background_context: CommunityOverrides['backgroundContext'] | null;
  channels: CommunityOverrides['channels'] | null;
  has_api_key: boolean;
  api_key_last4: string | null;
  updated_ms: number;
}

const SHOWN = `community_id, provider, model, base_url, temperature, max_tokens, system_prompt, personality,
  fallback_provider, triggers, context_scope, enabled, response_cache, permissions, budgets, moderation,
  stream_replies, background_context, channels, api_key_ciphertext IS NOT NULL AS has_api_key,
  api_key_last4, floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms`;

/**
 * Strictly after the newest stored change (PGlite's clock has millisecond steps), so that listing
 * newest first follows the order of writes.
 */
const NEXT_UPDATED_AT = `GREATEST(clock_timestamp(),
  (SELECT max(updated_at) + interval '1 millisecond' FROM ai_module_config))`;

/** What happens to the stored API key on a write. */
type KeyChange =
  | { kind: 'keep' }
  | { kind: 'set'; sealed: Buffer; last4: string | undefined }
  | { kind: 'remove' };

/**
 * CommunityConfigStore on PostgreSQL or PGlite (table `ai_module_config`, see
 * `src/stores/migrations/001_init.sql`). The API key is stored only as AES-256-GCM ciphertext
 * (see crypto.ts) with its last 4 characters; only `secret()` decrypts it.
 *
 * Writes: `put` replaces every override (unset ones become "use the default"), `patch` merges the
 * set ones into what is stored (`triggers` merge per kind and setting, as JSON Merge Patch does). In
 * both, `apiKey` undefined keeps the stored key, `null` removes it, a string replaces it.
 *
 * Errors: StoreUnavailableError when the database cannot be reached; SecretKeyMissingError when an
 * API key is stored or read without a secret key; ValidationError when a text value holds NUL; ApiKeyDecryptError when the secret key differs
 * from the one the key was stored under; RangeError for an empty `apiKey`.
 *
 * @example
 * const client = await openSqlClient({ databaseUrl: process.env.DATABASE_URL, dataDir: './data' });
 * await migrate(client);
 * const store = new SqlCommunityConfigStore(client, { secretKey: process.env.CHATGATE_SECRET_KEY });
 */
export class SqlCommunityConfigStore implements CommunityConfigStore {
  private readonly cipher: ApiKeyCipher | undefined;

  /** @throws SecretKeyInvalidError when `secretKey` is set but shorter than 16 characters. */
  constructor(
    private readonly client: SqlClient,
    options: SqlCommunityConfigStoreOptions = {},
  ) {
    this.cipher = options.secretKey ? new ApiKeyCipher(options.secretKey) : undefined;
  }

  async get(communityId: string): Promise<StoredCommunityConfig | undefined> {
    refuseNulInSqlText({ communityId });
    const { rows } = await this.client.query<ConfigRow>(
      `SELECT ${SHOWN} FROM ai_module_config WHERE community_id = $1`,
      [communityId],
    );
    return rows[0] && toStored(rows[0]);
  }

  async secret(communityId: string): Promise<string | undefined> {
    refuseNulInSqlText({ communityId });
    const { rows } = await this.client.query<{ api_key_ciphertext: Uint8Array | null }>(
      'SELECT api_key_ciphertext FROM ai_module_config WHERE community_id = $1',
      [communityId],
    );
    const sealed = rows[0]?.api_key_ciphertext;
    if (!sealed) return undefined;
    if (!this.cipher) throw new SecretKeyMissingError();
    return this.cipher.decrypt(sealed, communityId);
  }

  async put(communityId: string, config: CommunityConfigWrite): Promise<StoredCommunityConfig> {
    refuseNulInWrite(communityId, config);
    const key = this.keyChange(communityId, config.apiKey);
    return this.client.transaction((tx) => write(tx, communityId, overridesOf(config), key));
  }

  async patch(communityId: string, config: CommunityConfigWrite): Promise<StoredCommunityConfig> {
    refuseNulInWrite(communityId, config);
    const key = this.keyChange(communityId, config.apiKey);
    return this.client.transaction(async (tx) => {
      // Make sure the row exists, then lock it: concurrent patches apply one after the other.
      await tx.query('INSERT INTO ai_module_config (community_id) VALUES ($1) ON CONFLICT DO NOTHING', [
        communityId,
      ]);
      const { rows } = await tx.query<ConfigRow>(
        `SELECT ${SHOWN} FROM ai_module_config WHERE community_id = $1 FOR UPDATE`,
        [communityId],
      );
      const current = rows[0] ? overridesOf(toStored(rows[0])) : {};
      return write(tx, communityId, mergeOverrides(current, overridesOf(config)), key);
    });
  }

  async delete(communityId: string): Promise<boolean> {
    refuseNulInSqlText({ communityId });
    const { rows } = await this.client.query<{ community_id: string }>(
      'DELETE FROM ai_module_config WHERE community_id = $1 RETURNING community_id',
      [communityId],
    );
    return rows.length > 0;
  }

  async list(page: {
    limit: number;
    offset: number;
  }): Promise<{ items: StoredCommunityConfig[]; total: number }> {
    const [{ rows }, counted] = await Promise.all([
      this.client.query<ConfigRow>(
        `SELECT ${SHOWN} FROM ai_module_config ORDER BY updated_at DESC, community_id LIMIT $1 OFFSET $2`,
        [page.limit, page.offset],
      ),
      this.client.query<{ total: number }>('SELECT count(*)::int AS total FROM ai_module_config'),
    ]);
    return { items: rows.map(toStored), total: counted.rows[0]?.total ?? 0 };
  }

  /** The client belongs to whoever opened it (it is shared with the interaction log): not closed here. */
  async close(): Promise<void> {}

  private keyChange(communityId: string, apiKey: string | null | undefined): KeyChange {
    if (apiKey === undefined) return { kind: 'keep' };
    if (apiKey === null) return { kind: 'remove' };
    if (apiKey === '') throw new RangeError('apiKey must not be empty; send null to remove the stored key');
    if (!this.cipher) throw new SecretKeyMissingError();
    return { kind: 'set', sealed: this.cipher.encrypt(apiKey, communityId), last4: apiKeyLast4(apiKey) };
  }
}

/** The text columns of a write, checked before any statement (see `refuseNulInSqlText`). */
function refuseNulInWrite(communityId: string, config: CommunityConfigWrite): void {
  refuseNulInSqlText({
    communityId,
    provider: config.provider,
    model: config.model,
    baseUrl: config.baseUrl,
    systemPrompt: config.systemPrompt,
    personality: config.personality,
    fallbackProvider: config.fallbackProvider,
    contextScope: config.contextScope,
  });
}

/** Upserts every override column of `overrides` (unset ones as NULL) and applies `key`. */
async function write(
  tx: SqlQueryable,
  communityId: string,
  o: CommunityOverrides,
  key: KeyChange,
): Promise<StoredCommunityConfig> {
  const { rows } = await tx.query<ConfigRow>(
    `INSERT INTO ai_module_config AS c (community_id, provider, model, base_url, temperature, max_tokens,
       system_prompt, personality, fallback_provider, triggers, context_scope, enabled,
       api_key_ciphertext, api_key_last4, response_cache, permissions, budgets, moderation,
       stream_replies, background_context, channels, updated_at)
     VALUES ($1, $2, $3, $4, $5::float8, $6::int, $7, $8, $9, $10::jsonb, $11, $12::boolean, $13::bytea, $14,
       $16::boolean, $17::jsonb, $18::jsonb, $19::jsonb, $20::boolean, $21::jsonb, $22::jsonb, ${NEXT_UPDATED_AT})
     ON CONFLICT (community_id) DO UPDATE SET
       provider = EXCLUDED.provider, model = EXCLUDED.model, base_url = EXCLUDED.base_url,
       temperature = EXCLUDED.temperature, max_tokens = EXCLUDED.max_tokens,
       system_prompt = EXCLUDED.system_prompt, personality = EXCLUDED.personality,
       fallback_provider = EXCLUDED.fallback_provider, triggers = EXCLUDED.triggers,
       context_scope = EXCLUDED.context_scope, enabled = EXCLUDED.enabled,
       response_cache = EXCLUDED.response_cache, permissions = EXCLUDED.permissions,
       budgets = EXCLUDED.budgets, moderation = EXCLUDED.moderation,
       stream_replies = EXCLUDED.stream_replies, background_context = EXCLUDED.background_context,
       channels = EXCLUDED.channels,
       api_key_ciphertext = CASE WHEN $15::boolean THEN c.api_key_ciphertext ELSE EXCLUDED.api_key_ciphertext END,
       api_key_last4 = CASE WHEN $15::boolean THEN c.api_key_last4 ELSE EXCLUDED.api_key_last4 END,
       updated_at = EXCLUDED.updated_at
     RETURNING ${SHOWN}`,
    [
      communityId,
      o.provider ?? null,
      o.model ?? null,
      o.baseUrl ?? null,
      o.temperature ?? null,
      o.maxTokens ?? null,
      o.systemPrompt ?? null,
      o.personality ?? null,
      o.fallbackProvider ?? null,
      o.triggers === undefined ? null : JSON.stringify(o.triggers),
      o.contextScope ?? null,
      o.enabled ?? null,
      key.kind === 'set' ? key.sealed : null,
      key.kind === 'set' ? (key.last4 ?? null) : null,
      key.kind === 'keep',
      o.responseCache ?? null,
      jsonOrNull(o.permissions),
      jsonOrNull(o.budgets),
      jsonOrNull(o.moderation),
      o.streamReplies ?? null,
      jsonOrNull(o.backgroundContext),
      jsonOrNull(o.channels),
    ],
  );
  const row = rows[0];
  if (!row) throw new Error(`upsert of ${communityId} returned no row`);
  return toStored(row);
}

/** A JSON column's parameter: NULL for an unset section. */
function jsonOrNull(value: object | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function toStored(row: ConfigRow): StoredCommunityConfig {
  const stored: StoredCommunityConfig = {
    communityId: row.community_id,
    hasApiKey: row.has_api_key,
    updatedAt: row.updated_ms,
  };
  if (row.provider !== null) stored.provider = row.provider as ProviderKind;
  if (row.model !== null) stored.model = row.model;
  if (row.base_url !== null) stored.baseUrl = row.base_url;
  if (row.temperature !== null) stored.temperature = row.temperature;
  if (row.max_tokens !== null) stored.maxTokens = row.max_tokens;
  if (row.system_prompt !== null) stored.systemPrompt = row.system_prompt;
  if (row.personality !== null) stored.personality = row.personality;
  if (row.fallback_provider !== null) stored.fallbackProvider = row.fallback_provider as ProviderKind;
  if (row.triggers !== null) stored.triggers = row.triggers;
  if (row.context_scope !== null) stored.contextScope = row.context_scope as ContextScope;
  if (row.enabled !== null) stored.enabled = row.enabled;
  if (row.response_cache !== null) stored.responseCache = row.response_cache;
  if (row.permissions !== null) stored.permissions = row.permissions;
  if (row.budgets !== null) stored.budgets = row.budgets;
  if (row.moderation !== null) stored.moderation = row.moderation;
  if (row.stream_replies !== null) stored.streamReplies = row.stream_replies;
  if (row.background_context !== null) stored.backgroundContext = row.background_context;
  if (row.channels !== null) stored.channels = row.channels;
  if (row.api_key_last4 !== null) stored.apiKeyLast4 = row.api_key_last4;
  return stored;
}
