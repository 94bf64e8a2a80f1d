/**
 * The `platforms.twitch` section of chatgate's config and its environment variables (TWITCH_*).
 * Two transports: IRC (tmi.js; starts when `username` and `oauthToken` are set) and EventSub +
 * Helix (starts when `clientId`, `clientSecret`, `botUserId` and `refreshToken` are set).
 * `transport` picks one; unset, it is `eventsub` when `clientId` is set, else `irc`.
 */
import Type, { type Static } from 'typebox';
import type { PlatformConfigSection } from '../../src/core/platform.js';

export const TwitchConfigSchema = Type.Object({
  /** The bot's login (`TWITCH_USERNAME`). */
  username: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_USERNAME' })),
  /** `oauth:…` (`TWITCH_OAUTH_TOKEN`); a secret. */
  oauthToken: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_OAUTH_TOKEN', secret: true })),
  /** Channel logins to join, without `#`. */
  channels: Type.Array(Type.String({ minLength: 1 }), { env: 'TWITCH_CHANNELS' }),
  /** Chat server; Twitch's own by default. Tests and relays set another. */
  server: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_SERVER' })),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, env: 'TWITCH_PORT' })),
  secure: Type.Boolean({ env: 'TWITCH_SECURE' }),
  /** Logins of known bots, lower case: their messages are `is_bot`. */
  knownBots: Type.Array(Type.String({ minLength: 1 })),
  /** A long reply is split in at most this many messages (500 chars each). */
  maxReplyParts: Type.Integer({ minimum: 1, maximum: 5 }),
  /** Restart a connection that delivered nothing (no line, no PING) for this long, ms. */
  watchdogMs: Type.Integer({ minimum: 10_000 }),
  /** `irc` or `eventsub` (`TWITCH_TRANSPORT`); unset: `eventsub` when `clientId` is set, else `irc`. */
  transport: Type.Optional(
    Type.Union([Type.Literal('irc'), Type.Literal('eventsub')], { env: 'TWITCH_TRANSPORT' }),
  ),
  /** The application's client id (`TWITCH_CLIENT_ID`), https://dev.twitch.tv/console/apps. */
  clientId: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_CLIENT_ID' })),
  /** The application's client secret (`TWITCH_CLIENT_SECRET`); a secret. */
  clientSecret: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_CLIENT_SECRET', secret: true })),
  /** The bot account's user id (`TWITCH_BOT_USER_ID`): the sender of its messages. */
  botUserId: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_BOT_USER_ID' })),
  /**
   * The bot user's refresh token (`TWITCH_REFRESH_TOKEN`; a secret), granted `user:read:chat`,
   * `user:write:chat` and `user:bot`; chatgate refreshes its access token itself.
   */
  refreshToken: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_REFRESH_TOKEN', secret: true })),
  /** Helix's root (`TWITCH_API_URL`; default in TWITCH_DEFAULT_URLS); tests and relays set another. */
  apiUrl: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_API_URL' })),
  /** The OAuth root (`TWITCH_AUTH_URL`); `/token` is under it. */
  authUrl: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_AUTH_URL' })),
  /**
   * Where Twitch sends a broadcaster back after authorizing chatgate for their channel
   * (`TWITCH_REDIRECT_URL`; registered as an OAuth Redirect URL of the app): it must reach
   * chatgate's `/api/v1/platforms/twitch/oauth/callback`.
   */
  redirectUrl: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_REDIRECT_URL' })),
  /** The EventSub WebSocket server (`TWITCH_EVENTSUB_WS_URL`). */
  eventsubWsUrl: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_EVENTSUB_WS_URL' })),
  /**
   * Webhook transport instead of the WebSocket, for several instances behind one address
   * (`TWITCH_EVENTSUB_CALLBACK_URL`): Twitch posts events to this public HTTPS URL, which must
   * reach chatgate's `/webhooks/twitch/eventsub`. Needs `eventsubSecret`.
   */
  eventsubCallbackUrl: Type.Optional(Type.String({ minLength: 1, env: 'TWITCH_EVENTSUB_CALLBACK_URL' })),
  /**
   * The webhook secret (`TWITCH_EVENTSUB_SECRET`; a secret): 10–100 ASCII characters, the key of
   * the HMAC-SHA256 that signs each delivery
   * (https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message).
   */
  eventsubSecret: Type.Optional(
    Type.String({
      minLength: 10,
      maxLength: 100,
      pattern: '^[\\x21-\\x7e]+$',
      env: 'TWITCH_EVENTSUB_SECRET',
      secret: true,
    }),
  ),
});

/**
 * Twitch's own endpoints: https://dev.twitch.tv/docs/api/ (Helix),
 * https://dev.twitch.tv/docs/authentication/refresh-tokens/ (OAuth),
 * https://dev.twitch.tv/docs/eventsub/handling-websocket-events/ (EventSub WebSocket).
 */
export const TWITCH_DEFAULT_URLS = {
  apiUrl: 'https://api.twitch.tv/helix',
  authUrl: 'https://id.twitch.tv/oauth2',
  eventsubWsUrl: 'wss://eventsub.wss.twitch.tv/ws',
} as const;

/** The `platforms.twitch` section, validated. */
export type TwitchConfig = Static<typeof TwitchConfigSchema>;

/** The section as the platform's descriptor declares it: schema (with each field's environment variable) and defaults. */
export const TWITCH_CONFIG: PlatformConfigSection<typeof TwitchConfigSchema> = {
  schema: TwitchConfigSchema,
  defaults: {
    channels: [],
    secure: true,
    knownBots: ['nightbot', 'streamelements', 'moobot', 'streamlabs', 'fossabot'],
    maxReplyParts: 2,
    // Twitch pings every ~5 minutes (https://dev.twitch.tv/docs/chat/irc/#keepalive-messages).
    watchdogMs: 600_000,
    ...TWITCH_DEFAULT_URLS,
  },
};
