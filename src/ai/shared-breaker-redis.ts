import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import {
  type SharedBreakerLimits,
  type SharedBreakerStore,
  SharedBreakerUnavailableError,
  type SharedBreakerView,
} from './shared-breaker.js';

/** Settings of `RedisSharedBreakerStore`; every duration in ms. */
export interface RedisSharedBreakerOptions {
  /** Prepended to every key (default `chatgate:breaker:`); tests use a prefix of their own. */
  prefix?: string;
  /** Each Redis operation gives up after this long and the caller uses its local breaker (default 100). */
  opTimeoutMs?: number;
  /**
   * After a failed or late operation, Redis is left alone this long (default 1000): operations
   * reject at once meanwhile, so a hung Redis costs one `opTimeoutMs` wait per pause, not per call.
   */
  pauseMs?: number;
  /**
   * How long a failure count lives after the endpoint's last failure (default 600000); at least
   * twice the open time, so that the trial after a cool-down still finds it.
   */
  failureTtlMs?: number;
  /** Told once when Redis stops answering (warn) and once when it answers again (info). */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/** One Lua script, run by its SHA1 and sent whole only when Redis does not know it yet. */
interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

// KEYS: open, failures, trial. Replies: { state, remainingMs, failures, trial } with state
// 0 closed, 1 open, 2 half-open.

/** ARGV: failureThreshold, trialForMs. */
const CHECK = script(`
local pttl = redis.call('PTTL', KEYS[1])
if pttl ~= -2 then return {1, math.max(pttl, 0), 0, 0} end
local failures = tonumber(redis.call('GET', KEYS[2]) or '0')
if failures < tonumber(ARGV[1]) then return {0, 0, failures, 0} end
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[2]) then return {2, 0, failures, 1} end
return {2, math.max(redis.call('PTTL', KEYS[3]), 0), failures, 0}
`);

/** ARGV: failureThreshold, halfOpenAfterMs, failureTtlMs. */
const RECORD_FAILURE = script(`
local failures = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('DEL', KEYS[3])
if failures < tonumber(ARGV[1]) and redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, failures, 0} end
redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2])
return {1, math.max(redis.call('PTTL', KEYS[1]), 0), failures, 0}
`);

const RECORD_SUCCESS = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`);

/** ARGV: failureThreshold, halfOpenAfterMs, failureTtlMs. */
const OPEN = script(`
redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2])
local failures = tonumber(redis.call('GET', KEYS[2]) or '0')
if failures < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3]) end
return 1
`);

/**
 * As OPEN, but the cool-down starts again when it is open already, a running trial ends, and the
 * count's lifetime starts again too (an endpoint held open for hours keeps its count for the trial).
 * ARGV: failureThreshold, halfOpenAfterMs, failureTtlMs.
 */
const FORCE_OPEN = script(`
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('DEL', KEYS[3])
local failures = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(ARGV[1]))
redis.call('SET', KEYS[2], failures, 'PX', ARGV[3])
return 1
`);

const STATES = ['closed', 'open', 'half_open'] as const;

/**
 * Shared breaker state on Redis (ioredis), three keys per endpoint under
 * `<prefix>{<sha256 of the id, 24 hex>}:` (the braces keep them in one Redis Cluster slot):
 * `failures` (consecutive endpoint failures, INCR, expiring `failureTtlMs` after the last one),
 * `open` (present while open, PX = the half-open delay), `trial` (the half-open trial, PX =
 * `trialForMs`). Each operation is one Lua script, so each costs one round trip and is atomic.
 *
 * It never waits long for Redis: while the client is not `ready`, when Redis takes longer than
 * `opTimeoutMs`, and for `pauseMs` after such a failure, operations reject with
 * `SharedBreakerUnavailableError` (a late command may still run; it only ever moves the state the
 * way a late call would).
 *
 * @example
 * const shared = new RedisSharedBreakerStore(stores.redis, { logger });
 * const registry = new ProviderRegistry(endpoints, config.ai, metrics, config.bot.name, shared);
 */
export class RedisSharedBreakerStore implements SharedBreakerStore {
  private readonly prefix: string;
  private readonly opTimeoutMs: number;
  private readonly failureTtlMs: number;
  private readonly pauseMs: number;
  private readonly logger: Pick<Logger, 'warn' | 'info'> | undefined;
  private readonly keyCache = new Map<string, readonly [open: string, failures: string, trial: string]>();
  private answering = true;
  /** No Redis operation before this time, ms since the epoch (after a failure). */
  private pausedUntil = 0;

  /**
   * @param redis an ioredis client, best one that fails fast (`createRedisConnection`: no offline
   *   queue); shared with the other Redis stores, never closed here.
   */
  constructor(
    private readonly redis: Redis,
    options: RedisSharedBreakerOptions = {},
  ) {
    this.prefix = options.prefix ?? 'chatgate:breaker:';
    this.opTimeoutMs = options.opTimeoutMs ?? 100;
    this.failureTtlMs = options.failureTtlMs ?? 600_000;
    this.pauseMs = options.pauseMs ?? 1000;
    this.logger = options.logger;
  }

  /** The Redis keys of one endpoint id: open, failures, trial (for operators and tests). */
  keys(id: string): readonly [open: string, failures: string, trial: string] {
    // Every call checks the store: hash each endpoint's id once (there are few endpoints).
    let keys = this.keyCache.get(id);
    if (!keys) {
      const base = `${this.prefix}{${createHash('sha256').update(id).digest('hex').slice(0, 24)}}:`;
      keys = [`${base}open`, `${base}failures`, `${base}trial`];
      this.keyCache.set(id, keys);
    }
    return keys;
  }

  async check(id: string, limits: SharedBreakerLimits): Promise<SharedBreakerView> {
    const reply = await this.run(CHECK, this.keys(id), [
      limits.failureThreshold,
      Math.max(1, Math.ceil(limits.trialForMs)),
    ]);
    return view(reply);
  }

  async recordFailure(id: string, limits: SharedBreakerLimits): Promise<SharedBreakerView> {
    return view(await this.run(RECORD_FAILURE, this.keys(id), this.openArgs(limits)));
  }

  async recordSuccess(id: string): Promise<void> {
    await this.run(RECORD_SUCCESS, this.keys(id), []);
  }

  async open(id: string, limits: SharedBreakerLimits): Promise<void> {
    await this.run(OPEN, this.keys(id), this.openArgs(limits));
  }

  async forceOpen(id: string, limits: SharedBreakerLimits): Promise<void> {
    await this.run(FORCE_OPEN, this.keys(id), this.openArgs(limits));
  }

  async endOpen(id: string): Promise<boolean> {
    return (await this.guard(() => this.redis.del(this.keys(id)[0]))) === 1;
  }

  async endTrial(id: string): Promise<void> {
    await this.guard(() => this.redis.del(this.keys(id)[2]));
  }

  async reset(id: string): Promise<void> {
    await this.guard(() => this.redis.del(...this.keys(id)));
  }

  private openArgs(limits: SharedBreakerLimits): number[] {
    const halfOpenAfterMs = Math.max(1, Math.ceil(limits.halfOpenAfterMs));
    return [limits.failureThreshold, halfOpenAfterMs, Math.max(this.failureTtlMs, 2 * halfOpenAfterMs)];
  }

  /** Runs a script by its SHA1, sending its source only when Redis answers NOSCRIPT. */
  private run(lua: Script, keys: readonly string[], args: number[]): Promise<unknown> {
    return this.guard(async () => {
      try {
        return await this.redis.evalsha(lua.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return await this.redis.eval(lua.source, keys.length, ...keys, ...args);
      }
    });
  }

  /** `op` within `opTimeoutMs`, or `SharedBreakerUnavailableError`; logs outages, once each. */
  private async guard<T>(op: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (this.redis.status !== 'ready') throw new Error(`Redis connection ${this.redis.status}`);
      if (Date.now() < this.pausedUntil) throw new Error('Redis paused after a failure');
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.opTimeoutMs} ms`)),
          this.opTimeoutMs,
        );
      });
      const result = await Promise.race([op(), late]);
      if (!this.answering) {
        this.answering = true;
        this.logger?.info({ component: 'breaker' }, 'shared breaker state on Redis available again');
      }
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (Date.now() >= this.pausedUntil) this.pausedUntil = Date.now() + this.pauseMs;
      if (this.answering) {
        this.answering = false;
        this.logger?.warn(
          { component: 'breaker', err: message },
          'shared breaker state on Redis unavailable: each instance uses its own breakers',
        );
      }
      throw new SharedBreakerUnavailableError(`shared breaker state unavailable: ${message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A script's reply `{ state, remainingMs, failures, trial }` as a view. */
function view(reply: unknown): SharedBreakerView {
  const [state, remainingMs, failures, trial] = (Array.isArray(reply) ? reply : []).map(Number);
  return {
    state: STATES[state ?? 0] ?? 'closed',
    trial: trial === 1,
    remainingMs: remainingMs ?? 0,
    failures: failures ?? 0,
  };
}
