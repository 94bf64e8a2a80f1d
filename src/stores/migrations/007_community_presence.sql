-- 007_community_presence: how the bot is present in a community's chat (issue "Presence in chat");
-- NULL = the service defaults (`presence` in config/default.yaml). JSON in camelCase, as
-- CommunityOverrides names it.
--   stream_replies:     whether replies stream into the chat as they are written
--   background_context: { messages, maxAgeMs }
--   channels:           { "<channel id>": { personality, systemPrompt, model, triggers } }
ALTER TABLE ai_module_config ADD COLUMN stream_replies boolean;
ALTER TABLE ai_module_config ADD COLUMN background_context jsonb;
ALTER TABLE ai_module_config ADD COLUMN channels jsonb;
