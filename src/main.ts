import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { createLogger } from './observability/logger.js';
import { createPlatforms, type Platforms, startPlatforms, stopPlatforms } from './platforms.js';
import { createServices } from './services.js';

/**
 * Process entry: load and validate the config, build the services and the HTTP app, listen, and
 * close gracefully on SIGINT/SIGTERM (stop accepting, drain the queue; a second signal exits at once).
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`chatgate: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.log.level);
  let services: Awaited<ReturnType<typeof createServices>>;
  try {
    services = await createServices(config, { logger });
  } catch (error) {
    // A database or queue that cannot be reached at start: say which, without a stack trace.
    logger.fatal({ action: 'start', err: error }, 'chatgate cannot start: a store is unreachable');
    const reason = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    process.stderr.write(`chatgate: cannot start: ${reason}${cause}\n`);
    process.exit(69); // EX_UNAVAILABLE
  }
  // A `worker` process holds no platform connection and serves only the probes.
  const worker = config.role === 'worker';
  const platforms: Platforms = worker ? { adapters: [], webhooks: [] } : await createPlatforms(services);
  const app = await buildApp(services, {
    webhooks: platforms.webhooks,
    twitch: platforms.twitch,
    probesOnly: worker,
  });

  // Without any key the API is open: then it listens on the loopback interface only.
  let host = config.server.host;
  if (!worker && config.auth.apiKeys.length === 0 && !config.auth.adminKey) {
    host = '127.0.0.1';
    logger.warn(
      { action: 'start' },
      'CHATGATE_API_KEYS and CHATGATE_ADMIN_KEY are not set: the API accepts requests WITHOUT authentication, so chatgate listens on 127.0.0.1 only. Set keys to listen on HOST.',
    );
  }

  const graceMs = config.shutdownGraceMs;
  // The grace for running work, then time for the adapters to flush and the stores to close; past
  // that close-with-grace exits 1. A second signal exits at once.
  closeWithGrace({ delay: graceMs + 10_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'closing after an error');
    else logger.info({ signal, grace_ms: graceMs }, 'closing');
    const deadline = Date.now() + graceMs;
    // Stop taking HTTP work; open streams get the grace, then their sockets are closed.
    await closeHttp(app, graceMs);
    // Running interactions finish within what is left of the grace (their replies still need the
    // adapters), or are handed back to Redis for another instance; then the platforms disconnect.
    await services.close({ graceMs: Math.max(0, deadline - Date.now()) });
    await stopPlatforms(platforms, services);
    logger.info({ action: 'stop' }, 'chatgate stopped');
  });

  await app.listen({ port: config.server.port, host });
  await startPlatforms(platforms, services);
  logger.info(
    {
      action: 'start',
      mode: config.ai.mode,
      provider: config.ai.provider,
      model: config.ai.model,
      role: config.role,
      queue: config.queue.backend,
      stores: services.storeStatus(),
      platforms: platforms.adapters.map((adapter) => adapter.platform),
    },
    `chatgate ${config.role === 'all' ? '' : `(${config.role}) `}listening on http://${host}:${config.server.port}`,
  );
}

/** Stops accepting connections; requests still open after `graceMs` (long streams) are cut. */
async function closeHttp(app: FastifyInstance, graceMs: number): Promise<void> {
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

await main();
