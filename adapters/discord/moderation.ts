/**
 * Discord moderation, as discord.js hands it over → `PlatformModeration`
 * (https://discord.com/developers/docs/events/gateway-events):
 * - `guildBanAdd` (GUILD_BAN_ADD, GuildModeration intent) → `ban`;
 * - `messageDelete` / `messageDeleteBulk` (MESSAGE_DELETE, MESSAGE_DELETE_BULK) → `message_deleted`;
 * - `guildMemberUpdate` / `guildMemberAvailable` (GUILD_MEMBER_UPDATE, GuildMembers intent) with a
 *   `communication_disabled_until` in the future that was not there before → `timeout`
 *   (https://discord.com/developers/docs/resources/guild#guild-member-object).
 * A ban or timeout holds in the whole guild, so it names no channel: `channelId` is ''.
 * A deleted message names the channel its events carry (a thread's parent; `threadId` is not part
 * of the action), and its author when discord.js still has the message.
 */
import type { GuildBan, GuildMember, Message, PartialGuildMember, PartialMessage } from 'discord.js';
import type { PlatformModeration } from '../../src/core/adapter.js';

/** `channelId` of an action on the whole guild (a ban, a timeout). */
export const WHOLE_GUILD = '';

/** A ban: the banned user, in the guild's community. */
export function banModeration(ban: GuildBan): PlatformModeration {
  return {
    kind: 'ban',
    communityId: `discord:guild:${ban.guild.id}`,
    channelId: WHOLE_GUILD,
    userId: ban.user.id,
    login: ban.user.username,
  };
}

/**
 * A deleted message (possibly partial: only its ids are known) in the terms of its events: the
 * guild's community or the DM's, and the thread's parent channel for a message in a thread.
 */
export function deletionModeration(message: Message | PartialMessage): PlatformModeration {
  const thread = message.channel.isThread() ? message.channel : undefined;
  const authorId = message.author?.id;
  return {
    kind: 'message_deleted',
    communityId: message.guildId ? `discord:guild:${message.guildId}` : `discord:dm:${message.channelId}`,
    channelId: thread?.parentId ?? message.channelId,
    messageId: message.id,
    ...(authorId ? { userId: authorId } : {}),
  };
}

/**
 * A timeout that just began: the member's `communicationDisabledUntil` is in the future and differs
 * from what was known before (`previous` undefined: the member was not cached, so any timeout in
 * force is reported; reporting one twice only sets the same end again). `undefined` otherwise,
 * including a timeout lifted early (chatgate's mark then ends on its own at the old end).
 * @param now ms since the epoch.
 */
export function timeoutModeration(
  previous: GuildMember | PartialGuildMember | undefined,
  member: GuildMember,
  now: number,
): PlatformModeration | undefined {
  const until = member.communicationDisabledUntilTimestamp;
  if (until === null || until <= now) return undefined;
  if (previous && !previous.partial && previous.communicationDisabledUntilTimestamp === until)
    return undefined;
  return {
    kind: 'timeout',
    communityId: `discord:guild:${member.guild.id}`,
    channelId: WHOLE_GUILD,
    userId: member.id,
    login: member.user.username,
    durationMs: until - now,
  };
}
