import type { ContextMessage, ContextStore } from '../context-store.js';
import { type Backend, type FailoverOptions, FailoverSwitch } from './failover-switch.js';

/**
 * Conversation context on Redis with the in-process store as a fallback, so chat keeps answering
 * while Redis is down. Writes made during an outage stay in memory and are not copied back: when
 * Redis returns, conversations continue from what Redis held (at worst a few turns are missing).
 * `size()` is the answering backend's.
 */
export class FailoverContextStore implements ContextStore {
  private readonly redis: ContextStore;
  private readonly memory: ContextStore;
  private readonly failover: FailoverSwitch;

  constructor(options: FailoverOptions<ContextStore>) {
    this.redis = options.redis;
    this.memory = options.memory;
    this.failover = new FailoverSwitch('context', options.health, options.logger, options.callTimeoutMs);
  }

  /** `redis` or `memory`, for `/health/ready` and `/api/v1/ai/status`. */
  backend(): Backend {
    return this.failover.backend();
  }

  get(key: string): Promise<ContextMessage[]> {
    return this.failover.run(
      () => this.redis.get(key),
      () => this.memory.get(key),
    );
  }

  append(key: string, messages: ContextMessage[]): Promise<void> {
    return this.failover.run(
      () => this.redis.append(key, messages),
      () => this.memory.append(key, messages),
    );
  }

  clear(key: string): Promise<void> {
    // Both: a conversation cleared while Redis is up must not come back from memory later.
    return this.failover.run(
      async () => {
        await Promise.all([this.redis.clear(key), this.memory.clear(key)]);
      },
      () => this.memory.clear(key),
    );
  }

  size(): Promise<number> {
    return this.failover.run(
      () => this.redis.size(),
      () => this.memory.size(),
    );
  }

  /** Stops following the Redis health (the stores themselves are closed by their owners). */
  dispose(): void {
    this.failover.dispose();
  }
}
