import type { Redis } from 'ioredis';
import {
  type ChatterLine,
  type ChatterStore,
  type ChatterWindow,
  chatterEnabled,
  type NewChatterLine,
} from '../chatter-store.js';
import { storedObject } from './stored-json.js';

/**
 * One write, atomic. The line is a key of its own that expires with the window (`SET … PX`), so
 * its text is gone from Redis when its window ends even in a channel that went quiet; the channel's
 * index (a list of line keys, newest first) is trimmed to the count (the trimmed lines deleted),
 * entries whose line expired or is older than the cutoff are popped off its tail (their lines
 * deleted), and its TTL restarts at the window. KEYS[1] the index, KEYS[2] the line's key; ARGV:
 * the line as JSON, the count, the window (ms), the cutoff (ms since the epoch). Line keys other
 * than KEYS[2] are read from the index (a single Redis, not a cluster).
 */
const ADD_LUA = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
redis.call('LPUSH', KEYS[1], KEYS[2])
local count = tonumber(ARGV[2])
for _, name in ipairs(redis.call('LRANGE', KEYS[1], count, -1)) do redis.call('DEL', name) end
redis.call('LTRIM', KEYS[1], 0, count - 1)
local cutoff = tonumber(ARGV[4])
while true do
  local oldest = redis.call('LINDEX', KEYS[1], -1)
  if not oldest then break end
  local raw = redis.call('GET', oldest)
  if raw then
    local ok, line = pcall(cjson.decode, raw)
    if ok and type(line) == 'table' and type(line.at) == 'number' and line.at >= cutoff then break end
  end
  redis.call('DEL', oldest)
  redis.call('RPOP', KEYS[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** The newest `ARGV[1]` lines of the index KEYS[1], newest first (false for an expired one). */
const READ_LUA = `
local names = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #names == 0 then return {} end
return redis.call('MGET', unpack(names))
`;

/** Deletes the lines of the users ARGV[1..] from the index KEYS[1] and their keys. */
const FORGET_LUA = `
local users = {}
for i = 1, #ARGV do users[ARGV[i]] = true end
for _, name in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local raw = redis.call('GET', name)
  local ok, line = false, nil
  if raw then ok, line = pcall(cjson.decode, raw) end
  if not raw or (ok and type(line) == 'table' and users[line.userId]) then
    redis.call('DEL', name)
    redis.call('LREM', KEYS[1], 0, name)
  end
end
return 1
`;

/** The scripts, registered on the client once under these names (`EVALSHA`, `EVAL` on `NOSCRIPT`). */
const ADD_COMMAND = 'chatgateChatterAdd';
const READ_COMMAND = 'chatgateChatterRead';
const FORGET_COMMAND = 'chatgateChatterForget';

type ClientWithScripts = Redis & {
  [ADD_COMMAND](
    index: string,
    lineKey: string,
    line: string,
    messages: number,
    windowMs: number,
    cutoff: number,
  ): Promise<number>;
  [READ_COMMAND](index: string, messages: number): Promise<(string | null)[]>;
  [FORGET_COMMAND](index: string, ...userIds: string[]): Promise<number>;
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
 * Channel chatter in Redis: each line a JSON string under a key of its own that expires when its
 * window ends (`<prefix>chatter-line:<channel>|<event id>`), and per channel an index of those keys,
 * newest first (`<prefix>chatter:<channel>`), expiring with the channel's newest line. Nothing of a
 * line is stored past its window: Redis deletes its text on time, quiet channel or not. An add, a
 * read and a forget are one Lua script each (one round trip). A read filters by age too (the
 * store's clock, which tests move). Errors are ioredis errors and propagate; the failover store
 * answers from memory instead.
 */
export class RedisChatterStore implements ChatterStore {
  private readonly client: ClientWithScripts;
  private readonly keyPrefix: string;
  private readonly lineKeyPrefix: string;
  private readonly now: () => number;

  constructor(options: RedisChatterStoreOptions) {
    this.keyPrefix = `${options.prefix ?? 'chatgate:'}chatter:`;
    this.lineKeyPrefix = `${options.prefix ?? 'chatgate:'}chatter-line:`;
    this.now = options.now ?? Date.now;
    const scripts = [
      [ADD_COMMAND, ADD_LUA, 2],
      [READ_COMMAND, READ_LUA, 1],
      [FORGET_COMMAND, FORGET_LUA, 1],
    ] as const;
    for (const [name, lua, numberOfKeys] of scripts) {
      if (!(name in options.client)) options.client.defineCommand(name, { lua, numberOfKeys });
    }
    this.client = options.client as ClientWithScripts;
  }

  /** The Redis key of a channel's index of line keys (for tests and tools). */
  redisKey(channel: string): string {
    return this.keyPrefix + channel;
  }

  /** The Redis key of one line of a channel (for tests and tools). */
  lineKey(channel: string, lineId: string): string {
    return `${this.lineKeyPrefix}${channel}|${lineId}`;
  }

  async add(channel: string, line: NewChatterLine, window: ChatterWindow): Promise<void> {
    if (!chatterEnabled(window)) return;
    const windowMs = Math.ceil(window.maxAgeMs);
    const now = this.now();
    await this.client[ADD_COMMAND](
      this.redisKey(channel),
      this.lineKey(channel, line.id),
      JSON.stringify({ ...line, at: now }),
      window.messages,
      windowMs,
      now - windowMs,
    );
  }

  async recent(channel: string, window: ChatterWindow): Promise<ChatterLine[]> {
    if (!chatterEnabled(window)) return [];
    const raw = await this.client[READ_COMMAND](this.redisKey(channel), window.messages);
    const cutoff = this.now() - window.maxAgeMs;
    const lines: ChatterLine[] = [];
    for (const item of raw) {
      const line = item === null ? undefined : parseLine(item);
      if (line !== undefined && line.at >= cutoff) lines.push(line);
    }
    return lines.reverse();
  }

  async forget(channel: string, userIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return;
    await this.client[FORGET_COMMAND](this.redisKey(channel), ...ids);
  }
}

/** A stored line, or undefined for an entry that is not one (written by hand or by another version). */
function parseLine(raw: string): ChatterLine | undefined {
  const value = storedObject(raw);
  if (!value) return undefined;
  const { id, speaker, userId, text, at } = value;
  const strings = [id, speaker, userId, text].every((field) => typeof field === 'string');
  return strings && typeof at === 'number' ? (value as unknown as ChatterLine) : undefined;
}
