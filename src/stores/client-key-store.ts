/**
 * Client keys of the OpenAI-compatible gateway (`POST /api/v1/keys`), as stored: never the key
 * itself, only its SHA-256 digest and a short prefix for telling keys apart. Backends: SQL
 * (PostgreSQL/PGlite, table `client_keys`, migration 006) and in-process (tests, memory stores).
 */
export interface ClientKey {
  /** A UUID. */
  id: string;
  /** The operator's label, 1–200 chars. */
  name: string;
  /** SHA-256 of the whole key, lower-case hex (64 chars): what a Bearer token is looked up by. */
  keyHash: string;
  /** The key's first chars (`cg_` and a few more), shown in lists to tell keys apart. */
  keyPrefix: string;
  /** The one community the key may use; unset: `api:default`, as the static client keys. */
  communityId?: string;
  /** Requests per minute; unset: no limit of its own. */
  rpm?: number;
  /** Tokens (prompt + completion) per UTC day; unset: no limit. */
  dailyTokens?: number;
  /** ms since the epoch after which the key is refused; unset: never. */
  expiresAt?: number;
  /** ms since the epoch. */
  createdAt: number;
  /** ms since the epoch of the last request seen with the key (updated at most once a minute). */
  lastUsedAt?: number;
}

/** One page of keys, newest first, and how many there are in all. */
export interface ClientKeyPage {
  items: ClientKey[];
  total: number;
}

/**
 * Where client keys live. Every method may throw StoreUnavailableError while the database is down
 * (the HTTP layer answers 503), and ValidationError for text PostgreSQL cannot store (a NUL).
 */
export interface ClientKeyStore {
  /** Stores a new key. @throws Error when `id` or `keyHash` is taken (never in practice: both random). */
  create(key: ClientKey): Promise<void>;
  /** Keys newest first, `limit` from `offset`. */
  list(page: { limit: number; offset: number }): Promise<ClientKeyPage>;
  get(id: string): Promise<ClientKey | undefined>;
  /** The key whose digest is `keyHash` (lower-case hex), if any. */
  findByHash(keyHash: string): Promise<ClientKey | undefined>;
  /** Removes the key; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Records a use at `at` (ms since the epoch); a no-op for a deleted key. */
  touch(id: string, at: number): Promise<void>;
}
