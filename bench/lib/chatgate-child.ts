/**
 * chatgate (services + HTTP app, in-process stores) in a process of its own, for benchmarks that
 * measure its RSS and event-loop delay apart from the load generator (see probe.ts). The config is
 * the committed defaults with the JSON overrides of CHATGATE_BENCH_CONFIG on top; listens on
 * 127.0.0.1 with a listen backlog of 4096 (for bursts of connections) and prints its URL.
 * CHATGATE_BENCH_LOG=info logs as `npm start` does (one line per request, written in batches), into /dev/null; the
 * default is silent.
 */
import { buildApp } from '../../src/app.js';
import { type DeepPartial, loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { batchedDestination } from '../../src/observability/log-destination.js';
import { createLogger } from '../../src/observability/logger.js';
import { createServices } from '../../src/services.js';
import { memoryStores } from '../../src/stores/store-set.js';
import { serveProbe } from './probe.js';

const overrides = JSON.parse(process.env.CHATGATE_BENCH_CONFIG ?? '{}') as DeepPartial<Config>;
const level = (process.env.CHATGATE_BENCH_LOG ?? 'silent') as Config['log']['level'];
const config = loadConfig({ env: {}, overrides: { log: { level }, ...overrides } });
const services = await createServices(config, {
  // The destination `npm start` writes stdout through, pointed at /dev/null.
  logger: createLogger(level, batchedDestination('/dev/null')),
  stores: memoryStores(config),
});
const app = await buildApp(services);
const url = await app.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
serveProbe();
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => process.exit(0));
