/**
 * A community's configuration as `GET|PUT|PATCH /api/v1/communities/:id/config` speak it (snake_case,
 * src/http/schemas/community-config.ts). In an answer an unset field is `null` (the service default
 * applies); in a request an absent field keeps (PATCH) or drops (PUT) the stored one.
 */

/** The provider kinds a community may name (`PROVIDER_KINDS`). */
export const PROVIDERS = ['ollama', 'openai', 'local'] as const;
/** The roles a community or a trigger may require, lowest first (`MIN_ROLES`). */
export const MIN_ROLES = ['everyone', 'subscriber', 'vip', 'moderator', 'broadcaster'] as const;
/** Trigger kinds in the default order of `config/default.yaml` (`TRIGGER_KINDS`). */
export const TRIGGER_KINDS = [
  'mention',
  'command',
  'greeting',
  'farewell',
  'question',
  'subscription',
  'resub',
  'subgift',
  'submysterygift',
  'raid',
  'cheer',
  'follow',
  'redemption',
] as const;
/** The personalities of `config/default.yaml`; an instance may configure others (the API names them). */
export const KNOWN_PERSONALITIES = ['friendly', 'general', 'creative', 'supportive', 'fun', 'random'];

/** One trigger's overrides; a field left out takes the default. */
export interface TriggerOverride {
  enabled?: boolean;
  /** 0–1. */
  probability?: number;
  user_cooldown_ms?: number;
  channel_cooldown_ms?: number;
  min_role?: string;
  /** 0 = off, or 5,000–300,000 ms. */
  human_grace_ms?: number;
  /** The redemption trigger's channel-point reward titles. */
  reward_titles?: string[];
}

export type TriggerOverrides = Partial<Record<string, TriggerOverride>>;

/** A channel's own persona, model and triggers within its community. */
export interface ChannelOverride {
  personality?: string;
  system_prompt?: string;
  model?: string;
  triggers?: TriggerOverrides;
}

/** The answer of the config routes and one item of `GET /api/v1/communities`. */
export interface CommunityConfig {
  community_id: string;
  /** Whether anything is stored (else every field is null). */
  stored: boolean;
  provider: string | null;
  model: string | null;
  base_url: string | null;
  /** Whether an API key is stored; the key itself is never returned. */
  has_api_key: boolean;
  temperature: number | null;
  max_tokens: number | null;
  system_prompt: string | null;
  personality: string | null;
  fallback_provider: string | null;
  triggers: TriggerOverrides | null;
  context_scope: string | null;
  enabled: boolean | null;
  response_cache: boolean | null;
  permissions: { min_role?: string; allow_users?: string[]; block_users?: string[] } | null;
  budgets: Record<string, number | null> | null;
  moderation: Record<string, unknown> | null;
  stream_replies: boolean | null;
  background_context: { messages?: number; max_age_ms?: number } | null;
  channels: Record<string, ChannelOverride> | null;
  updated_at: string | null;
}

/** `GET /api/v1/communities`: one page of stored configs, newest first. */
export interface CommunityPage {
  communities: CommunityConfig[];
  total: number;
  limit: number;
  offset: number;
}

/** `POST /api/v1/communities/:id/test`: the answer and which link of the chain gave it. */
export interface TrialAnswer {
  reply: string;
  provider: string;
  model: string;
  mode: string;
  service_status: string;
  latency_ms: number;
  fallback_reason?: string;
}

/** A config body's JSON: the editor builds one from the form and diffs it against the stored one. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The fields of an answer that are not configuration (never sent back). */
export const ANSWER_ONLY_FIELDS = ['community_id', 'stored', 'has_api_key', 'api_key_last4', 'updated_at'];
