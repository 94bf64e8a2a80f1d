/**
 * The Twitch platform: chatgate in a streamer's chat, over one of two transports (`transport`,
 * `TWITCH_TRANSPORT`): EventSub + Helix (eventsub/, the way Twitch wants bots now; the default when
 * `TWITCH_CLIENT_ID` is set) or IRC on tmi.js (adapter.ts). Each is loaded only when its
 * credentials are set.
 */
import { definePlatform } from '../../src/core/platform.js';
import type { TwitchAdapter } from './adapter.js';
import { twitchChannelRoutes } from './channel-routes.js';
import { TWITCH_CONFIG, TWITCH_DEFAULT_URLS, type TwitchConfig } from './config.js';
import { eventSubWebhookRoute } from './eventsub/webhook-route.js';
import { twitchGrantRoutes } from './grant-routes.js';

export const twitchPlatform = definePlatform({
  platform: 'twitch',
  config: TWITCH_CONFIG,
  // A PRIVMSG holds 500 characters (https://dev.twitch.tv/docs/irc/#sending-and-receiving-chat-messages);
  // a reply is split into at most `maxReplyParts` of them.
  limits: { messageMaxChars: 500, replyMaxChars: 1000 },
  async create(config, ports): Promise<TwitchAdapter | undefined> {
    // Channels joined through the admin API join again after a restart.
    const channels = async (): Promise<string[]> => [
      ...new Set([...config.channels, ...(await ports.channels.list())]),
    ];
    if (twitchTransport(config) === 'eventsub') {
      const { clientId, clientSecret, botUserId, refreshToken } = config;
      if (Boolean(config.eventsubCallbackUrl) !== Boolean(config.eventsubSecret)) {
        ports.logger.warn(
          'twitch: the EventSub webhook transport needs both TWITCH_EVENTSUB_CALLBACK_URL and TWITCH_EVENTSUB_SECRET; using the WebSocket',
        );
      }
      if (!clientId || !clientSecret || !botUserId || !refreshToken) {
        ports.logger.warn(
          'twitch: the EventSub transport needs TWITCH_CLIENT_ID, TWITCH_CLIENT_SECRET, TWITCH_BOT_USER_ID and TWITCH_REFRESH_TOKEN; not started',
        );
        return undefined;
      }
      const { createEventSubAdapter } = await import('./eventsub/adapter.js');
      return createEventSubAdapter(
        {
          clientId,
          clientSecret,
          botUserId,
          refreshToken,
          apiUrl: config.apiUrl ?? TWITCH_DEFAULT_URLS.apiUrl,
          authUrl: config.authUrl ?? TWITCH_DEFAULT_URLS.authUrl,
          eventsubWsUrl: config.eventsubWsUrl ?? TWITCH_DEFAULT_URLS.eventsubWsUrl,
          channels: await channels(),
          knownBots: config.knownBots,
          maxReplyParts: config.maxReplyParts,
          ...(config.eventsubCallbackUrl && config.eventsubSecret
            ? { webhook: { callbackUrl: config.eventsubCallbackUrl, secret: config.eventsubSecret } }
            : {}),
          ...(config.redirectUrl && { redirectUrl: config.redirectUrl }),
          ...(ports.grants && { grants: ports.grants }),
        },
        {
          rateLimited: ports.rateLimited,
          ...(ports.messageDropped && { messageDropped: ports.messageDropped }),
        },
      );
    }
    if (!config.username || !config.oauthToken) return undefined;
    const { createTwitchAdapter } = await import('./adapter.js');
    return createTwitchAdapter({ ...config, channels: await channels() });
  },
  routes: (adapter, ports) => [
    ...twitchChannelRoutes(adapter, ports),
    eventSubWebhookRoute(adapter),
    ...twitchGrantRoutes(adapter),
  ],
});

/** The transport in use: `transport` when set, else `eventsub` when a client id is set, else `irc`. */
export function twitchTransport(config: Pick<TwitchConfig, 'transport' | 'clientId'>): 'irc' | 'eventsub' {
  return config.transport ?? (config.clientId ? 'eventsub' : 'irc');
}
