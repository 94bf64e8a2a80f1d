/**
 * Telegram Bot API `Update` → `ChatEvent[]`. Reads the payload defensively (it arrives as JSON from
 * the network), so any Update, however odd, yields events or nothing and never throws.
 * Field meanings: https://core.telegram.org/bots/api#update and https://core.telegram.org/bots/api#message
 */
import type { ChatEvent, ChatEventMeta, ChatUser, ReplyRef } from '../../src/core/chat-event.js';

/** Who the bot is, as `getMe` said; both unknown until the first connection. */
export interface BotIdentity {
  /** The bot's user id, as a string. */
  id?: string;
  /** The bot's username, without `@`. */
  username?: string;
}

/** What normalization needs besides the Update. */
export interface NormalizeContext {
  bot: BotIdentity;
  /** When the Update arrived, ms since the epoch. */
  receivedAt: number;
}

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asId = (value: unknown): string | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value)
    ? String(value)
    : typeof value === 'string' && value !== ''
      ? value
      : undefined;

/**
 * The events of one Update: a `message` or `channel_post` with `text` or `caption` becomes a
 * `message`; `new_chat_members` becomes one `member_join` per member who is not a bot. Everything
 * else (edits, callback queries, `chat_member`, `my_chat_member`, service messages, media without a
 * caption) yields no event.
 * @example normalizeUpdate(update, { bot: { username: 'chatgate_bot' }, receivedAt: Date.now() })
 */
export function normalizeUpdate(update: unknown, context: NormalizeContext): ChatEvent[] {
  const u = asObject(update);
  const message = asObject(u?.message) ?? asObject(u?.channel_post);
  if (!u || !message) return [];
  const chat = asObject(message.chat);
  const chatId = asId(chat?.id);
  const messageId = asId(message.message_id);
  if (!chat || chatId === undefined || messageId === undefined) return [];

  const base = {
    platform: 'telegram' as const,
    communityId: `telegram:chat:${chatId}`,
    channelId: chatId,
    messageId,
    threadId: topicOf(message),
    receivedAt: context.receivedAt,
    raw: update,
  };
  const chatType = asString(chat.type) ?? 'unknown';

  const members = Array.isArray(message.new_chat_members) ? message.new_chat_members : undefined;
  if (members) {
    const adder = asId(asObject(message.from)?.id);
    return members.flatMap((member): ChatEvent[] => {
      const user = userOf(asObject(member));
      if (!user || user.isBot) return [];
      const meta: ChatEventMeta = { chatType };
      if (adder !== undefined && adder !== user.id) meta.addedBy = adder;
      return [
        {
          ...base,
          id: `telegram:${chatId}:${messageId}:${user.id}`,
          type: 'member_join',
          text: '',
          user,
          isDirect: false,
          mentionsBot: false,
          meta,
        },
      ];
    });
  }

  const text = asString(message.text) ?? asString(message.caption);
  if (text === undefined || text === '') return [];
  const entities = message.text !== undefined ? message.entities : message.caption_entities;
  const isDirect = chatType === 'private';
  const user = senderOf(message, chatId) ?? {
    id: chatId,
    login: '',
    displayName: '',
    isBot: false,
    roles: [],
  };
  return [
    {
      ...base,
      id: `telegram:${chatId}:${messageId}`,
      type: 'message',
      text,
      user,
      isDirect,
      mentionsBot: isDirect || entitiesMention(text, entities, context.bot),
      replyTo: replyOf(message, context.bot),
      meta: { chatType },
    },
  ];
}

/** The forum topic of a message: `message_thread_id` when `is_topic_message` is set, else none. */
function topicOf(message: Json): string | undefined {
  return message.is_topic_message === true ? asId(message.message_thread_id) : undefined;
}

/** A Telegram `User` as our user: display name is first + last name, else the username. */
function userOf(from: Json | undefined): ChatUser | undefined {
  const id = asId(from?.id);
  if (!from || id === undefined) return undefined;
  const login = asString(from.username) ?? '';
  const name = [asString(from.first_name), asString(from.last_name)].filter(Boolean).join(' ').trim();
  return { id, login, displayName: name || login || id, isBot: from.is_bot === true, roles: [] };
}

/**
 * The author: `sender_chat` when the message was sent on behalf of a chat (a channel post, an
 * anonymous group admin, a linked channel), else `from`. A chat speaking as itself is an admin.
 */
function senderOf(message: Json, chatId: string): ChatUser | undefined {
  const senderChat = asObject(message.sender_chat);
  const senderId = asId(senderChat?.id);
  if (senderChat && senderId !== undefined) {
    const login = asString(senderChat.username) ?? '';
    return {
      id: senderId,
      login,
      displayName: asString(senderChat.title) ?? (login || senderId),
      isBot: false,
      roles: senderId === chatId ? ['admin'] : [],
    };
  }
  return userOf(asObject(message.from));
}

/** Whether a user is this bot: by id when known, else a bot with our username. */
function isOurBot(user: Json | undefined, bot: BotIdentity): boolean {
  if (user?.is_bot !== true) return false;
  if (bot.id !== undefined) return asId(user.id) === bot.id;
  const username = asString(user.username);
  return bot.username !== undefined && username?.toLowerCase() === bot.username.toLowerCase();
}

/**
 * The replied-to message. In a forum topic, Telegram sets `reply_to_message` to the topic's first
 * (service) message on every message that is not a real reply; that one is not a reply.
 */
function replyOf(message: Json, bot: BotIdentity): ReplyRef | undefined {
  const parent = asObject(message.reply_to_message);
  const messageId = asId(parent?.message_id);
  if (!parent || messageId === undefined) return undefined;
  if (message.is_topic_message === true && messageId === asId(message.message_thread_id)) return undefined;
  const from = asObject(parent.from);
  const userId = asId(asObject(parent.sender_chat)?.id) ?? asId(from?.id);
  return { messageId, ...(userId !== undefined ? { userId } : {}), isBot: isOurBot(from, bot) };
}

/**
 * Whether the entities address the bot: a `mention` that is `@<bot>` (case-insensitive), a
 * `bot_command` ending in `@<bot>`, or a `text_mention` of the bot's id. Offsets and lengths are in
 * UTF-16 code units (https://core.telegram.org/bots/api#messageentity), as JS string indices are,
 * so slicing the text directly is exact.
 */
export function entitiesMention(text: string, entities: unknown, bot: BotIdentity): boolean {
  if (!Array.isArray(entities)) return false;
  const handle = bot.username ? `@${bot.username.toLowerCase()}` : undefined;
  return entities.some((value) => {
    const entity = asObject(value);
    const offset = entity?.offset;
    const length = entity?.length;
    if (!entity || typeof offset !== 'number' || typeof length !== 'number') return false;
    if (entity.type === 'text_mention')
      return bot.id !== undefined && asId(asObject(entity.user)?.id) === bot.id;
    if (handle === undefined) return false;
    const part = text.slice(offset, offset + length).toLowerCase();
    if (entity.type === 'mention') return part === handle;
    return entity.type === 'bot_command' && part.endsWith(handle);
  });
}

/** A change of the bot's own membership (`my_chat_member`), for the log; undefined for other Updates. */
export interface MembershipChange {
  chatId: string;
  chatType: string;
  /** `added` (now a member or admin), `removed` (left or kicked) or `changed` (any other move). */
  change: 'added' | 'removed' | 'changed';
  status: string;
}

const PRESENT = new Set(['creator', 'administrator', 'member', 'restricted']);

/** Reads a `my_chat_member` Update (https://core.telegram.org/bots/api#chatmemberupdated). */
export function membershipChange(update: unknown): MembershipChange | undefined {
  const changed = asObject(asObject(update)?.my_chat_member);
  const chat = asObject(changed?.chat);
  const chatId = asId(chat?.id);
  if (!changed || !chat || chatId === undefined) return undefined;
  const before = asString(asObject(changed.old_chat_member)?.status) ?? 'left';
  const status = asString(asObject(changed.new_chat_member)?.status) ?? 'left';
  const change =
    PRESENT.has(status) && !PRESENT.has(before)
      ? 'added'
      : !PRESENT.has(status) && PRESENT.has(before)
        ? 'removed'
        : 'changed';
  return { chatId, chatType: asString(chat.type) ?? 'unknown', change, status };
}
