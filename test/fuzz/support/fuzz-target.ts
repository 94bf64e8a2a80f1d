/**
 * The app the fuzzer drives: every route chatgate serves, the platforms' included (a Telegram bot in
 * webhook mode against the fake Bot API), Ollama pointed at the fake, and the community configs and
 * interaction log on the store backend under test.
 */
import type { FastifyInstance } from 'fastify';
import { PLATFORM_REGISTRY } from '../../../adapters/registry.js';
import { buildApp } from '../../../src/app.js';
import { createPlatforms, type Platforms, startPlatforms, stopPlatforms } from '../../../src/platforms.js';
import type { Services } from '../../../src/services.js';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/fake-telegram.js';
import { testConfig, testServices } from '../../support/services.js';
import { type StoreBackend, storeBackends } from '../../support/store-backends.js';

/** The credentials the fuzzer sends when it sends the right ones. */
export const FUZZ_KEYS = {
  caller: 'caller-key-fuzz-0001',
  admin: 'admin-key-fuzz-00001',
  telegram: 'fuzz-webhook-secret',
  secret: 'fuzz-secret-key-0123456789',
} as const;

/** A running app to fuzz, and how to take it down. */
export interface FuzzTarget {
  app: FastifyInstance;
  services: Services;
  close(): Promise<void>;
}

/** Memory stores, PGlite, and PostgreSQL (in a schema of its own). */
export const STORE_BACKENDS: StoreBackend[] = storeBackends('fuzz');

/** Starts the fakes, the stores, the services, the platforms and the app. */
export async function startFuzzTarget(backend: StoreBackend): Promise<FuzzTarget> {
  const ollama: FakeServer = await startFakeOllama();
  const telegram: FakeTelegram = await startFakeTelegram();
  const config = testConfig({
    auth: { apiKeys: [FUZZ_KEYS.caller], adminKey: FUZZ_KEYS.admin },
    ai: { ollama: { host: ollama.url } },
    stores: { secretKey: FUZZ_KEYS.secret },
    // The fuzzer sends thousands of requests a minute with one key: the limit is not under test.
    openaiApi: { rateLimitPerMinute: 1_000_000_000 },
    platforms: {
      telegram: {
        botToken: telegram.token,
        apiRoot: telegram.url,
        webhookUrl: 'https://bot.example.com/telegram/webhook',
        webhookSecret: FUZZ_KEYS.telegram,
      },
    },
  } as Parameters<typeof testConfig>[0]);
  const stores = await backend.open(config);
  const services = await testServices(config, { stores: stores.stores });
  const platforms: Platforms = await createPlatforms(services, PLATFORM_REGISTRY);
  const app = await buildApp(services, {
    platformRoutes: platforms.routes,
    platformSockets: platforms.sockets,
  });
  await startPlatforms(platforms, services);
  // Closed in this order: HTTP first, the fakes last (the queue may still deliver to them).
  const closers = [
    () => app.close(),
    () => services.close(),
    () => stopPlatforms(platforms, services),
    () => stores.close(),
    () => telegram.close(),
    () => ollama.close(),
  ];
  return {
    app,
    services,
    async close() {
      for (const close of closers) await close();
    },
  };
}

/**
 * Every `METHOD url` the app serves, read from its route tree (`printRoutes`), so that a route
 * added later without a fuzz spec fails the suite instead of going unfuzzed.
 */
export function routeTable(app: FastifyInstance): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    prefixes.length = depth;
    const url = `${prefixes.join('')}${match[2]}`;
    prefixes.push(match[2] ?? '');
    for (const method of match[3]?.split(', ') ?? []) routes.push(`${method} ${url}`);
  }
  return routes;
}
