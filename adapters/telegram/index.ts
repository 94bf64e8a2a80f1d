/**
 * The Telegram platform: the bot in private chats, groups and channels, on telegraf (Bot API:
 * https://core.telegram.org/bots/api). The adapter itself is in adapter.ts, loaded only when a bot
 * token is set; in webhook mode its webhook is mounted on chatgate's HTTP server.
 */
import { definePlatform } from '../../src/core/platform.js';
import type { TelegramAdapter } from './adapter.js';
import { TELEGRAM_CONFIG } from './config.js';
import { telegramWebhookRoute } from './webhook-route.js';

export const telegramPlatform = definePlatform({
  platform: 'telegram',
  config: TELEGRAM_CONFIG,
  // sendMessage takes 1-4096 characters after entities parsing (https://core.telegram.org/bots/api#sendmessage).
  limits: { messageMaxChars: 4096, replyMaxChars: 8192 },
  async create(config): Promise<TelegramAdapter | undefined> {
    if (!config.botToken) return undefined;
    const { createTelegramAdapter } = await import('./adapter.js');
    return createTelegramAdapter(config);
  },
  routes(adapter) {
    const webhook = adapter?.webhook();
    return webhook ? [telegramWebhookRoute(webhook)] : [];
  },
});
