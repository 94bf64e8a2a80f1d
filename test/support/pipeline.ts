import { type Chatgate, type ChatgateOptions, createChatgate } from '../../src/chatgate.js';
import type { Config } from '../../src/config/schema.js';
import type { StoreSet } from '../../src/stores/store-set.js';
import { testServiceOptions } from './services.js';

/** chatgate as `main.ts` assembles it (`createChatgate`), started, for end-to-end tests. */
export type Pipeline = Chatgate;

/**
 * Builds chatgate on `config` as tests build services (`testServiceOptions`: silent, in-process
 * stores unless `stores` is given; `options.logger` instead of the silent one) and connects its
 * platform adapters.
 */
export async function startPipeline(
  config: Config,
  stores?: StoreSet,
  options: Pick<ChatgateOptions, 'platforms' | 'logger'> = {},
): Promise<Pipeline> {
  const chatgate = await createChatgate(config, { ...testServiceOptions(config, { stores }), ...options });
  await chatgate.startPlatforms();
  return chatgate;
}
