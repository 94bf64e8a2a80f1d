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
   * Closes in order: HTTP (open requests and streams get `graceMs`, then their sockets are cut),
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
  const app = await buildApp(services, { platformRoutes: platforms.routes, probesOnly: worker });
  return {
    services,
    platforms,
    app,
    startPlatforms: () => startPlatforms(platforms, services),
    close: async ({ graceMs } = {}) => {
      const deadline = graceMs === undefined ? undefined : Date.now() + graceMs;
      await closeHttp(app, graceMs);
      const left = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
      await services.close(left === undefined ? {} : { graceMs: left });
      await stopPlatforms(platforms, services);
    },
  };
}

/** Stops accepting connections; requests still open after `graceMs` (long streams) are cut. */
async function closeHttp(app: FastifyInstance, graceMs: number | undefined): Promise<void> {
  if (graceMs === undefined) return app.close();
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      app.server.closeAllConnections();
      resolve();
    }, graceMs);
  });
  await Promise.race([app.close(), cut]);
  clearTimeout(timer);
}
