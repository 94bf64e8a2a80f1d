import type { CommunitySettings } from '../community/community-settings.js';
import { ownEndpointFor, type ProviderRegistry } from './provider-registry.js';
import type { ProviderKind } from './providers/provider.js';

type Community = Pick<CommunitySettings, 'provider' | 'fallbackProvider'> &
  Partial<Pick<CommunitySettings, 'baseUrl' | 'apiKey'>>;

/** The model that stands for "the community's default chain". */
export const AUTO_MODEL = 'chatgate/auto';
export const LOCAL_MODEL = 'local-responder';

export interface CatalogModel {
  id: string;
  /** Who serves it: `ollama`, `openai` or `chatgate` (auto and the local responder). */
  ownedBy: string;
}

/** What a requested model resolves to: the default chain, or one provider and model. */
export type ModelChoice =
  | { kind: 'auto' }
  | { kind: 'pinned'; provider: ProviderKind; model: string }
  | { kind: 'unknown' };

/**
 * The models a community can ask for: each of its remote providers' models (listed from the
 * provider, cached for `cacheMs`), `chatgate/auto` and `local-responder`. A provider that cannot be
 * listed contributes nothing, and lookups then trust the name (the provider says 404 if it is wrong).
 */
export class ModelCatalog {
  private readonly cache = new Map<string, { at: number; models: string[] | undefined }>();

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly cacheMs: number,
  ) {}

  /** Every model of the community's providers, then `chatgate/auto` and `local-responder`. */
  async list(community: Community): Promise<CatalogModel[]> {
    const models: CatalogModel[] = [];
    for (const kind of remoteKinds(community)) {
      for (const id of (await this.modelsOf(kind, community)) ?? []) models.push({ id, ownedBy: kind });
    }
    models.push({ id: AUTO_MODEL, ownedBy: 'chatgate' }, { id: LOCAL_MODEL, ownedBy: 'chatgate' });
    return models;
  }

  /**
   * Which provider serves `model` for this community. Ollama names match with or without
   * `:latest`. When a provider cannot be listed, the model is pinned to the community's provider.
   */
  async resolve(model: string, community: Community): Promise<ModelChoice> {
    if (model === AUTO_MODEL) return { kind: 'auto' };
    if (model === LOCAL_MODEL) return { kind: 'pinned', provider: 'local', model };
    let unlisted: ProviderKind | undefined;
    for (const kind of remoteKinds(community)) {
      const models = await this.modelsOf(kind, community);
      if (!models) {
        unlisted ??= kind;
        continue;
      }
      const found = models.find(
        (name) => name === model || name === `${model}:latest` || `${name}:latest` === model,
      );
      if (found) return { kind: 'pinned', provider: kind, model: found };
    }
    return unlisted ? { kind: 'pinned', provider: unlisted, model } : { kind: 'unknown' };
  }

  private async modelsOf(kind: ProviderKind, community: Community): Promise<string[] | undefined> {
    const own = ownEndpointFor(community, kind);
    const cacheKey = `${kind} ${own.baseUrl ?? ''}`;
    const cached = this.cache.get(cacheKey);
    // A failed listing is retried sooner than a good one is refreshed.
    const ttl = cached?.models ? this.cacheMs : Math.min(this.cacheMs, 5000);
    if (cached && Date.now() - cached.at < ttl) return cached.models;
    let models: string[] | undefined;
    try {
      models = await this.registry.get(kind, own).provider.models(AbortSignal.timeout(5000));
    } catch {
      models = undefined;
    }
    this.cache.set(cacheKey, { at: Date.now(), models });
    return models;
  }
}

function remoteKinds(community: Community): ProviderKind[] {
  return [...new Set([community.provider, community.fallbackProvider])].filter(
    (kind): kind is ProviderKind => kind !== undefined && kind !== 'local',
  );
}
