import type { ProviderKind } from '../ai/providers/provider.js';
import type { Config, TriggersConfig } from '../config/schema.js';

/**
 * What one community (a Twitch channel, a Telegram chat, a Discord guild) has chosen: its provider
 * chain, model, sampling, personality and triggers. Missing choices fall back to the service
 * defaults (`config/default.yaml` and env).
 */
export interface CommunitySettings {
  communityId: string;
  enabled: boolean;
  provider: ProviderKind;
  model: string;
  fallbackProvider?: ProviderKind;
  /** Model for the fallback link; the provider's default model when unset. */
  fallbackModel?: string;
  /** 0–2. */
  temperature: number;
  /** Reply length bound, tokens. */
  maxTokens: number;
  /** Overrides the personality when set, ≤ 4000 chars. */
  systemPrompt?: string;
  personality: string;
  triggers: TriggersConfig;
}

/** Reads a community's settings. A store-backed source (PostgreSQL) comes with the state issue. */
export interface CommunitySettingsSource {
  get(communityId: string): Promise<CommunitySettings>;
}

/** The default model for a provider kind, from the service configuration. */
export function defaultModelFor(config: Config, kind: ProviderKind): string {
  if (kind === 'openai') return config.ai.openai.model ?? config.ai.model;
  if (kind === 'local') return 'local-responder';
  return config.ai.model;
}

/** Every community gets the service defaults: the source used until per-community config lands. */
export class DefaultCommunitySettings implements CommunitySettingsSource {
  constructor(private readonly config: Config) {}

  async get(communityId: string): Promise<CommunitySettings> {
    const { ai, triggers } = this.config;
    return {
      communityId,
      enabled: true,
      provider: ai.provider,
      model: defaultModelFor(this.config, ai.provider),
      fallbackProvider: ai.fallbackProvider,
      fallbackModel: ai.fallbackProvider ? defaultModelFor(this.config, ai.fallbackProvider) : undefined,
      temperature: ai.temperature,
      maxTokens: ai.maxTokens,
      systemPrompt: ai.systemPrompt,
      personality: ai.personality,
      triggers,
    };
  }
}
