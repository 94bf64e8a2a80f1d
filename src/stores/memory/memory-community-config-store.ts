import type {
  CommunityConfigStore,
  CommunityConfigWrite,
  CommunityOverrides,
  StoredCommunityConfig,
} from '../community-config-store.js';

/**
 * Community configuration in a Map: for tests and for callers that want no database. API keys are
 * held in memory only, never returned by `get` or `list`.
 */
export class MemoryCommunityConfigStore implements CommunityConfigStore {
  private readonly configs = new Map<
    string,
    { overrides: CommunityOverrides; apiKey?: string; updatedAt: number }
  >();

  async get(communityId: string): Promise<StoredCommunityConfig | undefined> {
    const entry = this.configs.get(communityId);
    return entry ? shown(communityId, entry) : undefined;
  }

  async secret(communityId: string): Promise<string | undefined> {
    return this.configs.get(communityId)?.apiKey;
  }

  async put(communityId: string, config: CommunityConfigWrite): Promise<StoredCommunityConfig> {
    const { apiKey, ...overrides } = config;
    const entry = {
      overrides: withoutUndefined(overrides),
      apiKey: apiKey ?? undefined,
      updatedAt: Date.now(),
    };
    this.configs.set(communityId, entry);
    return shown(communityId, entry);
  }

  async patch(communityId: string, config: CommunityConfigWrite): Promise<StoredCommunityConfig> {
    const current = this.configs.get(communityId);
    const { apiKey, triggers, ...overrides } = config;
    const mergedTriggers = { ...current?.overrides.triggers };
    for (const [kind, patch] of Object.entries(triggers ?? {})) {
      const key = kind as keyof typeof mergedTriggers;
      mergedTriggers[key] = { ...mergedTriggers[key], ...patch };
    }
    const entry = {
      overrides: withoutUndefined({
        ...current?.overrides,
        ...withoutUndefined(overrides),
        triggers: triggers ? mergedTriggers : current?.overrides.triggers,
      }),
      apiKey: apiKey === null ? undefined : (apiKey ?? current?.apiKey),
      updatedAt: Date.now(),
    };
    this.configs.set(communityId, entry);
    return shown(communityId, entry);
  }

  async delete(communityId: string): Promise<boolean> {
    return this.configs.delete(communityId);
  }

  async list(page: {
    limit: number;
    offset: number;
  }): Promise<{ items: StoredCommunityConfig[]; total: number }> {
    const all = [...this.configs.entries()]
      .map(([id, entry]) => shown(id, entry))
      .sort((a, b) => b.updatedAt - a.updatedAt);
    return { items: all.slice(page.offset, page.offset + page.limit), total: all.length };
  }

  async close(): Promise<void> {}
}

function shown(
  communityId: string,
  entry: { overrides: CommunityOverrides; apiKey?: string; updatedAt: number },
): StoredCommunityConfig {
  return {
    ...entry.overrides,
    communityId,
    hasApiKey: entry.apiKey !== undefined,
    apiKeyLast4: entry.apiKey?.slice(-4),
    updatedAt: entry.updatedAt,
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
