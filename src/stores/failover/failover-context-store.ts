import type { ContextMessage, ContextStore } from '../context-store.js';
import { type FailoverOptions, FailoverStore } from './failover-switch.js';

/**
 * Conversation context on Redis with the in-process store as a fallback, so chat keeps answering
 * while Redis is down. Writes made during an outage stay in memory and are not copied back: when
 * Redis returns, conversations continue from what Redis held (at worst a few turns are missing).
 * `size()` is the answering backend's.
 */
export class FailoverContextStore extends FailoverStore<ContextStore> implements ContextStore {
  constructor(options: FailoverOptions<ContextStore>) {
    super('context', options);
  }

  get(key: string): Promise<ContextMessage[]> {
    return this.run((store) => store.get(key));
  }

  append(key: string, messages: ContextMessage[]): Promise<void> {
    return this.run((store) => store.append(key, messages));
  }

  clear(key: string): Promise<void> {
    // Both: a conversation cleared while Redis is up must not come back from memory later.
    return this.runOnBoth((store) => store.clear(key));
  }

  size(): Promise<number> {
    return this.run((store) => store.size());
  }
}
