import type { ProviderKind } from '../ai/providers/provider.js';
import {
  mergePresenceOverrides,
  mergeTriggerOverrides,
  type PresenceOverrides,
  type TriggerOverrides,
} from '../community/presence-settings.js';
import { withoutUndefined } from '../core/without-undefined.js';
import { mergeSafetyOverrides, type SafetyOverrides } from '../safety/safety-settings.js';

/** Whose context a reply sees: the user's own turns, or the whole channel's (with speaker labels). */
export type ContextScope = 'user' | 'channel';

/**
 * What a community has chosen, field by field; anything unset falls back to the service defaults
 * (`config/default.yaml` and env). Wire names (HTTP, SQL) are the snake_case of these.
 */
export interface CommunityOverrides extends SafetyOverrides, PresenceOverrides {
  provider?: ProviderKind;
  model?: string;
  /** Base URL of the community's own provider endpoint (Ollama host or OpenAI-compatible base). */
  baseUrl?: string;
  /** 0–2. */
  temperature?: number;
  /** 1–4096 tokens. */
  maxTokens?: number;
  /** ≤ 4000 chars; wins over `personality`. */
  systemPrompt?: string;
  /** One of the configured personalities, or `random` (picked once per conversation). */
  personality?: string;
  fallbackProvider?: ProviderKind;
  triggers?: TriggerOverrides;
  contextScope?: ContextScope;
  enabled?: boolean;
  /** Whether the OpenAI routes may replay this community's answers from the response cache. */
  responseCache?: boolean;
}

/** A stored community configuration as it may be shown: the API key never, only whether there is one. */
export interface StoredCommunityConfig extends CommunityOverrides {
  communityId: string;
  hasApiKey: boolean;
  /** The key's last 4 characters, to tell keys apart; undefined without a key. */
  apiKeyLast4?: string;
  /** ms since the epoch. */
  updatedAt: number;
}

/** A write: the overrides, plus the API key in clear (`null` removes it, `undefined` keeps it). */
export interface CommunityConfigWrite extends CommunityOverrides {
  apiKey?: string | null;
}

/** Only the override fields of `source` (no apiKey, id or flags), without undefined ones. */
export function overridesOf(source: CommunityOverrides): CommunityOverrides {
  const picked: CommunityOverrides = {
    provider: source.provider,
    model: source.model,
    baseUrl: source.baseUrl,
    temperature: source.temperature,
    maxTokens: source.maxTokens,
    systemPrompt: source.systemPrompt,
    personality: source.personality,
    fallbackProvider: source.fallbackProvider,
    triggers: source.triggers,
    contextScope: source.contextScope,
    enabled: source.enabled,
    responseCache: source.responseCache,
    permissions: source.permissions,
    budgets: source.budgets,
    moderation: source.moderation,
    streamReplies: source.streamReplies,
    backgroundContext: source.backgroundContext,
    channels: source.channels,
  };
  return withoutUndefined(picked);
}

/** What a PATCH stores: `patch` over `base`, set fields win; triggers merge per kind, then per setting. */
export function mergeOverrides(base: CommunityOverrides, patch: CommunityOverrides): CommunityOverrides {
  const merged: CommunityOverrides = { ...base, ...patch };
  if (base.triggers && patch.triggers) merged.triggers = mergeTriggerOverrides(base.triggers, patch.triggers);
  return { ...merged, ...mergeSafetyOverrides(base, patch), ...mergePresenceOverrides(base, patch) };
}

/**
 * Community configuration, persisted (PostgreSQL, or PGlite when `DATABASE_URL` is unset). The API
 * key is stored encrypted (AES-256-GCM under `CHATGATE_SECRET_KEY`) and only `secret()` returns it.
 * Every method throws StoreUnavailableError when the database cannot be reached.
 */
export interface CommunityConfigStore {
  get(communityId: string): Promise<StoredCommunityConfig | undefined>;
  /** The decrypted API key, for the provider call only; never for a response or a log. */
  secret(communityId: string): Promise<string | undefined>;
  /** Replaces the whole configuration (PUT). */
  put(communityId: string, config: CommunityConfigWrite): Promise<StoredCommunityConfig>;
  /** Merges into the stored configuration (PATCH); creates it when absent. */
  patch(communityId: string, config: CommunityConfigWrite): Promise<StoredCommunityConfig>;
  /** True when something was deleted. */
  delete(communityId: string): Promise<boolean>;
  /** Newest first by `updatedAt`. */
  list(page: { limit: number; offset: number }): Promise<{ items: StoredCommunityConfig[]; total: number }>;
  close(): Promise<void>;
}

/** A store's backend is down (Redis, PostgreSQL); callers fall back or report degraded. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(`${store} is unavailable`, options);
  }
}
