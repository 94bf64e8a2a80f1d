import type { Redis } from 'ioredis';
import type { KeyStore } from '../key-store.js';

/** Settings of `RedisKeyStore`. */
export interface RedisKeyStoreOptions {
  /** A client from `createRedisConnection` (shared with other stores). */
  client: Redis;
  /**
   * Namespace of every key, e.g. `chatgate:` (the default) or a random one per test run. Keys:
   * `<prefix>key:<key>` for claims, `<prefix>count:<key>` for window counters.
   */
  prefix?: string;
}

/**
 * `INCR`, and `PEXPIRE` when the counter is new: the window starts with the first hit and later
 * hits keep its remaining time. A counter found without a TTL (written by something else) gets one
 * too, so that no counter lives forever. Atomic, as every Lua script is.
 */
const INCREMENT_LUA = `
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
`;

/** The script, registered on the client once under this name (`EVALSHA`, `EVAL` on `NOSCRIPT`). */
const INCREMENT_COMMAND = 'chatgateIncrementWindow';

/** The client with the script registered by `defineCommand`. */
type ClientWithIncrement = Redis & {
  [INCREMENT_COMMAND](key: string, windowMs: number): Promise<number>;
};

/**
 * Dedupe keys, cooldowns and reply caps in Redis, shared by every instance. `claim` is
 * `SET key 1 PX ttl NX` (exactly one caller wins, a failed claim does not extend the holder),
 * `release` is `DEL`, `increment` a small Lua script (`INCR` + `PEXPIRE` on the first hit). TTLs
 * are rounded up to whole ms (at least 1); a TTL that is not finite is a RangeError. Errors are ioredis errors and propagate; the failover
 * store answers from memory instead.
 */
export class RedisKeyStore implements KeyStore {
  private readonly client: ClientWithIncrement;
  private readonly claimPrefix: string;
  private readonly countPrefix: string;

  constructor(options: RedisKeyStoreOptions) {
    const prefix = options.prefix ?? 'chatgate:';
    this.claimPrefix = `${prefix}key:`;
    this.countPrefix = `${prefix}count:`;
    if (!(INCREMENT_COMMAND in options.client)) {
      options.client.defineCommand(INCREMENT_COMMAND, { lua: INCREMENT_LUA, numberOfKeys: 1 });
    }
    this.client = options.client as ClientWithIncrement;
  }

  /** The Redis key holding a claim (for tests and tools). */
  claimKey(key: string): string {
    return this.claimPrefix + key;
  }

  /** The Redis key holding a window counter (for tests and tools). */
  counterKey(key: string): string {
    return this.countPrefix + key;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    // As in memory: a claim for no time always succeeds and holds nothing.
    if (!(ttlMs > 0)) return true;
    const reply = await this.client.set(this.claimKey(key), '1', 'PX', wholeMs(ttlMs), 'NX');
    return reply === 'OK';
  }

  async release(key: string): Promise<void> {
    await this.client.del(this.claimKey(key));
  }

  async increment(key: string, windowMs: number): Promise<number> {
    const count = await this.client[INCREMENT_COMMAND](this.counterKey(key), wholeMs(windowMs));
    return Number(count);
  }
}

/** A duration as Redis takes it: a whole number of ms, at least 1; RangeError when not finite. */
function wholeMs(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError(`a TTL must be a finite number of ms, got ${ms}`);
  return Math.max(1, Math.ceil(ms));
}
