import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../observability/logger.js';

/**
 * Counters that grow by any amount and expire: the tokens each client key used per UTC day.
 * `RedisTokenCounter` shares them across instances; `MemoryTokenCounter` keeps them in process.
 */
export interface TokenCounter {
  /** Adds `amount` to `key` (created with a TTL of `ttlMs` when new); returns the new total. */
  add(key: string, amount: number, ttlMs: number): Promise<number>;
  /** The total of `key`; 0 when it does not exist. */
  get(key: string): Promise<number>;
}

/** In-process counters in an LRU (bounded: the least recently used go first). */
export class MemoryTokenCounter implements TokenCounter {
  private readonly counts = new LRUCache<string, number>({ max: 100_000, ttl: 1, ttlAutopurge: false });

  async add(key: string, amount: number, ttlMs: number): Promise<number> {
    const total = (this.counts.get(key) ?? 0) + amount;
    const remaining = this.counts.has(key) ? this.counts.getRemainingTTL(key) : ttlMs;
    this.counts.set(key, total, { ttl: Math.max(1, remaining) });
    return total;
  }

  async get(key: string): Promise<number> {
    return this.counts.get(key) ?? 0;
  }
}

/** `INCRBY`, and `PEXPIRE` when the counter has no TTL yet; atomic, as every Lua script is. */
const ADD_LUA = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return total
`;
const ADD_COMMAND = 'chatgateAddTokens';
type ClientWithAdd = Redis & { [ADD_COMMAND](key: string, amount: number, ttlMs: number): Promise<number> };

/**
 * Counters in Redis under `<prefix><key>` (`chatgate:tokens:` by default), shared by every
 * instance. While Redis fails, the counts go to (and are read from) an in-process counter, with one
 * warning per outage: a limit then holds per instance rather than not at all.
 */
export class RedisTokenCounter implements TokenCounter {
  private readonly client: ClientWithAdd;
  private readonly fallback = new MemoryTokenCounter();
  private down = false;

  constructor(
    client: Redis,
    private readonly options: { prefix?: string; logger?: Logger } = {},
  ) {
    if (!(ADD_COMMAND in client)) client.defineCommand(ADD_COMMAND, { lua: ADD_LUA, numberOfKeys: 1 });
    this.client = client as ClientWithAdd;
  }

  async add(key: string, amount: number, ttlMs: number): Promise<number> {
    try {
      const total = Number(
        await this.client[ADD_COMMAND](this.redisKey(key), Math.round(amount), Math.max(1, Math.ceil(ttlMs))),
      );
      this.down = false;
      return total;
    } catch (error) {
      this.failed(error);
      return this.fallback.add(key, amount, ttlMs);
    }
  }

  async get(key: string): Promise<number> {
    try {
      const value = await this.client.get(this.redisKey(key));
      this.down = false;
      return Number(value ?? 0);
    } catch (error) {
      this.failed(error);
      return this.fallback.get(key);
    }
  }

  private redisKey(key: string): string {
    return `${this.options.prefix ?? 'chatgate:tokens:'}${key}`;
  }

  private failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.options.logger?.warn({ err: error }, 'token counters cannot reach Redis; counting in process');
  }
}
