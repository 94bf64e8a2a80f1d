import type { ProviderKind } from '../ai/providers/provider.js';
import type { Config, TriggersConfig } from '../config/schema.js';
import { applySafetyOverrides, type SafetySettings } from '../safety/safety-settings.js';
import type { CommunityOverrides, ContextScope } from '../stores/community-config-store.js';
import { applyPresenceOverrides, defaultPresence, type PresenceSettings } from './presence-settings.js';

/**
 * What one community (a Twitch channel, a Telegram chat, a Discord guild) has chosen: its provider
 * chain, model, sampling, personality and triggers. Missing choices fall back to the service
 * defaults (`config/default.yaml` and env).
 */
export interface CommunitySettings extends SafetySettings, PresenceSettings {
  communityId: string;
  enabled: boolean;
  provider: ProviderKind;
  model: string;
  /** The community's own endpoint for its provider; the service's when unset. */
  baseUrl?: string;
  /** The community's own API key for that endpoint (decrypted; never shown or logged). */
  apiKey?: string;
  fallbackProvider?: ProviderKind;
  /** Model for the fallback link; the provider's default model when unset. */
  fallbackModel?: string;
  /** 0–2. */
  temperature: number;
  /** Reply length bound, tokens. */
  maxTokens: number;
  /** Overrides the personality when set, ≤ 4000 chars. */
  systemPrompt?: string;
  /** A configured personality, or `random` (one per conversation, kept). */
  personality: string;
  triggers: TriggersConfig;
  contextScope: ContextScope;
  /**
   * Whether the OpenAI routes may answer this community's deterministic requests from the
   * response cache (on by default; the cache itself is on only when `RESPONSE_CACHE_TTL_MS` > 0).
   */
  responseCache: boolean;
}

/** Reads a community's settings. */
export interface CommunitySettingsSource {
  get(communityId: string): Promise<CommunitySettings>;
}

/** The default model for a provider kind, from the service configuration. */
export function defaultModelFor(config: Config, kind: ProviderKind): string {
  if (kind === 'openai') return config.ai.openai.model ?? config.ai.model;
  if (kind === 'local') return 'local-responder';
  return config.ai.model;
}

/** The service defaults as one community's settings. */
export function defaultSettings(config: Config, communityId: string): CommunitySettings {
  const { ai, triggers, safety } = config;
  return {
    communityId,
    enabled: true,
    provider: ai.provider,
    model: defaultModelFor(config, ai.provider),
    fallbackProvider: ai.fallbackProvider,
    fallbackModel: ai.fallbackProvider ? defaultModelFor(config, ai.fallbackProvider) : undefined,
    temperature: ai.temperature,
    maxTokens: ai.maxTokens,
    systemPrompt: ai.systemPrompt,
    personality: ai.personality,
    triggers,
    contextScope: 'user',
    responseCache: true,
    permissions: safety.permissions,
    budgets: safety.budgets,
    moderation: {
      blockedTerms: safety.moderation.blockedTerms,
      allowLinks: safety.moderation.allowLinks,
      piiRedaction: safety.moderation.piiRedaction,
      moderationUrl: safety.moderation.moderationUrl,
      moderationFailOpen: safety.moderation.moderationFailOpen,
      blockedReply: safety.moderation.blockedReply,
    },
    ...defaultPresence(config.presence),
  };
}

/**
 * A community's overrides over the service defaults: each set field wins; trigger settings merge
 * per kind; a new provider without a model gets that provider's default model.
 */
export function applyOverrides(
  config: Config,
  base: CommunitySettings,
  overrides: CommunityOverrides,
  apiKey: string | undefined,
): CommunitySettings {
  const provider = overrides.provider ?? base.provider;
  const fallbackProvider = overrides.fallbackProvider ?? base.fallbackProvider;
  return {
    ...base,
    enabled: overrides.enabled ?? base.enabled,
    provider,
    model: overrides.model ?? (overrides.provider ? defaultModelFor(config, provider) : base.model),
    baseUrl: overrides.baseUrl,
    apiKey,
    fallbackProvider,
    fallbackModel: fallbackProvider ? defaultModelFor(config, fallbackProvider) : undefined,
    temperature: overrides.temperature ?? base.temperature,
    maxTokens: overrides.maxTokens ?? base.maxTokens,
    systemPrompt: overrides.systemPrompt ?? (overrides.personality ? undefined : base.systemPrompt),
    personality: overrides.personality ?? base.personality,
    triggers: triggersWith(base.triggers, overrides.triggers),
    contextScope: overrides.contextScope ?? base.contextScope,
    responseCache: overrides.responseCache ?? base.responseCache,
    ...applySafetyOverrides(base, overrides),
    ...applyPresenceOverrides(base, overrides),
  };
}

/** `triggers` with a community's (or a channel's) per-kind settings over them. */
function triggersWith(triggers: TriggersConfig, overrides: CommunityOverrides['triggers']): TriggersConfig {
  const kinds = { ...triggers.kinds };
  for (const [kind, patch] of Object.entries(overrides ?? {})) {
    const key = kind as keyof typeof kinds;
    if (kinds[key] && patch) kinds[key] = { ...kinds[key], ...patch };
  }
  return { ...triggers, kinds };
}

/**
 * The settings an event of `channelId` is answered with: the community's, with that channel's
 * override (`channels` in the config) over its persona, model and triggers. The same object when
 * the channel has none. A channel's `personality` clears the community's `systemPrompt` (as a
 * community's does over the service's).
 */
export function settingsForChannel(settings: CommunitySettings, channelId: string): CommunitySettings {
  const channel = Object.hasOwn(settings.channels, channelId) ? settings.channels[channelId] : undefined;
  if (!channel) return settings;
  return {
    ...settings,
    model: channel.model ?? settings.model,
    systemPrompt: channel.systemPrompt ?? (channel.personality ? undefined : settings.systemPrompt),
    personality: channel.personality ?? settings.personality,
    triggers: triggersWith(settings.triggers, channel.triggers),
  };
}
