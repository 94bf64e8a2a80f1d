/**
 * The Discord platform: the bot in servers and DMs over discord.js. The adapter itself is in
 * adapter.ts, loaded only when a bot token is set.
 */
import type { PlatformAdapter } from '../../src/core/adapter.js';
import { definePlatform } from '../../src/core/platform.js';
import { DISCORD_CONFIG } from './config.js';

export const discordPlatform = definePlatform({
  platform: 'discord',
  config: DISCORD_CONFIG,
  // A message's content holds up to 2000 characters (https://discord.com/developers/docs/resources/message#create-message).
  limits: { messageMaxChars: 2000, replyMaxChars: 4000 },
  async create(config, ports): Promise<PlatformAdapter | undefined> {
    if (!config.token) return undefined;
    const { createDiscordAdapter } = await import('./adapter.js');
    return createDiscordAdapter(config, {
      sharding: config.shards,
      onRateLimited: () => ports.rateLimited(),
    });
  },
});
