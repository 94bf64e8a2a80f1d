import closeWithGrace from 'close-with-grace';
import { type Chatgate, createChatgate } from './chatgate.js';
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { listenHost } from './listen-host.js';
import { createLogger } from './observability/logger.js';
import { probeDefaultProvider, providersInUse, storesInUse } from './start-report.js';

/** How long the start waits for the default provider's health answer, ms. */
const START_PROBE_TIMEOUT_MS = 2_000;

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
  let chatgate: Chatgate;
  try {
    chatgate = await createChatgate(config, { logger });
  } catch (error) {
    // A database or queue that cannot be reached or opened at start: say which, without a stack trace.
    logger.fatal({ action: 'start', err: error }, 'chatgate cannot start: a store cannot be opened');
    const reason = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    process.stderr.write(`chatgate: cannot start: ${reason}${cause}\n`);
    process.exit(69); // EX_UNAVAILABLE
  }
  const { app, services, platforms } = chatgate;
  const { host, warning, stderrLine } = listenHost(config);
  if (warning) logger.warn({ action: 'start', host, asked_host: config.server.host }, warning);
  if (stderrLine) process.stderr.write(`${stderrLine}\n`);

  const graceMs = config.shutdownGraceMs;
  // The grace for running work, then time for the adapters to flush and the stores to close; past
  // that close-with-grace exits 1. A second signal exits at once.
  closeWithGrace({ delay: graceMs + 10_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'closing after an error');
    else logger.info({ signal, grace_ms: graceMs }, 'closing');
    // HTTP stops taking work (open streams get the grace); running interactions finish within what
    // is left of it or are handed back to Redis; then the platforms disconnect.
    await chatgate.close({ graceMs });
    logger.info({ action: 'stop' }, 'chatgate stopped');
  });

  await app.listen({ port: config.server.port, host });
  await chatgate.startPlatforms();
  chatgate.startHealthMonitor();
  logger.info(
    {
      action: 'start',
      mode: config.ai.mode,
      role: config.role,
      stores: storesInUse(config, services),
      providers: providersInUse(config, services),
      platforms: platforms.adapters.map((adapter) => adapter.platform),
    },
    `chatgate ${config.role === 'all' ? '' : `(${config.role}) `}listening on http://${host}:${config.server.port}`,
  );
  // Whether the default provider answers: a new install learns at once that Ollama is not running,
  // rather than from the first reply coming from the fallback.
  const probe = await probeDefaultProvider(config, services, START_PROBE_TIMEOUT_MS);
  const latencyMs = Math.round(probe.latencyMs);
  if (probe.ok) {
    logger.info(
      {
        action: 'start',
        provider: probe.kind,
        endpoint: probe.endpoint,
        latency_ms: latencyMs,
        detail: probe.detail,
      },
      `default provider ${probe.kind} at ${probe.endpoint} answers`,
    );
  } else {
    logger.warn(
      {
        action: 'start',
        provider: probe.kind,
        endpoint: probe.endpoint,
        latency_ms: latencyMs,
        detail: probe.detail,
      },
      `default provider ${probe.kind} at ${probe.endpoint} does not answer (${probe.detail}); replies fall back until it does`,
    );
  }
}

await main();
