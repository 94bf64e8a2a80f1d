import type { Redis } from 'ioredis';
import type { ContextMessage, ContextStore } from '../context-store.js';
import { storedObject } from './stored-json.js';

/** Settings of `RedisContextStore`. */
export interface RedisContextStoreOptions {
  /** A client from `createRedisConnection` (shared with other stores). */
  client: Redis;
  /** Turns kept per conversation (2 messages each); 0 keeps nothing. */
  maxTurns: number;
  /** A conversation is forgotten this long after its last write, ms. */
  ttlMs: number;
  /**
   * Namespace of every key, e.g. `chatgate:` (the default) or a random one per test run. Keys:
   * `<prefix>ctx:<conversationKey>` (a list of JSON messages) and `<prefix>ctx-index` (a sorted
   * set of conversation keys scored by their expiry time, for `size()`).
   */
  prefix?: string;
}

/**
 * Conversation context in Redis: one list per conversation, JSON messages oldest first. An append
 * is one `MULTI` (one round trip, applied atomically): `RPUSH` the messages, `LTRIM` to the last
 * 2 × maxTurns, `PEXPIRE` ttlMs, and the index update. There is no cap on the number of
 * conversations (`maxConversations` of the in-process store): Redis' `maxmemory` policy is the
 * bound. Errors are ioredis errors (connection, timeout, reply) and propagate; the failover store
 * turns them into answers from memory.
 *
 * `size()` reads the index: a sorted set member per conversation, scored with the expiry time
 * (this process' clock + ttlMs), pruned of expired members by `size()` and by an append at most
 * once a second (so it holds at most a second's worth of dead members more than needed). Exact on
 * one instance; with several instances it is off by at most their clock skew around expiry
 * times, which is fine for a status figure. The index expires after the last conversation does.
 */
export class RedisContextStore implements ContextStore {
  private readonly client: Redis;
  private readonly maxMessages: number;
  private readonly ttlMs: number;
  private readonly keyPrefix: string;
  private readonly indexKey: string;
  private readonly maintenanceMs: number;
  private lastMaintenance = Number.NEGATIVE_INFINITY;

  constructor(options: RedisContextStoreOptions) {
    if (!Number.isInteger(options.maxTurns) || options.maxTurns < 0) {
      throw new RangeError(`maxTurns must be an integer >= 0, got ${options.maxTurns}`);
    }
    if (!(options.ttlMs >= 1)) throw new RangeError(`ttlMs must be >= 1, got ${options.ttlMs}`);
    const prefix = options.prefix ?? 'chatgate:';
    this.client = options.client;
    this.maxMessages = options.maxTurns * 2;
    this.ttlMs = Math.ceil(options.ttlMs);
    this.keyPrefix = `${prefix}ctx:`;
    this.indexKey = `${prefix}ctx-index`;
    this.maintenanceMs = Math.min(Math.ceil(this.ttlMs / 2), 1000);
  }

  /** The Redis key of a conversation (for tests and tools). */
  redisKey(key: string): string {
    return this.keyPrefix + key;
  }

  async get(key: string): Promise<ContextMessage[]> {
    const raw = await this.client.lrange(this.redisKey(key), 0, -1);
    const messages: ContextMessage[] = [];
    for (const item of raw) {
      const message = parseMessage(item);
      // A malformed entry (written by hand or by a future version) is skipped, not fatal.
      if (message !== undefined) messages.push(message);
    }
    return messages;
  }

  async append(key: string, messages: ContextMessage[]): Promise<void> {
    if (this.maxMessages === 0) return;
    const redisKey = this.redisKey(key);
    const now = Date.now();
    const tx = this.client.multi();
    const kept = messages.slice(-this.maxMessages);
    if (kept.length > 0) {
      tx.rpush(redisKey, ...kept.map(serializeMessage));
      tx.ltrim(redisKey, -this.maxMessages, -1);
      tx.pexpire(redisKey, this.ttlMs);
      tx.zadd(this.indexKey, now + this.ttlMs, key);
    } else {
      // Nothing new: a write all the same, so the TTL restarts (as in memory) if the list exists.
      tx.pexpire(redisKey, this.ttlMs);
      tx.zadd(this.indexKey, 'XX', now + this.ttlMs, key);
    }
    // Index upkeep at most once per `maintenanceMs` (it costs as much as the list commands): drop
    // expired members, and expire the index after every conversation an append made since can.
    if (now - this.lastMaintenance >= this.maintenanceMs) {
      this.lastMaintenance = now;
      tx.zremrangebyscore(this.indexKey, '-inf', now);
      tx.pexpire(this.indexKey, this.ttlMs + 2 * this.maintenanceMs);
    }
    await execOrThrow(tx);
  }

  async clear(key: string): Promise<void> {
    await execOrThrow(this.client.multi().del(this.redisKey(key)).zrem(this.indexKey, key));
  }

  async size(): Promise<number> {
    const results = await execOrThrow(
      this.client.multi().zremrangebyscore(this.indexKey, '-inf', Date.now()).zcard(this.indexKey),
    );
    return Number(results.at(-1) ?? 0);
  }
}

/** What `multi().exec()` gives: one `[error, result]` per command, or null when aborted. */
interface Execable {
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** Runs a MULTI and returns its results; throws the first command error or on an aborted MULTI. */
export async function execOrThrow(tx: Execable): Promise<unknown[]> {
  const results = await tx.exec();
  if (results === null) throw new Error('Redis transaction was aborted');
  return results.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}

/** The whole message as JSON, so that fields added to `ContextMessage` later survive the trip. */
function serializeMessage(message: ContextMessage): string {
  return JSON.stringify(message);
}

function parseMessage(raw: string): ContextMessage | undefined {
  const value = storedObject(raw);
  if (!value) return undefined;
  const { role, content, at } = value;
  if ((role !== 'user' && role !== 'assistant') || typeof content !== 'string' || typeof at !== 'number') {
    return undefined;
  }
  return value as unknown as ContextMessage;
}
