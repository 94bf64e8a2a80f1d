import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { type CommunityConfigStore, StoreUnavailableError } from '../stores/community-config-store.js';
import {
  applyOverrides,
  type CommunitySettings,
  type CommunitySettingsSource,
  defaultSettings,
} from './community-settings.js';

interface Cached {
  settings: CommunitySettings;
  /** When it was read, ms since the epoch. */
  at: number;
}

/** At most this many communities are cached; beyond it the least recently read go first. */
const MAX_CACHED = 10_000;

/**
 * Community settings from the config store, through a short cache (`cacheMs`), so a change made on
 * any instance applies everywhere within seconds. When the store is down it serves the last
 * settings it read (however old) or the defaults, and says `degraded` until a read succeeds.
 */
export class StoredCommunitySettings implements CommunitySettingsSource {
  private readonly cache = new Map<string, Cached>();
  private failing = false;

  constructor(
    private readonly config: Config,
    private readonly store: CommunityConfigStore,
    private readonly cacheMs: number,
    private readonly logger: Logger,
  ) {}

  /** `degraded` while the store cannot be read. */
  get status(): 'ok' | 'degraded' {
    return this.failing ? 'degraded' : 'ok';
  }

  async get(communityId: string): Promise<CommunitySettings> {
    const cached = this.cache.get(communityId);
    if (cached && Date.now() - cached.at < this.cacheMs) return cached.settings;
    try {
      const stored = await this.store.get(communityId);
      const apiKey = stored?.hasApiKey ? await this.store.secret(communityId) : undefined;
      const base = defaultSettings(this.config, communityId);
      const settings = stored ? applyOverrides(this.config, base, stored, apiKey) : base;
      this.remember(communityId, settings);
      if (this.failing)
        this.logger.info({ action: 'config_store', result: 'recovered' }, 'community config store is back');
      this.failing = false;
      return settings;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      if (!this.failing) {
        this.logger.warn(
          { action: 'config_store', result: 'degraded', err: error },
          'community config store is down; serving cached config',
        );
      }
      this.failing = true;
      return cached?.settings ?? defaultSettings(this.config, communityId);
    }
  }

  /** Forgets a community's cached settings (after a write on this instance). */
  invalidate(communityId: string): void {
    this.cache.delete(communityId);
  }

  private remember(communityId: string, settings: CommunitySettings): void {
    this.cache.delete(communityId);
    this.cache.set(communityId, { settings, at: Date.now() });
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
  }
}
