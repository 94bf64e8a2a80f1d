import type { KeyStore } from '../key-store.js';
import { type Backend, type FailoverOptions, FailoverSwitch } from './failover-switch.js';

/**
 * Dedupe keys, cooldowns and reply caps on Redis with the in-process store as a fallback, so
 * events keep flowing while Redis is down. During an outage the keys are per instance: an event
 * delivered to two instances may be answered twice, a cooldown or a cap held in Redis is not seen,
 * and counters restart in memory. When Redis returns, the keys Redis held (if not expired) apply
 * again; claims made in memory are not copied back.
 */
export class FailoverKeyStore implements KeyStore {
  private readonly redis: KeyStore;
  private readonly memory: KeyStore;
  private readonly failover: FailoverSwitch;

  constructor(options: FailoverOptions<KeyStore>) {
    this.redis = options.redis;
    this.memory = options.memory;
    this.failover = new FailoverSwitch('keys', options.health, options.logger, options.callTimeoutMs);
  }

  /** `redis` or `memory`, for `/health/ready` and `/api/v1/ai/status`. */
  backend(): Backend {
    return this.failover.backend();
  }

  claim(key: string, ttlMs: number): Promise<boolean> {
    return this.failover.run(
      () => this.redis.claim(key, ttlMs),
      () => this.memory.claim(key, ttlMs),
    );
  }

  release(key: string): Promise<void> {
    // Both: a key claimed in memory during an outage must be freed even if Redis is back.
    return this.failover.run(
      async () => {
        await Promise.all([this.redis.release(key), this.memory.release(key)]);
      },
      () => this.memory.release(key),
    );
  }

  increment(key: string, windowMs: number): Promise<number> {
    return this.failover.run(
      () => this.redis.increment(key, windowMs),
      () => this.memory.increment(key, windowMs),
    );
  }

  /** Stops following the Redis health (the stores themselves are closed by their owners). */
  dispose(): void {
    this.failover.dispose();
  }
}
