/**
 * The Twitch platform: chatgate in a streamer's chat over Twitch IRC (tmi.js). The adapter itself
 * is in adapter.ts, loaded only when Twitch credentials are set.
 */
import { definePlatform } from '../../src/core/platform.js';
import type { TwitchAdapter } from './adapter.js';
import { twitchChannelRoutes } from './channel-routes.js';
import { TWITCH_CONFIG } from './config.js';

export const twitchPlatform = definePlatform({
  platform: 'twitch',
  config: TWITCH_CONFIG,
  // A PRIVMSG holds 500 characters (https://dev.twitch.tv/docs/irc/#sending-and-receiving-chat-messages);
  // a reply is split into at most `maxReplyParts` of them.
  limits: { messageMaxChars: 500, replyMaxChars: 1000 },
  async create(config, ports): Promise<TwitchAdapter | undefined> {
    if (!config.username || !config.oauthToken) return undefined;
    // Channels joined through the admin API join again after a restart.
    const remembered = await ports.channels.list();
    const { createTwitchAdapter } = await import('./adapter.js');
    return createTwitchAdapter({ ...config, channels: [...new Set([...config.channels, ...remembered])] });
  },
  routes: twitchChannelRoutes,
});
