import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type DeepPartial, deepMerge } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Logger } from '../../src/observability/logger.js';
import type { Services } from '../../src/services.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { testApp, testConfig } from './services.js';

/** The app of one test and the fake Ollama it talks to (one per test file). */
export interface FakeOllamaApp {
  ollama: FakeServer;
  services: Services;
  app: FastifyInstance;
  /** Builds services and app on the defaults + `overrides`, with Ollama pointed at the fake. */
  start(overrides?: DeepPartial<Config>, options?: { logger?: Logger }): Promise<Config>;
}

/**
 * Registers the hooks of an HTTP test file: one fake Ollama for the file, and after each test the
 * app and services closed and the fake reset.
 */
export function useFakeOllamaApp(): FakeOllamaApp {
  const harness = {
    async start(overrides: DeepPartial<Config> = {}, options: { logger?: Logger } = {}) {
      const config = testConfig(
        deepMerge({ ai: { ollama: { host: harness.ollama.url } } }, overrides) as DeepPartial<Config>,
      );
      ({ services: harness.services, app: harness.app } = await testApp(config, options));
      return config;
    },
  } as FakeOllamaApp;
  beforeAll(async () => {
    harness.ollama = await startFakeOllama();
  });
  afterAll(() => harness.ollama.close());
  afterEach(async () => {
    await harness.app?.close();
    await harness.services?.close();
    harness.ollama.reset();
  });
  return harness;
}
