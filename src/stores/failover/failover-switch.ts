import type { Logger } from 'pino';
import type { RedisHealth, RedisHealthSnapshot } from '../redis/redis-connection.js';

/** Which store answers: Redis, or the in-process one while Redis is down. */
export type Backend = 'redis' | 'memory';

/** Settings shared by the failover stores. */
export interface FailoverOptions<Store> {
  /** The Redis store (`RedisContextStore`, `RedisKeyStore`). */
  redis: Store;
  /** The in-process store answering while Redis is down (`MemoryContextStore`, `MemoryKeyStore`). */
  memory: Store;
  /** The health of the client `redis` uses. */
  health: RedisHealth;
  /** A child logger; one line per switch of backend, never one per call. */
  logger: Logger;
  /** A Redis call taking longer than this is abandoned and answered from memory, ms (default 200). */
  callTimeoutMs?: number;
}

/** Raised (and handed to `RedisHealth.reportFailure`) when a Redis call outlives `callTimeoutMs`. */
export class RedisCallTimeoutError extends Error {
  override readonly name = 'RedisCallTimeoutError';
}

/**
 * The switch behind the failover stores: runs a call on Redis while `health` says up, and on the
 * in-process store while it is down or when the Redis call fails or times out (the failure is
 * reported to `health`, which marks Redis down unless Redis itself answered the error). Follows
 * `health`, so it goes back to Redis by itself when Redis returns; logs each change once. A call
 * abandoned after `callTimeoutMs` may still complete on Redis later (it was already sent).
 */
export class FailoverSwitch {
  private lastCallFailed = false;
  private current: Backend;
  private downSince: number | undefined;
  private readonly callTimeoutMs: number;
  private readonly onHealthChange = (snapshot: RedisHealthSnapshot): void => {
    if (snapshot.status === 'up') this.lastCallFailed = false;
    this.update();
  };

  constructor(
    private readonly store: string,
    private readonly health: RedisHealth,
    private readonly logger: Logger,
    callTimeoutMs = 200,
  ) {
    this.callTimeoutMs = callTimeoutMs;
    this.current = this.compute();
    if (this.current === 'memory') this.downSince = Date.now();
    health.on('change', this.onHealthChange);
  }

  /** The backend answering now. */
  backend(): Backend {
    return this.current;
  }

  /** Runs `onRedis` (bounded by the call timeout) or, when Redis is down or fails, `onMemory`. */
  async run<T>(onRedis: () => Promise<T>, onMemory: () => Promise<T>): Promise<T> {
    if (this.health.status !== 'up') return onMemory();
    let result: T;
    try {
      result = await withTimeout(onRedis(), this.callTimeoutMs);
    } catch (error) {
      this.lastCallFailed = true;
      this.health.reportFailure(error);
      this.update();
      return onMemory();
    }
    if (this.lastCallFailed) {
      this.lastCallFailed = false;
      this.update();
    }
    return result;
  }

  /** Stops following `health`. */
  dispose(): void {
    this.health.off('change', this.onHealthChange);
  }

  private compute(): Backend {
    return this.health.status === 'up' && !this.lastCallFailed ? 'redis' : 'memory';
  }

  private update(): void {
    const next = this.compute();
    if (next === this.current) return;
    this.current = next;
    const { target, lastError } = this.health.snapshot();
    if (next === 'memory') {
      this.downSince = Date.now();
      // `lastError` is the health's copy of the failure, credentials removed.
      this.logger.warn(
        { store: this.store, backend: next, redis: target, reason: lastError },
        `${this.store} store: Redis unavailable, answering from the in-process store`,
      );
    } else {
      const downForMs = this.downSince === undefined ? undefined : Date.now() - this.downSince;
      this.downSince = undefined;
      this.logger.info(
        { store: this.store, backend: next, redis: target, downForMs },
        `${this.store} store: back on Redis`,
      );
    }
  }
}

/**
 * What the failover stores share: a Redis store and its in-process twin behind one FailoverSwitch
 * (its own per store, so a store whose call failed switches without taking the others along).
 */
export abstract class FailoverStore<Store> {
  private readonly redis: Store;
  private readonly memory: Store;
  private readonly failover: FailoverSwitch;

  /** `name` labels the log lines (`context`, `keys`). */
  constructor(name: string, options: FailoverOptions<Store>) {
    this.redis = options.redis;
    this.memory = options.memory;
    this.failover = new FailoverSwitch(name, options.health, options.logger, options.callTimeoutMs);
  }

  /** `redis` or `memory`, for `/health/ready` and `/api/v1/ai/status`. */
  backend(): Backend {
    return this.failover.backend();
  }

  /** Stops following the Redis health (the stores themselves are closed by their owners). */
  dispose(): void {
    this.failover.dispose();
  }

  /** `call` on Redis, or on the in-process store while Redis is down or when the Redis call fails. */
  protected run<T>(call: (store: Store) => Promise<T>): Promise<T> {
    return this.failover.run(
      () => call(this.redis),
      () => call(this.memory),
    );
  }

  /**
   * `call` on both stores while Redis is up (a removal made then must not come back from memory
   * later), on the in-process store alone otherwise.
   */
  protected runOnBoth(call: (store: Store) => Promise<void>): Promise<void> {
    return this.failover.run(
      async () => {
        await Promise.all([call(this.redis), call(this.memory)]);
      },
      () => call(this.memory),
    );
  }
}

/** Rejects with `RedisCallTimeoutError` when `promise` has not settled after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RedisCallTimeoutError(`Redis call took over ${ms} ms`)), ms);
  });
  // `race` also handles a late rejection of `promise`, so an abandoned call cannot go unhandled.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
