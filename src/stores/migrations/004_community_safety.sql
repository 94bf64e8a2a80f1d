-- 004_community_safety: a community's safety rules (issue "Made for crowds"), each section a JSON
-- object of the fields it overrides (camelCase, as CommunityOverrides names them); NULL = the
-- service defaults (`safety` in config/default.yaml).
--   permissions: { minRole, allowUsers, blockUsers }
--   budgets:     { userDailyTokens, channelDailyTokens, communityDailyTokens, *DailyUsd } (null = no limit)
--   moderation:  { blockedTerms, allowLinks, piiRedaction, moderationUrl, moderationFailOpen, blockedReply }
ALTER TABLE ai_module_config ADD COLUMN permissions jsonb;
ALTER TABLE ai_module_config ADD COLUMN budgets jsonb;
ALTER TABLE ai_module_config ADD COLUMN moderation jsonb;
