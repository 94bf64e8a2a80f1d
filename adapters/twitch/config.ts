/**
 * The `platforms.twitch` section of chatgate's config and its environment variables (TWITCH_*).
 * The adapter starts only when `username` and `oauthToken` are set.
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
});

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
  },
};
