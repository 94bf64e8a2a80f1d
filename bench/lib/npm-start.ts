import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createChatgate } from '../../src/chatgate.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';

/** chatgate as `npm start` runs it, listening on loopback. */
export interface NpmStartChatgate {
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** The database the interaction log went to: `pglite` (the default) or `postgres`. */
  database: string;
  /** Closes the HTTP server and the services (flushing the log), and removes the data directory. */
  close(): Promise<void>;
}

/**
 * Builds chatgate the way `src/main.ts` does (`loadConfig` → `createChatgate`), from `env` alone: with an empty `env` that is the `npm start` default (PGlite under a
 * data directory, in-process stores, memory queue). The data directory is a fresh temporary one
 * (CHATGATE_DATA_DIR, unless `env` sets it), and the info-level log lines `npm start` writes to
 * stdout go to /dev/null instead, so that they cost what they cost without flooding the output.
 * @throws ConfigError on a bad `env`; StoreUnavailableError when the database cannot be opened.
 */
export async function startLikeNpmStart(env: Record<string, string> = {}): Promise<NpmStartChatgate> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chatgate-bench-'));
  const config = loadConfig({ env: { CHATGATE_DATA_DIR: dataDir, ...env } });
  const logger = createLogger(config.log.level, pino.destination({ dest: '/dev/null', sync: false }));
  const chatgate = await createChatgate(config, { logger });
  const { app, services } = chatgate;
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    baseUrl,
    database: services.storeStatus().database,
    async close() {
      await chatgate.close({ graceMs: 0 });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
