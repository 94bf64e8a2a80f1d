import {
  type CommunityConfigStore,
  type CommunityConfigWrite,
  type CommunityOverrides,
  mergeOverrides,
  overridesOf,
  type StoredCommunityConfig,
} from '../community-config-store.js';
import { apiKeyLast4 } from '../crypto.js';

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
    return this.write(communityId, config, () => overridesOf(config));
  }

  async patch(communityId: string, config: CommunityConfigWrite): Promise<StoredCommunityConfig> {
    return this.write(communityId, config, (current) => mergeOverrides(current ?? {}, overridesOf(config)));
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

  /** Stores `overrides(current)`; as in SQL, `apiKey` null removes the key and undefined keeps it. */
  private write(
    communityId: string,
    { apiKey }: CommunityConfigWrite,
    overrides: (current: CommunityOverrides | undefined) => CommunityOverrides,
  ): StoredCommunityConfig {
    const current = this.configs.get(communityId);
    const entry = {
      overrides: overrides(current?.overrides),
      apiKey: apiKey === null ? undefined : (apiKey ?? current?.apiKey),
      updatedAt: Date.now(),
    };
    this.configs.set(communityId, entry);
    return shown(communityId, entry);
  }
}

function shown(
  communityId: string,
  entry: { overrides: CommunityOverrides; apiKey?: string; updatedAt: number },
): StoredCommunityConfig {
  return {
    ...entry.overrides,
    communityId,
    hasApiKey: entry.apiKey !== undefined,
    apiKeyLast4: entry.apiKey === undefined ? undefined : apiKeyLast4(entry.apiKey),
    updatedAt: entry.updatedAt,
  };
}
