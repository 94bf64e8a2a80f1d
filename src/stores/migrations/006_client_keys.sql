-- 006_client_keys: client keys of the OpenAI-compatible gateway (POST /api/v1/keys). The key itself
-- is never stored: key_hash is the SHA-256 of the whole key (hex), key_prefix its first chars, to
-- tell keys apart in lists. NULL community_id = api:default; NULL rpm, daily_tokens, expires_at =
-- no limit.
CREATE TABLE client_keys (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  community_id text,
  rpm integer,
  daily_tokens integer,
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX client_keys_created_at ON client_keys (created_at DESC);
