import type { Redis } from 'ioredis';
import { type FailoverOptions, FailoverStore } from '../stores/failover/failover-switch.js';
import type { SafetyStateStore } from './safety-state.js';

/**
 * `SafetyStateStore` on Redis, shared by every instance and kept across restarts: `SET key value
 * [PX ttl]`, `GET`, `MGET`, `DEL`, each key under `<prefix>safety:` (default prefix `chatgate:`).
 * Errors are ioredis errors and propagate; `FailoverSafetyState` answers from memory instead.
 */
export class RedisSafetyState implements SafetyStateStore {
  private readonly prefix: string;

  constructor(
    private readonly client: Redis,
    options: { prefix?: string } = {},
  ) {
    this.prefix = `${options.prefix ?? 'chatgate:'}safety:`;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.client.set(this.prefix + key, value);
    else await this.client.set(this.prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(this.prefix + key)) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.client.mget(keys.map((key) => this.prefix + key));
    return values.map((value) => value ?? undefined);
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }
}

/**
 * The safety state on Redis with the in-process store as a fallback while Redis is down (as the
 * key and context stores do). During an outage a pause or a moderation mark is set in this
 * instance only (and is not copied to Redis when it returns); a removal (`!ai on`) made while Redis
 * is up goes to both, so that a value set in memory during an outage cannot come back later.
 */
export class FailoverSafetyState extends FailoverStore<SafetyStateStore> implements SafetyStateStore {
  constructor(options: FailoverOptions<SafetyStateStore>) {
    super('safety', options);
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.run((store) => store.set(key, value, ttlMs));
  }

  get(key: string): Promise<string | undefined> {
    return this.run((store) => store.get(key));
  }

  getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return this.run((store) => store.getMany(keys));
  }

  delete(key: string): Promise<void> {
    return this.runOnBoth((store) => store.delete(key));
  }
}
