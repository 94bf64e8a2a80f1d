-- 001_init: community configuration and the interaction log.
-- Runs unchanged on PostgreSQL (15+) and PGlite. Applied once by src/stores/postgres/migrate.ts;
-- never edit an applied migration: add the next numbered file instead.

-- One row per community (`twitch:channel:123`, `discord:guild:…`). Every override column is
-- nullable: NULL means "use the service default" (config/default.yaml and env).
CREATE TABLE ai_module_config (
  community_id text PRIMARY KEY,
  provider text,
  model text,
  base_url text,
  -- AES-256-GCM under CHATGATE_SECRET_KEY: iv (12 bytes) | tag (16 bytes) | ciphertext.
  api_key_ciphertext bytea,
  -- Shown to tell keys apart; NULL for short keys.
  api_key_last4 text,
  temperature double precision,
  max_tokens integer,
  system_prompt text,
  personality text,
  fallback_provider text,
  -- Per trigger kind: { enabled, probability, userCooldownMs, channelCooldownMs }, each optional.
  triggers jsonb,
  context_scope text,
  enabled boolean,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Listing newest first (GET /api/v1/communities).
CREATE INDEX ai_module_config_updated_idx ON ai_module_config (updated_at DESC, community_id);

-- Every ingested event and what became of it. `seq` is the insertion order, the tie-break for
-- interactions created in the same millisecond; `id` is the interaction id the API shows.
CREATE TABLE interactions (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  id text PRIMARY KEY,
  -- The ChatEvent without `raw`.
  event jsonb NOT NULL,
  platform text NOT NULL,
  community_id text NOT NULL,
  status text NOT NULL,
  trigger text,
  reason text,
  reply jsonb,
  callback_url text,
  session_id text,
  created_at timestamptz NOT NULL,
  completed_at timestamptz
);

-- Newest first, alone or filtered by platform, community or status; also serves retention.
CREATE INDEX interactions_newest_idx ON interactions (created_at DESC, seq DESC);
CREATE INDEX interactions_platform_idx ON interactions (platform, created_at DESC, seq DESC);
CREATE INDEX interactions_community_idx ON interactions (community_id, created_at DESC, seq DESC);
CREATE INDEX interactions_status_idx ON interactions (status, created_at DESC, seq DESC);
