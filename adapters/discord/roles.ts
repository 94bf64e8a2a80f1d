/**
 * A guild member's chatgate roles, from Discord's permissions, the guild's ownership and the role
 * ids the config names (`DISCORD_MODERATOR_ROLE_IDS`, `DISCORD_VIP_ROLE_IDS`,
 * `DISCORD_SUBSCRIBER_ROLE_IDS`). Permission flags:
 * https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags;
 * the owner: the guild object's `owner_id` (https://discord.com/developers/docs/resources/guild#guild-object).
 */
import { type GuildMember, PermissionFlagsBits } from 'discord.js';
import type { UserRole } from '../../src/core/chat-event.js';
import type { DiscordConfig } from './config.js';

/** The configured role ids, as sets. */
export interface RoleIds {
  moderator: ReadonlySet<string>;
  vip: ReadonlySet<string>;
  subscriber: ReadonlySet<string>;
}

/** No configured roles: permissions and ownership only. */
export const NO_ROLE_IDS: RoleIds = { moderator: new Set(), vip: new Set(), subscriber: new Set() };

/** The config's role id lists as sets. */
export function roleIdsOf(
  config: Partial<Pick<DiscordConfig, 'moderatorRoleIds' | 'vipRoleIds' | 'subscriberRoleIds'>>,
): RoleIds {
  return {
    moderator: new Set(config.moderatorRoleIds ?? []),
    vip: new Set(config.vipRoleIds ?? []),
    subscriber: new Set(config.subscriberRoleIds ?? []),
  };
}

/**
 * `broadcaster` for the guild's owner, `admin` for the Administrator permission, `moderator` for
 * ManageMessages (Administrator implies it) or a configured moderator role, `vip` and `subscriber`
 * for their configured roles. None outside guilds, or while the guild's @everyone role is unknown
 * (GUILD_CREATE always carries it; discord.js would throw without it).
 *
 * @example rolesOf(member, roleIdsOf({ moderatorRoleIds: ['123'] })) // ['moderator'] for a holder of role 123
 */
export function rolesOf(member: GuildMember | null | undefined, ids: RoleIds = NO_ROLE_IDS): UserRole[] {
  if (!member?.guild.roles.everyone) return [];
  const permissions = member.permissions;
  const held = (wanted: ReadonlySet<string>): boolean =>
    wanted.size > 0 && member.roles.cache.some((_role, id) => wanted.has(id));
  const roles: UserRole[] = [];
  if (member.guild.ownerId === member.id) roles.push('broadcaster');
  if (permissions.has(PermissionFlagsBits.Administrator)) roles.push('admin');
  if (permissions.has(PermissionFlagsBits.ManageMessages) || held(ids.moderator)) roles.push('moderator');
  if (held(ids.vip)) roles.push('vip');
  if (held(ids.subscriber)) roles.push('subscriber');
  return roles;
}
