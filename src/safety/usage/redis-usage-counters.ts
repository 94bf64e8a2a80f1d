import type { Redis } from 'ioredis';
import {
  type ReserveRequest,
  type ReserveResult,
  type ScopeCounts,
  type UsageCounters,
  type UsedFigures,
  ZERO_COUNTS,
} from './usage-counters.js';

/** Settings of `RedisUsageCounters`. */
export interface RedisUsageCountersOptions {
  client: Redis;
  /** Namespace of every key; `chatgate:` by default (tests: one per run). */
  prefix?: string;
  /** How long a day's counters live after their last change, ms; ~2 days (a day plus a margin). */
  ttlMs?: number;
}

/**
 * One hash per day and scope (`<prefix>usage:<day>:<scope>`), fields: `r` requests, `p` prompt
 * tokens, `c` completion tokens, `d` USD used, `t` tokens used plus reserved, `u` USD used plus
 * reserved. A reservation is a string key (`<prefix>usage:resv:<id>`) holding JSON
 * `{ k: [hash keys], t, u }`.
 *
 * Reserve, in one script: a reservation already held is a no-op; a scope whose `t` or `u` has
 * reached its limit refuses (its index is returned); otherwise every scope is charged and the
 * reservation written. ARGV: tokens, usd, ttl ms, the reservation's JSON, then a token limit and a
 * USD limit per scope (-1 = none).
 */
const RESERVE_LUA = `
local n = #KEYS - 1
if redis.call('EXISTS', KEYS[n + 1]) == 1 then return 0 end
for i = 1, n do
  local tokens = tonumber(ARGV[3 + 2 * i])
  local usd = tonumber(ARGV[4 + 2 * i])
  if tokens >= 0 and tonumber(redis.call('HGET', KEYS[i], 't') or '0') >= tokens then return i end
  if usd >= 0 and tonumber(redis.call('HGET', KEYS[i], 'u') or '0') >= usd then return i end
end
for i = 1, n do
  redis.call('HINCRBY', KEYS[i], 't', ARGV[1])
  redis.call('HINCRBYFLOAT', KEYS[i], 'u', ARGV[2])
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
redis.call('SET', KEYS[n + 1], ARGV[4], 'PX', ARGV[3])
return 0
`;
const RESERVE_COMMAND = 'chatgateUsageReserve';

type ClientWithReserve = Redis & {
  [RESERVE_COMMAND](...args: (string | number)[]): Promise<number>;
};

const TWO_DAYS_MS = 2 * 86_400_000 + 3_600_000;

/**
 * `UsageCounters` on Redis, shared by every instance: a reservation is one Lua script (check every
 * scope, then charge them all: atomic, so a burst over many instances cannot all pass one stale
 * reading); `release` is `GETDEL` of the reservation (exactly one caller gets it) then `HINCRBY`s
 * taking its hold off; `add` is a `MULTI` of `HINCRBY`/`HINCRBYFLOAT`s. Every key expires ~2 days
 * after its last change. Errors are ioredis errors; the failover counters answer from memory then.
 */
export class RedisUsageCounters implements UsageCounters {
  private readonly client: ClientWithReserve;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(options: RedisUsageCountersOptions) {
    this.prefix = `${options.prefix ?? 'chatgate:'}usage:`;
    this.ttlMs = options.ttlMs ?? TWO_DAYS_MS;
    if (!(RESERVE_COMMAND in options.client)) {
      options.client.defineCommand(RESERVE_COMMAND, { lua: RESERVE_LUA });
    }
    this.client = options.client as ClientWithReserve;
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const keys = request.limits.map((limit) => this.hashKey(request.day, limit.scope));
    const json = JSON.stringify({ k: keys, t: request.tokens, u: request.usd });
    const limits = request.limits.flatMap((limit) => [limit.tokens ?? -1, limit.usd ?? -1]);
    const ttl = Math.max(1, Math.ceil(Math.max(request.ttlMs, this.ttlMs)));
    const refused = Number(
      await this.client[RESERVE_COMMAND](
        keys.length + 1,
        ...keys,
        this.reservationKey(request.id),
        Math.round(request.tokens),
        request.usd,
        ttl,
        json,
        ...limits,
      ),
    );
    if (refused === 0) return { ok: true };
    return { ok: false, scope: (request.limits[refused - 1] as { scope: string }).scope };
  }

  async release(id: string): Promise<void> {
    const json = await this.client.getdel(this.reservationKey(id));
    if (!json) return;
    const held = JSON.parse(json) as { k: string[]; t: number; u: number };
    const multi = this.client.multi();
    for (const key of held.k) {
      multi.hincrby(key, 't', -held.t);
      if (held.u) multi.hincrbyfloat(key, 'u', -held.u);
    }
    await multi.exec();
  }

  async add(day: string, scopes: readonly string[], used: UsedFigures): Promise<void> {
    const multi = this.client.multi();
    const tokens = Math.round(used.promptTokens + used.completionTokens);
    for (const scope of scopes) {
      const key = this.hashKey(day, scope);
      multi.hincrby(key, 'r', used.requests);
      multi.hincrby(key, 'p', Math.round(used.promptTokens));
      multi.hincrby(key, 'c', Math.round(used.completionTokens));
      multi.hincrby(key, 't', tokens);
      if (used.costUsd) {
        multi.hincrbyfloat(key, 'd', used.costUsd);
        multi.hincrbyfloat(key, 'u', used.costUsd);
      }
      multi.pexpire(key, this.ttlMs);
    }
    await multi.exec();
  }

  async read(day: string, scope: string): Promise<ScopeCounts> {
    const hash = await this.client.hgetall(this.hashKey(day, scope));
    const num = (field: string) => Number(hash[field] ?? 0);
    if (Object.keys(hash).length === 0) return { ...ZERO_COUNTS };
    return {
      requests: num('r'),
      promptTokens: num('p'),
      completionTokens: num('c'),
      costUsd: num('d'),
      budgetTokens: num('t'),
      budgetUsd: num('u'),
    };
  }

  private hashKey(day: string, scope: string): string {
    return `${this.prefix}${day}:${scope}`;
  }

  private reservationKey(id: string): string {
    return `${this.prefix}resv:${id}`;
  }
}
