/**
 * discord.js objects → `ChatEvent` (../../../shared/DESIGN.md, "ChatEvent"; issue 7).
 *
 * Only people talking become `message` events: message types Default (0) and Reply (19)
 * (https://discord.com/developers/docs/resources/message#message-object-message-types). System
 * messages (thread created 18, thread starter 21, pins 6, joins 7, boosts …), forwards (a message
 * reference of type Forward, https://discord.com/developers/docs/resources/message#message-reference-types),
 * webhook messages and our own messages give no event. Edits are never listened to.
 */
import { type GuildMember, type Message, MessageReferenceType, MessageType } from 'discord.js';
import type { ChatEvent, ChatEventMeta, ReplyRef } from '../../src/core/chat-event.js';
import { NO_ROLE_IDS, type RoleIds, rolesOf } from './roles.js';

/** Message types that carry what a person wrote. */
const CHAT_TYPES: ReadonlySet<MessageType> = new Set([MessageType.Default, MessageType.Reply]);

/** `<@id>`, `<@!id>` (legacy nickname form), `<@&role>` and `<#channel>`: https://discord.com/developers/docs/reference#message-formatting */
const MENTION = /<(@!?|@&|#)(\d+)>/g;

/**
 * A `messageCreate` as a `message` event, or `undefined` when it must not trigger anything.
 *
 * @param botId the bot's own user id: its mention is stripped from the text and sets `mentionsBot`.
 * @param receivedAt ms since the epoch.
 * @param roleIds the configured moderator, vip and subscriber role ids (roles.ts).
 * @example normalizeMessage(message, client.user.id) // { id: 'discord:1234', text: 'hi', … }
 */
export function normalizeMessage(
  message: Message,
  botId: string,
  receivedAt = Date.now(),
  roleIds: RoleIds = NO_ROLE_IDS,
): ChatEvent | undefined {
  if (!CHAT_TYPES.has(message.type) || message.webhookId || message.author.id === botId) return undefined;
  if (message.reference?.type === MessageReferenceType.Forward || message.messageSnapshots.size > 0)
    return undefined;
  const { channel, author } = message;
  const thread = channel.isThread() ? channel : undefined;
  const direct = !message.inGuild();
  const member = message.member;
  const event: ChatEvent = {
    id: `discord:${message.id}`,
    platform: 'discord',
    type: 'message',
    communityId: message.guildId ? `discord:guild:${message.guildId}` : `discord:dm:${message.channelId}`,
    channelId: thread?.parentId ?? message.channelId,
    messageId: message.id,
    text: renderText(message, botId),
    user: {
      id: author.id,
      login: author.username,
      displayName: member?.displayName ?? author.displayName,
      isBot: author.bot,
      roles: rolesOf(member, roleIds),
    },
    isDirect: direct,
    mentionsBot: mentionsBot(message, botId),
    meta: mediaOf(message),
    receivedAt,
    raw: message,
  };
  if (thread) event.threadId = thread.id;
  const replyTo = replyOf(message, botId);
  if (replyTo) event.replyTo = replyTo;
  return event;
}

/**
 * A `guildMemberAdd` as a `member_join` event, to be greeted in the guild's system channel; none
 * when the guild has no system channel (there is nowhere to greet).
 */
export function normalizeMemberJoin(
  member: GuildMember,
  receivedAt = Date.now(),
  roleIds: RoleIds = NO_ROLE_IDS,
): ChatEvent | undefined {
  const channelId = member.guild.systemChannelId;
  if (!channelId) return undefined;
  const joinedAt = member.joinedTimestamp ?? receivedAt;
  return {
    id: `discord:member_join:${member.guild.id}:${member.id}:${joinedAt}`,
    platform: 'discord',
    type: 'member_join',
    communityId: `discord:guild:${member.guild.id}`,
    channelId,
    text: '',
    user: {
      id: member.id,
      login: member.user.username,
      displayName: member.displayName,
      isBot: member.user.bot,
      roles: rolesOf(member, roleIds),
    },
    isDirect: false,
    mentionsBot: false,
    meta: {},
    receivedAt,
    raw: member,
  };
}

/** The bot's user is among the mentions (not @everyone / @here), or its managed role is. */
function mentionsBot(message: Message, botId: string): boolean {
  if (message.mentions.users.has(botId)) return true;
  return message.mentions.roles.some((role) => role.tags?.botId === botId);
}

/** The message's text: the bot's own mention removed, other mentions as `@name` / `#name` where known. */
export function renderText(message: Message, botId: string): string {
  const text = message.content.replace(MENTION, (whole, kind: string, id: string) => {
    if (kind === '#') {
      const channel = message.guild?.channels.cache.get(id);
      return channel ? `#${channel.name}` : whole;
    }
    if (kind === '@&') {
      const role = message.guild?.roles.cache.get(id);
      if (role?.tags?.botId === botId) return '';
      return role ? `@${role.name}` : whole;
    }
    if (id === botId) return '';
    const name =
      message.mentions.members?.get(id)?.displayName ??
      message.mentions.users.get(id)?.displayName ??
      message.client.users.cache.get(id)?.displayName;
    return name ? `@${name}` : whole;
  });
  return text.replace(/[ \t]{2,}/g, ' ').trim();
}

/** The parent of a real reply (type Reply), with whether the bot wrote it. */
function replyOf(message: Message, botId: string): ReplyRef | undefined {
  const messageId = message.reference?.messageId;
  if (message.type !== MessageType.Reply || !messageId) return undefined;
  const parent = message.mentions.repliedUser ?? message.channel.messages.cache.get(messageId)?.author;
  return parent ? { messageId, userId: parent.id, isBot: parent.id === botId } : { messageId, isBot: false };
}

/** Counts of what the text does not show: attachments and stickers. */
function mediaOf(message: Message): ChatEventMeta {
  const meta: ChatEventMeta = {};
  if (message.attachments.size > 0) meta.attachments = message.attachments.size;
  if (message.stickers.size > 0) meta.stickers = message.stickers.size;
  return meta;
}
