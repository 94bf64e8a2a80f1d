/**
 * The platforms chatgate knows: one descriptor per folder under `adapters/`. The only file outside
 * a platform's folder that names a platform. Config loading, env binding, adapter start, status,
 * metrics, HTTP routes and the reply queues read this list. To add a platform, see README.md here.
 */
import { discordPlatform } from './discord/index.js';
import { telegramPlatform } from './telegram/index.js';
import { twitchPlatform } from './twitch/index.js';
import { webPlatform } from './web/index.js';

export const PLATFORM_REGISTRY = [twitchPlatform, telegramPlatform, discordPlatform, webPlatform] as const;
