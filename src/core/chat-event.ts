/**
 * The normalized chat event: every platform event (a message, a sub, a raid …) becomes one of these
 * before the router sees it. All ids are strings, because Discord snowflakes overflow JS numbers.
 * See ../shared/DESIGN.md, "ChatEvent".
 */

/** Where an event came from. `api` and `web` are events posted to our HTTP API. */
export const PLATFORMS = ['twitch', 'telegram', 'discord', 'api', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];

/**
 * Stream events: `subscription`, `resub`, `subgift`, `submysterygift`, `raid` and `cheer` follow
 * Twitch's USERNOTICE `msg-id` values; `follow` is a new follower; `redemption` a viewer redeemed a
 * channel-point reward (`meta.rewardId`, `meta.rewardTitle`, `meta.userInput`; the input is also
 * its `text`). Each is also a trigger kind.
 */
export const STREAM_EVENT_TYPES = [
  'subscription',
  'resub',
  'subgift',
  'submysterygift',
  'raid',
  'cheer',
  'follow',
  'redemption',
] as const;
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

/** What happened: a chat message, a stream event, or a join (`member_join`: a Telegram/Discord member joining). */
export const CHAT_EVENT_TYPES = ['message', ...STREAM_EVENT_TYPES, 'join', 'member_join'] as const;
export type ChatEventType = (typeof CHAT_EVENT_TYPES)[number];

export const USER_ROLES = ['broadcaster', 'moderator', 'vip', 'subscriber', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** The author of an event, as the platform names them. */
export interface ChatUser {
  /** Platform user id (Twitch `user-id`, Telegram `from.id`, Discord author id), as a string. */
  id: string;
  /** Login or username (lower case on Twitch); may be '' when the platform has none. */
  login: string;
  /** The name shown in chat; falls back to `login`. */
  displayName: string;
  /** True for bots (including ourselves); the router ignores bots unless they address us. */
  isBot: boolean;
  roles: UserRole[];
}

/** The message an event replies to, when it is a reply. */
export interface ReplyRef {
  messageId: string;
  userId?: string;
  /** True when the parent message was written by this bot. */
  isBot: boolean;
}

/** Event facts for stream events: months, viewers, bits, tier, recipient, giftCount, action … */
export type ChatEventMeta = Record<string, string | number | boolean>;

export interface ChatEvent {
  /** `platform:messageId` (or a derived id for events without one); the dedupe key. */
  id: string;
  platform: Platform;
  type: ChatEventType;
  /** `twitch:channel:<room-id>`, `telegram:chat:<chat.id>`, `discord:guild:<guild_id>`, `api:<name>` … */
  communityId: string;
  /** The room the reply goes to: Twitch channel login, Telegram chat id, Discord channel id. */
  channelId: string;
  threadId?: string;
  messageId?: string;
  /** Plain text as the user typed it; '' for events without text. */
  text: string;
  user: ChatUser;
  /** A private conversation with the bot (Telegram private chat, Discord DM). */
  isDirect: boolean;
  /** The text addresses the bot (@handle, name as a word) or replies to it. */
  mentionsBot: boolean;
  replyTo?: ReplyRef;
  meta: ChatEventMeta;
  /** When we received it, in ms since the epoch. */
  receivedAt: number;
  /** The platform payload; an escape hatch for adapters. Never logged, never serialized out. */
  raw?: unknown;
}

/**
 * The key of one conversation: replies within it are produced one at a time, in order, and its
 * context (last turns) is kept together. Shape: `community|channel|user`.
 */
export function conversationKey(event: Pick<ChatEvent, 'communityId' | 'channelId' | 'user'>): string {
  return `${event.communityId}|${event.channelId}|${event.user.id}`;
}

/** The event without its raw payload: what may be stored, listed or serialized. */
export function withoutRaw(event: ChatEvent): Omit<ChatEvent, 'raw'> {
  const { raw: _raw, ...rest } = event;
  return rest;
}
