import { LRUCache } from 'lru-cache';
import type { ContextMessage, ContextStore } from '../context-store.js';

/**
 * In-process conversation context: an LRU of `maxConversations` conversations, each forgotten
 * `ttlMs` after its last write, each holding at most `maxTurns` turns (2 messages per turn).
 */
export class MemoryContextStore implements ContextStore {
  private readonly cache: LRUCache<string, ContextMessage[]>;
  private readonly maxMessages: number;

  constructor(options: { maxTurns: number; ttlMs: number; maxConversations: number }) {
    this.maxMessages = options.maxTurns * 2;
    this.cache = new LRUCache({ max: options.maxConversations, ttl: options.ttlMs });
  }

  async get(key: string): Promise<ContextMessage[]> {
    return [...(this.cache.get(key) ?? [])];
  }

  async append(key: string, messages: ContextMessage[]): Promise<void> {
    if (this.maxMessages === 0) return;
    const kept = [...(this.cache.get(key) ?? []), ...messages].slice(-this.maxMessages);
    this.cache.set(key, kept);
  }

  async clear(key: string): Promise<void> {
    this.cache.delete(key);
  }

  async size(): Promise<number> {
    return this.cache.size;
  }
}
