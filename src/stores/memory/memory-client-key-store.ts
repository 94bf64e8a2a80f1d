import type { ClientKey, ClientKeyPage, ClientKeyStore } from '../client-key-store.js';

/** Client keys in a Map, for tests and the in-process store set (lost at exit). */
export class MemoryClientKeyStore implements ClientKeyStore {
  private readonly keys = new Map<string, ClientKey>();

  async create(key: ClientKey): Promise<void> {
    if (this.keys.has(key.id) || [...this.keys.values()].some((k) => k.keyHash === key.keyHash)) {
      throw new Error('a client key with this id or hash exists');
    }
    this.keys.set(key.id, { ...key });
  }

  async list(page: { limit: number; offset: number }): Promise<ClientKeyPage> {
    // Newest first; among keys of the same ms, the later-inserted one first (as the SQL store's id order is arbitrary but stable).
    const all = [...this.keys.values()].reverse().sort((a, b) => b.createdAt - a.createdAt);
    return {
      items: all.slice(page.offset, page.offset + page.limit).map((k) => ({ ...k })),
      total: all.length,
    };
  }

  async get(id: string): Promise<ClientKey | undefined> {
    const key = this.keys.get(id);
    return key && { ...key };
  }

  async findByHash(keyHash: string): Promise<ClientKey | undefined> {
    for (const key of this.keys.values()) if (key.keyHash === keyHash) return { ...key };
    return undefined;
  }

  async delete(id: string): Promise<boolean> {
    return this.keys.delete(id);
  }

  async touch(id: string, at: number): Promise<void> {
    const key = this.keys.get(id);
    if (key) key.lastUsedAt = at;
  }
}
