import type { Redis } from 'ioredis';
import {
  type ChatterLine,
  type ChatterStore,
  type ChatterWindow,
  chatterEnabled,
  type NewChatterLine,
} from '../chatter-store.js';
import { execOrThrow } from './redis-context-store.js';

/**
 * One write, atomic: push the line at the head (newest first), trim to the count, drop lines
 * older than the window from the tail (the oldest end; an entry that is not a line with a numeric
 * `at` goes too), and restart the key's TTL at the window, so the list outlives its newest line by
 * no more than the window. KEYS[1] the list; ARGV: the line as JSON, the count, the window (ms),
 * the cutoff (ms since the epoch).
 */
const ADD_LUA = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local cutoff = tonumber(ARGV[4])
while true do
  local oldest = redis.call('LINDEX', KEYS[1], -1)
  if not oldest then break end
  local ok, line = pcall(cjson.decode, oldest)
  if ok and type(line) == 'table' and type(line.at) == 'number' and line.at >= cutoff then break end
  redis.call('RPOP', KEYS[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** The script, registered on the client once under this name (`EVALSHA`, `EVAL` on `NOSCRIPT`). */
const ADD_COMMAND = 'chatgateChatterAdd';

type ClientWithAdd = Redis & {
  [ADD_COMMAND](
    key: string,
    line: string,
    messages: number,
    windowMs: number,
    cutoff: number,
  ): Promise<number>;
};

/** Settings of `RedisChatterStore`. */
export interface RedisChatterStoreOptions {
  /** A client from `createRedisConnection` (shared with other stores). */
  client: Redis;
  /** Namespace of every key (default `chatgate:`); a channel's list is `<prefix>chatter:<channel>`. */
  prefix?: string;
  /** ms since the epoch (the cutoff of the window); `Date.now` by default. */
  now?: () => number;
}

/**
 * Channel chatter in Redis: one list per channel, newest line first, JSON lines. An add is one
 * Lua script (`LPUSH`, `LTRIM` to the count, old lines popped off the tail, `PEXPIRE` the window):
 * nothing is stored past the window, since the key expires `maxAgeMs` after its newest line and
 * older lines go at each write. A read is one `LRANGE` of the count, filtered by age (lines whose
 * time passed since the last write). `forget` reads the list and removes the users' lines by value
 * (`LREM`), in one MULTI. Errors are ioredis errors and propagate; the failover store answers from
 * memory instead.
 */
export class RedisChatterStore implements ChatterStore {
  private readonly client: ClientWithAdd;
  private readonly keyPrefix: string;
  private readonly now: () => number;

  constructor(options: RedisChatterStoreOptions) {
    this.keyPrefix = `${options.prefix ?? 'chatgate:'}chatter:`;
    this.now = options.now ?? Date.now;
    if (!(ADD_COMMAND in options.client)) {
      options.client.defineCommand(ADD_COMMAND, { lua: ADD_LUA, numberOfKeys: 1 });
    }
    this.client = options.client as ClientWithAdd;
  }

  /** The Redis key of a channel's list (for tests and tools). */
  redisKey(channel: string): string {
    return this.keyPrefix + channel;
  }

  async add(channel: string, line: NewChatterLine, window: ChatterWindow): Promise<void> {
    if (!chatterEnabled(window)) return;
    const windowMs = Math.ceil(window.maxAgeMs);
    const now = this.now();
    await this.client[ADD_COMMAND](
      this.redisKey(channel),
      JSON.stringify({ ...line, at: now }),
      window.messages,
      windowMs,
      now - windowMs,
    );
  }

  async recent(channel: string, window: ChatterWindow): Promise<ChatterLine[]> {
    if (!chatterEnabled(window)) return [];
    const raw = await this.client.lrange(this.redisKey(channel), 0, window.messages - 1);
    const cutoff = this.now() - window.maxAgeMs;
    const lines: ChatterLine[] = [];
    for (const item of raw) {
      const line = parseLine(item);
      if (line !== undefined && line.at >= cutoff) lines.push(line);
    }
    return lines.reverse();
  }

  async forget(channel: string, userIds: Iterable<string>): Promise<void> {
    const key = this.redisKey(channel);
    const ids = new Set(userIds);
    const raw = await this.client.lrange(key, 0, -1);
    const theirs = raw.filter((item) => {
      const line = parseLine(item);
      return line !== undefined && ids.has(line.userId);
    });
    if (theirs.length === 0) return;
    const tx = this.client.multi();
    for (const item of new Set(theirs)) tx.lrem(key, 0, item);
    await execOrThrow(tx);
  }
}

/** A stored line, or undefined for an entry that is not one (written by hand or by another version). */
function parseLine(raw: string): ChatterLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, speaker, userId, text, at } = value as Record<string, unknown>;
  const strings = [id, speaker, userId, text].every((field) => typeof field === 'string');
  return strings && typeof at === 'number' ? (value as ChatterLine) : undefined;
}
