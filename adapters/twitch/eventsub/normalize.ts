/**
 * EventSub events → ChatEvent, the same ChatEvent the IRC transport makes for the same message
 * (adapters/twitch/normalize.ts): ids, `communityId: twitch:channel:<broadcaster id>`, roles from
 * badges, the reply parent, cheer bits, `/me` (which EventSub delivers as `message.text` wrapped in
 * `\x01ACTION …\x01`, `message_type: 'text'`). Payloads:
 * https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-message-event and
 * https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-notification-event.
 */
import type {
  ChatEvent,
  ChatEventMeta,
  ChatEventType,
  ReplyRef,
  UserRole,
} from '../../../src/core/chat-event.js';
import { mentions } from '../normalize.js';

/** A JSON object from an EventSub payload; fields unknown until read. */
export type EventSubEvent = Readonly<Record<string, unknown>>;

/** What normalizing needs besides the event. */
export interface EventSubNormalizeContext {
  /** The bot's login, lower case. */
  botLogin: string;
  /** Logins (lower case) whose messages are marked `isBot`. */
  knownBots: ReadonlySet<string>;
  /** ms since the epoch. */
  now: number;
}

/**
 * `notice_type` values chatgate answers, and the type each becomes (as the USERNOTICE `msg-id`s do
 * on IRC: sub, resub, subgift, submysterygift, raid). Others (announcement, pay_it_forward …) are
 * not events chatgate answers.
 */
export const NOTICE_TYPES = {
  sub: 'subscription',
  resub: 'resub',
  sub_gift: 'subgift',
  community_sub_gift: 'submysterygift',
  raid: 'raid',
} as const satisfies Record<string, ChatEventType>;

/** The login Twitch uses for anonymous gifts on IRC (https://dev.twitch.tv/docs/chat/irc/#usernotice-tags). */
const ANONYMOUS_GIFTER = 'ananonymousgifter';

const CTCP = String.fromCharCode(1);
const ACTION_START = `${CTCP}ACTION `;
/** U+E0000 (optionally after a space): the invisible tag clients append to dodge msg_duplicate. */
const DUPLICATE_DODGE = / ?\u{E0000}/gu;

/**
 * A `channel.chat.message` event as a ChatEvent: `message`, or `cheer` when bits came with it.
 * Returns `undefined` when the event lacks the broadcaster or the message id.
 *
 * @example
 * normalizeChatMessage(notification.event, { botLogin: 'chatgatebot', knownBots: new Set(), now: Date.now() });
 */
export function normalizeChatMessage(
  event: EventSubEvent,
  context: EventSubNormalizeContext,
): ChatEvent | undefined {
  const roomId = text(event.broadcaster_user_id);
  const messageId = text(event.message_id);
  if (!roomId || !messageId) return undefined;
  const message = objectOf(event.message);
  const { plain, action } = plainText(text(message.text) ?? '');
  const replyTo = replyRef(objectOf(event.reply), context.botLogin);
  const bits = numberOf(objectOf(event.cheer).bits);
  const type: ChatEventType = bits !== undefined && bits > 0 ? 'cheer' : 'message';
  const meta: ChatEventMeta = {};
  if (action) meta.action = true;
  const sourceRoomId = text(event.source_broadcaster_user_id);
  if (sourceRoomId && sourceRoomId !== roomId) meta.sourceRoomId = sourceRoomId; // shared chat
  if (type === 'cheer' && bits !== undefined) meta.bits = bits;
  return {
    ...channelEvent(event, context, { messageId, roomId, type, plain, meta }),
    user: chatter(event, context),
    mentionsBot: (replyTo?.isBot ?? false) || mentions(plain, context.botLogin),
    ...(replyTo ? { replyTo } : {}),
  };
}

/**
 * A `channel.chat.notification` event as a ChatEvent (`subscription`, `resub`, `subgift`,
 * `submysterygift`, `raid`), or `undefined` for other notice types.
 */
export function normalizeChatNotification(
  event: EventSubEvent,
  context: EventSubNormalizeContext,
): ChatEvent | undefined {
  const noticeType = text(event.notice_type) ?? '';
  const type = (NOTICE_TYPES as Record<string, ChatEventType>)[noticeType];
  const roomId = text(event.broadcaster_user_id);
  const messageId = text(event.message_id);
  if (!type || !roomId || !messageId) return undefined;
  const details = objectOf(event[noticeType]);
  const meta: ChatEventMeta = {};
  const put = (key: string, value: string | number | undefined): void => {
    if (value !== undefined) meta[key] = value;
  };
  const anonymous = event.chatter_is_anonymous === true;
  if (anonymous && (type === 'subgift' || type === 'submysterygift')) meta.anonymous = true;
  const tier = details.is_prime === true ? 'Prime' : text(details.sub_tier);
  switch (type) {
    case 'subscription':
      // A new subscription is its first month; `duration_months` is how many were bought at once.
      put('months', 1);
      put('tier', tier);
      break;
    case 'resub':
      put('months', numberOf(details.cumulative_months));
      put('streakMonths', positive(numberOf(details.streak_months)));
      put('tier', tier);
      break;
    case 'subgift':
      put('recipient', text(details.recipient_user_name) ?? text(details.recipient_user_login));
      put('recipientId', text(details.recipient_user_id));
      put('giftMonths', numberOf(details.duration_months));
      put('tier', tier);
      break;
    case 'submysterygift':
      put('giftCount', numberOf(details.total));
      put('tier', tier);
      break;
    case 'raid':
      put('viewers', numberOf(details.viewer_count));
      break;
    default:
      break;
  }
  const { plain } = plainText(text(objectOf(event.message).text) ?? '');
  return {
    ...channelEvent(event, context, { messageId, roomId, type, plain, meta }),
    user: chatter(event, context, anonymous),
    mentionsBot: mentions(plain, context.botLogin),
  };
}

/**
 * The fields every chat-borne EventSub event shares as a ChatEvent (as the IRC path builds them):
 * ids from the Twitch `message_id` and broadcaster (`room-id`), the channel by its login, never
 * direct; the caller adds `user`, `mentionsBot` and any `replyTo`.
 */
function channelEvent(
  event: EventSubEvent,
  context: EventSubNormalizeContext,
  fields: { messageId: string; roomId: string; type: ChatEventType; plain: string; meta: ChatEventMeta },
): Omit<ChatEvent, 'user' | 'mentionsBot'> {
  return {
    id: `twitch:${fields.messageId}`,
    platform: 'twitch',
    type: fields.type,
    communityId: `twitch:channel:${fields.roomId}`,
    channelId: (text(event.broadcaster_user_login) ?? '').toLowerCase(),
    messageId: fields.messageId,
    text: fields.plain,
    isDirect: false,
    meta: fields.meta,
    receivedAt: context.now,
    raw: event,
  };
}

/**
 * The keys that tie a gift to its mass gift, in the IRC tag the mass-gift bundler reads
 * (`msg-param-community-gift-id`): a `community_sub_gift`'s `id`, a `sub_gift`'s `community_gift_id`.
 */
export function giftBundleTags(event: EventSubEvent): Record<string, string> {
  const noticeType = text(event.notice_type);
  const id =
    noticeType === 'community_sub_gift'
      ? text(objectOf(event.community_sub_gift).id)
      : noticeType === 'sub_gift'
        ? text(objectOf(event.sub_gift).community_gift_id)
        : undefined;
  return id ? { 'msg-param-community-gift-id': id } : {};
}

/** Whether the chatter's badges make them the channel's broadcaster or a moderator there. */
export function isModeratorByBadges(event: EventSubEvent): boolean {
  const badges = badgeSets(event.badges);
  return badges.has('moderator') || badges.has('broadcaster');
}

function chatter(
  event: EventSubEvent,
  context: EventSubNormalizeContext,
  anonymous = false,
): ChatEvent['user'] {
  const login = (text(event.chatter_user_login) ?? (anonymous ? ANONYMOUS_GIFTER : '')).toLowerCase();
  return {
    id: text(event.chatter_user_id) ?? login,
    login,
    displayName: text(event.chatter_user_name)?.trim() || login,
    isBot: login !== '' && (login === context.botLogin || context.knownBots.has(login)),
    roles: rolesOf(event.badges),
  };
}

function replyRef(reply: EventSubEvent, botLogin: string): ReplyRef | undefined {
  const messageId = text(reply.parent_message_id);
  if (!messageId) return undefined;
  const userId = text(reply.parent_user_id);
  const parentLogin = text(reply.parent_user_login)?.toLowerCase();
  return {
    messageId,
    ...(userId ? { userId } : {}),
    isBot: parentLogin !== undefined && parentLogin === botLogin,
  };
}

/** Roles from `badges` (`[{ set_id, id, info }]`), as IRC's badge tag gives them. */
function rolesOf(value: unknown): UserRole[] {
  const badges = badgeSets(value);
  const roles: UserRole[] = [];
  if (badges.has('broadcaster')) roles.push('broadcaster');
  if (badges.has('moderator')) roles.push('moderator');
  if (badges.has('vip')) roles.push('vip');
  if (badges.has('subscriber') || badges.has('founder')) roles.push('subscriber');
  return roles;
}

function badgeSets(value: unknown): Set<string> {
  if (!Array.isArray(value)) return new Set();
  return new Set(value.map((badge) => text(objectOf(badge).set_id)).filter((id): id is string => !!id));
}

function plainText(raw: string): { plain: string; action: boolean } {
  let plain = raw;
  let action = false;
  if (plain.startsWith(ACTION_START)) {
    plain = plain.slice(ACTION_START.length, plain.endsWith(CTCP) ? -1 : undefined);
    action = true;
  }
  return { plain: plain.replace(DUPLICATE_DODGE, ''), action };
}

/** `value` when it is a JSON object, else `{}`. */
export function objectOf(value: unknown): EventSubEvent {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as EventSubEvent) : {};
}

/** A non-empty string (a finite number as digits), else undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A finite number (or digits), else undefined. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}
