import type { ClientKey, ClientKeyPage, ClientKeyStore } from '../client-key-store.js';
import type { SqlQueryable } from './sql-client.js';
import { refuseNulInSqlText } from './sql-text.js';

interface Row {
  id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  community_id: string | null;
  rpm: number | null;
  daily_tokens: number | null;
  expires_at: Date | null;
  created_at: Date;
  last_used_at: Date | null;
}

const COLUMNS =
  'id, name, key_hash, key_prefix, community_id, rpm, daily_tokens, expires_at, created_at, last_used_at';

/** An id that is not a UUID cannot be in the table, and PostgreSQL would refuse it (22P02) as a 500. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toKey(row: Row): ClientKey {
  const key: ClientKey = {
    id: row.id,
    name: row.name,
    keyHash: row.key_hash,
    keyPrefix: row.key_prefix,
    createdAt: row.created_at.getTime(),
  };
  if (row.community_id !== null) key.communityId = row.community_id;
  if (row.rpm !== null) key.rpm = row.rpm;
  if (row.daily_tokens !== null) key.dailyTokens = row.daily_tokens;
  if (row.expires_at !== null) key.expiresAt = row.expires_at.getTime();
  if (row.last_used_at !== null) key.lastUsedAt = row.last_used_at.getTime();
  return key;
}

const toDate = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));

/**
 * ClientKeyStore on the `client_keys` table (migration 006). Throws StoreUnavailableError when the
 * database is down, ValidationError for a NUL in a name or community id.
 */
export class SqlClientKeyStore implements ClientKeyStore {
  constructor(private readonly client: SqlQueryable) {}

  async create(key: ClientKey): Promise<void> {
    refuseNulInSqlText({ name: key.name, community_id: key.communityId });
    await this.client.query(
      `INSERT INTO client_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        key.id,
        key.name,
        key.keyHash,
        key.keyPrefix,
        key.communityId ?? null,
        key.rpm ?? null,
        key.dailyTokens ?? null,
        toDate(key.expiresAt),
        new Date(key.createdAt),
        toDate(key.lastUsedAt),
      ],
    );
  }

  async list(page: { limit: number; offset: number }): Promise<ClientKeyPage> {
    const [{ rows }, counted] = await Promise.all([
      this.client.query<Row>(
        `SELECT ${COLUMNS} FROM client_keys ORDER BY created_at DESC, id LIMIT $1 OFFSET $2`,
        [page.limit, page.offset],
      ),
      this.client.query<{ total: number }>('SELECT count(*)::int AS total FROM client_keys'),
    ]);
    return { items: rows.map(toKey), total: counted.rows[0]?.total ?? 0 };
  }

  async get(id: string): Promise<ClientKey | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.client.query<Row>(`SELECT ${COLUMNS} FROM client_keys WHERE id = $1`, [id]);
    return rows[0] && toKey(rows[0]);
  }

  async findByHash(keyHash: string): Promise<ClientKey | undefined> {
    const { rows } = await this.client.query<Row>(`SELECT ${COLUMNS} FROM client_keys WHERE key_hash = $1`, [
      keyHash,
    ]);
    return rows[0] && toKey(rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const { rows } = await this.client.query<{ id: string }>(
      'DELETE FROM client_keys WHERE id = $1 RETURNING id',
      [id],
    );
    return rows.length > 0;
  }

  async touch(id: string, at: number): Promise<void> {
    if (!UUID.test(id)) return;
    await this.client.query('UPDATE client_keys SET last_used_at = $2 WHERE id = $1', [id, new Date(at)]);
  }
}
