import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { createLogger } from './observability/logger.js';
import { createPlatforms, startPlatforms, stopPlatforms } from './platforms.js';
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
  const platforms = await createPlatforms(services);
  const app = await buildApp(services, { webhooks: platforms.webhooks, twitch: platforms.twitch });

  // Without any key the API is open: then it listens on the loopback interface only.
  let host = config.server.host;
  if (config.auth.apiKeys.length === 0 && !config.auth.adminKey) {
    host = '127.0.0.1';
    logger.warn(
      { action: 'start' },
      'CHATGATE_API_KEYS and CHATGATE_ADMIN_KEY are not set: the API accepts requests WITHOUT authentication, so chatgate listens on 127.0.0.1 only. Set keys to listen on HOST.',
    );
  }

  closeWithGrace({ delay: config.queue.interactionTimeoutMs + 5000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'closing after an error');
    else logger.info({ signal }, 'closing');
    // Stop taking HTTP work, let queued interactions finish (their replies still need the
    // adapters), then disconnect from the platforms.
    await app.close();
    await services.close();
    await stopPlatforms(platforms, services);
  });

  await app.listen({ port: config.server.port, host });
  await startPlatforms(platforms, services);
  logger.info(
    {
      action: 'start',
      mode: config.ai.mode,
      provider: config.ai.provider,
      model: config.ai.model,
      queue: config.queue.backend,
      stores: services.storeStatus(),
      platforms: platforms.adapters.map((adapter) => adapter.platform),
    },
    `chatgate listening on http://${host}:${config.server.port}`,
  );
}

await main();
