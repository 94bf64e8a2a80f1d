import { describe, expect, it } from 'vitest';
import { StoredCommunitySettings } from '../../src/community/stored-community-settings.js';
import { createLogger } from '../../src/observability/logger.js';
import { StoreUnavailableError } from '../../src/stores/community-config-store.js';
import { MemoryCommunityConfigStore } from '../../src/stores/memory/memory-community-config-store.js';
import { personaFor } from '../../src/worker/worker.js';
import { testConfig } from '../support/services.js';

/** A config store that can be taken down, as PostgreSQL going away would. */
class FlakyStore extends MemoryCommunityConfigStore {
  down = false;
  override async get(communityId: string) {
    if (this.down) throw new StoreUnavailableError('postgres');
    return super.get(communityId);
  }
}

describe('StoredCommunitySettings', () => {
  const config = testConfig();
  const logger = createLogger('silent');

  it('applies stored overrides over the defaults, and a change after the cache time', async () => {
    const store = new FlakyStore();
    const settings = new StoredCommunitySettings(config, store, 0, logger);
    expect((await settings.get('c1')).model).toBe(config.ai.model);
    await store.put('c1', { model: 'qwen3:0.6b', triggers: { greeting: { enabled: false } } });
    const read = await settings.get('c1');
    expect(read.model).toBe('qwen3:0.6b');
    expect(read.triggers.kinds.greeting.enabled).toBe(false);
    expect(read.triggers.kinds.farewell.enabled).toBe(true);
  });

  it('serves the last config it read while the store is down, says degraded, and recovers', async () => {
    const store = new FlakyStore();
    await store.put('c1', { model: 'qwen3:0.6b' });
    const settings = new StoredCommunitySettings(config, store, 0, logger);
    expect((await settings.get('c1')).model).toBe('qwen3:0.6b');
    store.down = true;
    expect((await settings.get('c1')).model).toBe('qwen3:0.6b');
    expect(settings.status).toBe('degraded');
    // A community never read falls back to the defaults rather than failing the reply.
    expect((await settings.get('c2')).model).toBe(config.ai.model);
    store.down = false;
    await settings.get('c1');
    expect(settings.status).toBe('ok');
  });

  it('keeps reading the cache within cacheMs, and forgets on invalidate', async () => {
    const store = new FlakyStore();
    const settings = new StoredCommunitySettings(config, store, 60_000, logger);
    await settings.get('c1');
    await store.put('c1', { model: 'qwen3:0.6b' });
    expect((await settings.get('c1')).model).toBe(config.ai.model);
    settings.invalidate('c1');
    expect((await settings.get('c1')).model).toBe('qwen3:0.6b');
  });
});

describe('personaFor', () => {
  const personalities = { a: 'persona A', b: 'persona B', c: 'persona C' };

  it('gives a named personality its text, and the first one for an unknown name', () => {
    expect(personaFor(personalities, 'b', 'x')).toBe('persona B');
    expect(personaFor(personalities, 'zzz', 'x')).toBe('persona A');
  });

  it('keeps one random persona per conversation, and varies across conversations', () => {
    const pick = (conversation: string) => personaFor(personalities, 'random', conversation);
    expect(pick('twitch:channel:1|chan|u1')).toBe(pick('twitch:channel:1|chan|u1'));
    const seen = new Set(Array.from({ length: 30 }, (_, i) => pick(`community|chan|user-${i}`)));
    expect(seen.size).toBeGreaterThan(1);
  });
});
