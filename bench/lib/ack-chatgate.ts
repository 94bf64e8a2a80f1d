import { buildApp } from '../../src/app.js';
import { type DeepPartial, deepMerge, loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/observability/logger.js';
import { createServices } from '../../src/services.js';
import { memoryStores } from '../../src/stores/store-set.js';

/**
 * chatgate as the ack benchmarks run it: in this process, on in-process stores, silent, answering
 * from the model at `ollamaUrl`, with every mention queued (no cooldowns, no reply cap), and
 * `overrides` on top (a queue bound, the safety rules …). Listens on loopback.
 * @returns the app and the URL of `POST /api/v1/ai/interaction`.
 */
export async function startAckChatgate(ollamaUrl: string, overrides: DeepPartial<Config> = {}) {
  const base: DeepPartial<Config> = {
    log: { level: 'silent' },
    ai: { ollama: { host: ollamaUrl } },
    limits: { channelReplyCap: { max: 1_000_000_000, windowMs: 60_000 } },
    triggers: {
      kinds: { mention: { enabled: true, probability: 1, userCooldownMs: 0, channelCooldownMs: 0 } },
    },
  };
  const config = loadConfig({ env: {}, overrides: deepMerge(base, overrides) as DeepPartial<Config> });
  const services = await createServices(config, {
    logger: createLogger('silent'),
    stores: memoryStores(config),
  });
  const app = await buildApp(services);
  return { app, url: `${await app.listen({ port: 0, host: '127.0.0.1' })}/api/v1/ai/interaction` };
}
