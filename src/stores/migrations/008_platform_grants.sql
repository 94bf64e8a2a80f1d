-- 008_platform_grants: OAuth grants users gave chatgate on a platform, kept across restarts: the
-- bot account's newest refresh token (role 'bot') and the grants of broadcasters who authorized
-- their channel's events (role 'broadcaster': Twitch channel-point redemptions, cheers, follows).
-- The refresh token is sealed with AES-256-GCM under CHATGATE_SECRET_KEY (src/stores/crypto.ts),
-- bound to `platform:role:subject_id`; it is never stored in clear.
--   scopes: the granted scopes, space-separated as OAuth names them
CREATE TABLE platform_grants (
  platform text NOT NULL,
  role text NOT NULL,
  subject_id text NOT NULL,
  scopes text NOT NULL DEFAULT '',
  refresh_token_ciphertext bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, role, subject_id)
);
