import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import { createPlatforms, type Platforms, startPlatforms, stopPlatforms } from '../../src/platforms.js';
import type { Services } from '../../src/services.js';
import type { StoreSet } from '../../src/stores/store-set.js';
import { testServices } from './services.js';

/** chatgate as `main.ts` assembles it (services, platform adapters, HTTP app), for end-to-end tests. */
export interface Pipeline {
  services: Services;
  platforms: Platforms;
  app: FastifyInstance;
  /** Closes in main's order: HTTP, then the queue (replies still need the adapters), then adapters. */
  close(): Promise<void>;
}

/** Builds and starts the whole pipeline on `config` with in-process stores (or the given ones). */
export async function startPipeline(config: Config, stores?: StoreSet): Promise<Pipeline> {
  const services = await testServices(config, { stores });
  const platforms = await createPlatforms(services);
  const app = await buildApp(services, { webhooks: platforms.webhooks, twitch: platforms.twitch });
  await startPlatforms(platforms, services);
  return {
    services,
    platforms,
    app,
    close: async () => {
      await app.close();
      await services.close();
      await stopPlatforms(platforms, services);
    },
  };
}
