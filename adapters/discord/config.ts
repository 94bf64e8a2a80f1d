/**
 * The `platforms.discord` section of chatgate's config and its environment variables (DISCORD_*).
 * The adapter starts only when `token` is set.
 */
import Type, { type Static } from 'typebox';
import type { PlatformConfigSection } from '../../src/core/platform.js';

export const DiscordConfigSchema = Type.Object({
  /** `DISCORD_TOKEN`; a secret. */
  token: Type.Optional(Type.String({ minLength: 1, env: 'DISCORD_TOKEN', secret: true })),
  /** REST base; `https://discord.com/api` by default. The gateway URL comes from `/gateway/bot`. */
  apiUrl: Type.String({ format: 'uri', env: 'DISCORD_API_URL' }),
  /** Only these channel ids are answered (empty: all). */
  allowedChannels: Type.Array(Type.String({ minLength: 1 }), { env: 'DISCORD_ALLOWED_CHANNELS' }),
  /** Only members with one of these role ids are answered (empty: all). */
  allowedRoles: Type.Array(Type.String({ minLength: 1 }), { env: 'DISCORD_ALLOWED_ROLES' }),
  /** Members with one of these role ids are `moderator` for chatgate's permissions and `!ai` commands. */
  moderatorRoleIds: Type.Array(Type.String({ minLength: 1 }), { env: 'DISCORD_MODERATOR_ROLE_IDS' }),
  /** Members with one of these role ids are `vip`. */
  vipRoleIds: Type.Array(Type.String({ minLength: 1 }), { env: 'DISCORD_VIP_ROLE_IDS' }),
  /** Members with one of these role ids are `subscriber` (a supporters' or boosters' role). */
  subscriberRoleIds: Type.Array(Type.String({ minLength: 1 }), { env: 'DISCORD_SUBSCRIBER_ROLE_IDS' }),
  /** Greet new members (needs the privileged GuildMembers intent). */
  memberJoinGreetings: Type.Boolean({ env: 'DISCORD_MEMBER_JOIN_GREETINGS' }),
  /** `single` (one gateway connection) or `auto` (Discord's recommended shard count, for many servers). */
  shards: Type.Enum(['single', 'auto'], { env: 'DISCORD_SHARDS' }),
});

/** The `platforms.discord` section, validated. */
export type DiscordConfig = Static<typeof DiscordConfigSchema>;

/** The section as the platform's descriptor declares it: schema (with each field's environment variable) and defaults. */
export const DISCORD_CONFIG: PlatformConfigSection<typeof DiscordConfigSchema> = {
  schema: DiscordConfigSchema,
  defaults: {
    apiUrl: 'https://discord.com/api',
    allowedChannels: [],
    allowedRoles: [],
    moderatorRoleIds: [],
    vipRoleIds: [],
    subscriberRoleIds: [],
    memberJoinGreetings: false,
    shards: 'single',
  },
};
