import type { CommunitySettings } from '../community/community-settings.js';
import { ownEndpointFor, type ProviderRegistry } from './provider-registry.js';
import type { ProviderKind } from './providers/provider.js';

type Community = Pick<CommunitySettings, 'provider' | 'model' | 'fallbackProvider' | 'fallbackModel'> &
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
 * The models a community can ask for: the models it configures (its provider's model, its
 * fallback's), each of its remote providers' models (listed from the provider, cached for
 * `cacheMs`), `chatgate/auto` (the configured model, full chain) and `local-responder`. A provider
 * that cannot be listed contributes its configured model only: a name no provider of the community
 * serves is unknown whether or not the providers could be listed, never passed to the local
 * responder as if it were a model.
 */
export class ModelCatalog {
  private readonly cache = new Map<string, { at: number; models: string[] | undefined }>();

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly cacheMs: number,
  ) {}

  /**
   * Every model of the community's providers (each provider's listed models, then its configured
   * model when the listing lacks it), then `chatgate/auto` and `local-responder`; no id twice.
   */
  async list(community: Community): Promise<CatalogModel[]> {
    const models: CatalogModel[] = [];
    const has = (id: string) => models.some((model) => sameModel(model.id, id));
    for (const kind of remoteKinds(community)) {
      const listed = (await this.modelsOf(kind, community)) ?? [];
      for (const id of [...listed, configuredModel(kind, community)]) {
        if (!has(id)) models.push({ id, ownedBy: kind });
      }
    }
    models.push({ id: AUTO_MODEL, ownedBy: 'chatgate' }, { id: LOCAL_MODEL, ownedBy: 'chatgate' });
    return models;
  }

  /**
   * Which provider serves `model` for this community: a configured model first (no listing
   * needed), then the providers' listed models. Ollama names match with or without `:latest`.
   * Anything else is `unknown` (the caller's 404).
   */
  async resolve(model: string, community: Community): Promise<ModelChoice> {
    if (model === AUTO_MODEL) return { kind: 'auto' };
    if (model === LOCAL_MODEL) return { kind: 'pinned', provider: 'local', model };
    const kinds = remoteKinds(community);
    for (const kind of kinds) {
      const configured = configuredModel(kind, community);
      if (sameModel(configured, model)) return { kind: 'pinned', provider: kind, model: configured };
    }
    for (const kind of kinds) {
      const found = (await this.modelsOf(kind, community))?.find((name) => sameModel(name, model));
      if (found) return { kind: 'pinned', provider: kind, model: found };
    }
    return { kind: 'unknown' };
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

/** The model the community's chain sends to `kind` (the fallback's own, else the community's). */
function configuredModel(kind: ProviderKind, community: Community): string {
  return kind === community.provider ? community.model : (community.fallbackModel ?? community.model);
}

/**
 * Whether two model names are one model: equal, or equal but for Ollama's `:latest` tag. Compared
 * in place, without building `name:latest` strings: this runs on every OpenAI request.
 */
function sameModel(a: string, b: string): boolean {
  return a === b || isLatestOf(a, b) || isLatestOf(b, a);
}

const LATEST = ':latest';

/** Whether `tagged` is `name:latest`. */
function isLatestOf(tagged: string, name: string): boolean {
  return tagged.length === name.length + LATEST.length && tagged.endsWith(LATEST) && tagged.startsWith(name);
}

/** The community's providers other than the local responder, each once: its own, then its fallback. */
function remoteKinds(community: Community): ProviderKind[] {
  const kinds: ProviderKind[] = [];
  if (community.provider !== 'local') kinds.push(community.provider);
  const fallback = community.fallbackProvider;
  if (fallback !== undefined && fallback !== 'local' && fallback !== community.provider) kinds.push(fallback);
  return kinds;
}
