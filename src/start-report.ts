import type { Config } from './config/schema.js';
import { publicEndpoint } from './core/endpoint-url.js';
import type { Services } from './services.js';

/** Where each store lives, as the start log shows it: never a URL's user, password or query. */
export interface StoresInUse {
  /** `memory`, or with REDIS_URL the backend in use now and the server's state: `redis (redis://host:6379 up)`. */
  context: string;
  /** `postgres <host/db>`, `pglite <dataDir>`, or `memory`. */
  database: string;
  /** `redis` or `memory`. */
  queue: string;
}

/** One link of the provider chain: its role, kind, public endpoint and model. */
export interface ProviderInUse {
  role: 'default' | 'fallback';
  kind: string;
  /** `local` for the offline responder, else the endpoint without userinfo or query. */
  endpoint: string;
  model: string;
}

/** The stores the services run on now, for the start log. */
export function storesInUse(config: Config, services: Pick<Services, 'storeStatus'>): StoresInUse {
  const status = services.storeStatus();
  const { redisUrl, databaseUrl, dataDir } = config.stores;
  const database =
    status.database === 'postgres' && databaseUrl
      ? `postgres ${publicEndpoint(databaseUrl)}`
      : status.database === 'pglite'
        ? `pglite ${dataDir}`
        : status.database;
  const redis = redisUrl ? ` ${publicEndpoint(redisUrl)}` : '';
  return {
    context: redisUrl ? `${status.context} (redis${redis} ${status.redis})` : status.context,
    database,
    queue: config.queue.backend === 'redis' ? `redis${redis}` : 'memory',
  };
}

/** The configured chain (default, then fallback), each at its public endpoint. */
export function providersInUse(config: Config, services: Pick<Services, 'providers'>): ProviderInUse[] {
  const chain: Array<[ProviderInUse['role'], Config['ai']['provider'] | undefined]> = [
    ['default', config.ai.provider],
    ['fallback', config.ai.fallbackProvider],
  ];
  return chain.flatMap(([role, kind]) => {
    if (!kind) return [];
    const model = kind === 'openai' ? (config.ai.openai.model ?? config.ai.model) : config.ai.model;
    return [{ role, kind, endpoint: services.providers.get(kind).provider.endpoint, model }];
  });
}

/** What one health call to the default provider said. */
export interface DefaultProviderProbe {
  kind: string;
  endpoint: string;
  ok: boolean;
  /** Round trip, ms (the timeout when it did not answer in time). */
  latencyMs: number;
  /** The provider's own word: its version, or why it did not answer. */
  detail?: string;
}

/**
 * One health call to the default provider, cut at `timeoutMs` (a start must not wait on a slow
 * upstream). Outside the provider's breaker: a provider that is down at start counts for nothing.
 * Never throws.
 */
export async function probeDefaultProvider(
  config: Config,
  services: Pick<Services, 'providers'>,
  timeoutMs: number,
): Promise<DefaultProviderProbe> {
  const { provider } = services.providers.get(config.ai.provider);
  const signal = AbortSignal.timeout(timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  // health() takes the signal; the race covers a provider that would not heed it.
  const late = new Promise<{ ok: false; latencyMs: number; detail: string }>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, latencyMs: timeoutMs, detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs + 50,
    );
  });
  try {
    const health = await Promise.race([
      provider.health(signal).catch((error: unknown) => ({
        ok: false,
        latencyMs: timeoutMs,
        detail: error instanceof Error ? error.message : String(error),
      })),
      late,
    ]);
    return { kind: config.ai.provider, endpoint: provider.endpoint, ...health };
  } finally {
    clearTimeout(timer);
  }
}
