import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from '../../src/app.js';
import { type DeepPartial, deepMerge, loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { createServices, type ServiceOptions, type Services } from '../../src/services.js';
import { memoryStores, type StoreSet } from '../../src/stores/store-set.js';

/**
 * The committed defaults with `overrides` on top, as the service would load them with an empty
 * environment. Tests get short retry delays so that failures fall through quickly, and callbacks
 * may reach 127.0.0.1 (`callbacks.allowedHosts`).
 */
export function testConfig(overrides: DeepPartial<Config> = {}): Config {
  // Callback receivers in tests listen on 127.0.0.1, which callers may reach only when allowed.
  const testDefaults = {
    log: { level: 'silent' },
    ai: { retry: { initialDelayMs: 1, maxDelayMs: 5 } },
    callbacks: { allowedHosts: ['127.0.0.1'] },
  };
  return loadConfig({ env: {}, overrides: deepMerge(testDefaults, overrides) as DeepPartial<Config> });
}

/**
 * What tests build services with: silent, a fixed random source (every probability draw is 0),
 * short callback delays, in-process stores unless others are given.
 */
export function testServiceOptions(
  config: Config,
  options: { random?: () => number; stores?: StoreSet; logger?: Logger } = {},
): ServiceOptions {
  return {
    logger: options.logger ?? createLogger('silent'),
    random: options.random ?? (() => 0),
    callbackInitialDelayMs: 5,
    stores: options.stores ?? memoryStores(config),
  };
}

/** Services on `config` (see `testServiceOptions`). */
export function testServices(
  config: Config,
  options: { random?: () => number; stores?: StoreSet; logger?: Logger } = {},
): Promise<Services> {
  return createServices(config, testServiceOptions(config, options));
}

/** Services and the fastify app on `config` (see `testServices`). */
export async function testApp(
  config: Config,
  options: { random?: () => number; app?: AppOptions; logger?: Logger } = {},
): Promise<{ services: Services; app: FastifyInstance }> {
  const services = await testServices(config, options);
  const app = await buildApp(services, options.app);
  return { services, app };
}
