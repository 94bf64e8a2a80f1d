-- 003_response_cache: a community may turn the OpenAI routes' response cache off for itself
-- (NULL = the default: on whenever RESPONSE_CACHE_TTL_MS > 0).
ALTER TABLE ai_module_config ADD COLUMN response_cache boolean;
