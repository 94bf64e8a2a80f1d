import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/logger.js';
import type { CachedAnswer, ResponseCache } from './response-cache.js';

/** Where answers live in Redis: this prefix and the request's sha256. */
export const RESPONSE_CACHE_PREFIX = 'chatgate:response-cache:';

/**
 * The response cache in Redis (`REDIS_URL`): shared by every instance, one string per answer
 * (its JSON) with `PX` as its TTL. Redis errors are logged and read as a miss, so that an outage
 * costs upstream calls and no request fails for it.
 */
export class RedisResponseCache implements ResponseCache {
  private readonly prefix: string;

  constructor(
    private readonly client: Redis,
    options: { prefix?: string; logger?: Logger } = {},
  ) {
    this.prefix = options.prefix ?? RESPONSE_CACHE_PREFIX;
    this.logger = options.logger;
  }

  private readonly logger: Logger | undefined;

  async get(key: string): Promise<CachedAnswer | undefined> {
    try {
      const json = await this.client.get(this.prefix + key);
      return json === null ? undefined : (JSON.parse(json) as CachedAnswer);
    } catch (error: unknown) {
      this.logger?.warn({ err: error }, 'response cache: read failed; answering upstream');
      return undefined;
    }
  }

  async set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void> {
    try {
      await this.client.set(this.prefix + key, JSON.stringify(answer), 'PX', ttlMs);
    } catch (error: unknown) {
      this.logger?.warn({ err: error }, 'response cache: write failed; the answer is not kept');
    }
  }
}
