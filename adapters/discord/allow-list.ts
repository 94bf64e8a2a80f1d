/**
 * `DISCORD_ALLOWED_CHANNELS` / `DISCORD_ALLOWED_ROLES`: which events reach the router. An empty list
 * allows everything. A DM has no roles, so a role list keeps DMs out; a channel list keeps them out
 * unless it names the DM channel.
 */
import type { GuildMember, Message } from 'discord.js';
import type { DiscordConfig } from './config.js';

/** The allow lists as sets of ids. */
export interface AllowLists {
  channels: ReadonlySet<string>;
  roles: ReadonlySet<string>;
}

/** The config's allow lists as sets. */
export function allowListsOf(config: Pick<DiscordConfig, 'allowedChannels' | 'allowedRoles'>): AllowLists {
  return { channels: new Set(config.allowedChannels), roles: new Set(config.allowedRoles) };
}

/**
 * Whether a message passes both lists: its channel (or, in a thread, the thread's parent) is
 * allowed, and its author holds an allowed role.
 */
export function messageAllowed(message: Message, lists: AllowLists): boolean {
  if (lists.channels.size > 0) {
    const parentId = message.channel.isThread() ? message.channel.parentId : null;
    if (!lists.channels.has(message.channelId) && !(parentId && lists.channels.has(parentId))) return false;
  }
  return lists.roles.size === 0 || hasAllowedRole(message.member, lists);
}

/**
 * Whether a member join may be greeted: the greeting goes to the system channel, so that is the
 * channel checked. Roles are not: someone who just joined has none yet.
 */
export function memberJoinAllowed(member: GuildMember, lists: AllowLists): boolean {
  const channelId = member.guild.systemChannelId;
  return lists.channels.size === 0 || (channelId !== null && lists.channels.has(channelId));
}

/** The member holds one of the allowed roles (the guild id is @everyone's role id). */
function hasAllowedRole(member: GuildMember | null, lists: AllowLists): boolean {
  return member?.roles.cache.some((_role, id) => lists.roles.has(id)) ?? false;
}
