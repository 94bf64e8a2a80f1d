-- 005_usage: daily token and cost totals (issue "Made for crowds": budgets and usage), one row per
-- UTC day, community, channel, user, model and client key. '' stands for "none" (a request over the
-- OpenAI API has no channel, a request without `user` no user, a caller without a stored key no
-- key): a primary key cannot hold NULLs. Rows only grow: each flush adds its batch's figures.
CREATE TABLE usage_daily (
  day date NOT NULL,
  community_id text NOT NULL,
  channel_id text NOT NULL DEFAULT '',
  user_id text NOT NULL DEFAULT '',
  model text NOT NULL DEFAULT '',
  key_id text NOT NULL DEFAULT '',
  requests bigint NOT NULL DEFAULT 0,
  prompt_tokens bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  -- NULL while no price in `safety.prices` covered the model.
  cost_usd double precision,
  PRIMARY KEY (day, community_id, channel_id, user_id, model, key_id)
);

-- GET /api/v1/usage filters by community (most often) or key, over a range of days.
CREATE INDEX usage_daily_community_idx ON usage_daily (community_id, day);
CREATE INDEX usage_daily_key_idx ON usage_daily (key_id, day) WHERE key_id <> '';
