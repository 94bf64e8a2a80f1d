import type { FastifyInstance } from 'fastify';
import { PLATFORM_REGISTRY } from '../adapters/registry.js';
import { buildApp } from './app.js';
import type { Config } from './config/schema.js';
import type { AnyPlatformDescriptor } from './core/platform.js';
import { createPlatforms, NO_PLATFORMS, type Platforms, startPlatforms, stopPlatforms } from './platforms.js';
import { createServices, type ServiceOptions, type Services } from './services.js';

/** chatgate assembled: what `main.ts` runs and the end-to-end tests drive. */
export interface Chatgate {
  services: Services;
  platforms: Platforms;
  /** The fastify app; it does not listen yet (`main.ts` listens, tests use `app.inject`). */
  app: FastifyInstance;
  /** Connects the platform adapters (after the app listens, so that webhooks can be reached). */
  startPlatforms(): Promise<void>;
  /**
   * Starts the provider health checks (`ai.healthCheckIntervalMs`; nothing when it is 0): the first
   * round at once, then one per interval. Stopped by `close`.
   */
  startHealthMonitor(): void;
  /**
   * Closes in order: HTTP (new requests get 503; open requests and streams get `graceMs`, then
   * completions answer 503 or end their stream with an error event, and the sockets are cut),
   * the queue (running interactions get what is left of the grace: their replies still need the
   * adapters; then they are handed back to Redis or failed), the stores, then the adapters.
   * Without `graceMs`, waits for everything to finish.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export interface ChatgateOptions extends ServiceOptions {
  /** The platforms to offer; the registry's by default (tests add a toy one). */
  platforms?: readonly AnyPlatformDescriptor[];
}

/**
 * The one wiring of chatgate from a validated config: stores, providers, queue and router
 * (`createServices`), the platform adapters whose credentials are set, and the HTTP app with the
 * platforms' routes. A `worker` process (`CHATGATE_ROLE=worker`) holds no platform connection and
 * serves only the probes. Nothing listens or connects here.
 * @throws StoreUnavailableError when a store cannot be opened.
 */
export async function createChatgate(config: Config, options: ChatgateOptions = {}): Promise<Chatgate> {
  const services = await createServices(config, options);
  const worker = config.role === 'worker';
  const platforms = worker
    ? NO_PLATFORMS
    : await createPlatforms(services, options.platforms ?? PLATFORM_REGISTRY);
  const app = await buildApp(services, {
    platformRoutes: platforms.routes,
    platformSockets: platforms.sockets,
    probesOnly: worker,
  });
  return {
    services,
    platforms,
    app,
    startPlatforms: () => startPlatforms(platforms, services),
    startHealthMonitor: () => services.health.start(),
    close: async ({ graceMs } = {}) => {
      // No check may open a breaker while the last interactions drain.
      await services.health.close();
      const deadline = graceMs === undefined ? undefined : Date.now() + graceMs;
      await closeHttp(app, graceMs);
      const left = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
      await services.close(left === undefined ? {} : { graceMs: left });
      await stopPlatforms(platforms, services);
    },
  };
}

/** How long the requests cut at the end of the grace get to write their 503 or error event, ms. */
const CUT_SETTLE_MS = 1_000;

/**
 * Stops accepting connections and lets running requests finish within `graceMs` (each connection
 * closes as its answer ends). Past the grace, completions still running are cut (a 503, or an error
 * event that ends the stream; each logged), then the connections still open are closed.
 */
async function closeHttp(app: FastifyInstance, graceMs: number | undefined): Promise<void> {
  if (graceMs === undefined) return app.close();
  const closed = app.close();
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), graceMs);
  });
  const over = await Promise.race([closed.then(() => false), graceOver]);
  clearTimeout(timer);
  if (!over) return;
  await app.drain.cut(CUT_SETTLE_MS);
  app.server.closeAllConnections();
}
