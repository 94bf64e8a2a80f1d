/**
 * tmi.js events → ChatEvent. One pure function: what tmi.js emitted (event name, channel, tags,
 * text, the raw line) in, the normalized event out, or `undefined` for anything that is not a chat
 * message or one of the stream events chatgate answers. Tag meanings:
 * https://dev.twitch.tv/docs/chat/irc/#privmsg-tags and https://dev.twitch.tv/docs/chat/irc/#usernotice-tags.
 */
import { createHash } from 'node:crypto';
import type {
  ChatEvent,
  ChatEventMeta,
  ChatEventType,
  ReplyRef,
  UserRole,
} from '../../src/core/chat-event.js';
import { badgeNames, channelLogin, type TmiTags, tagFlag, tagNumber, tagString } from './tags.js';

/** The tmi.js 1.8.5 events that can become a ChatEvent, and the type each becomes. */
export const TMI_EVENT_TYPES = {
  message: 'message',
  cheer: 'cheer',
  subscription: 'subscription',
  resub: 'resub',
  subgift: 'subgift',
  anonsubgift: 'subgift',
  submysterygift: 'submysterygift',
  anonsubmysterygift: 'submysterygift',
  raided: 'raid',
} as const satisfies Record<string, ChatEventType>;

export type TmiEventName = keyof typeof TMI_EVENT_TYPES;

/** One event as tmi.js emitted it. */
export interface TwitchInbound {
  event: TmiEventName;
  /** `#login`, as tmi.js gives it. */
  channel: string;
  /** The tags (tmi.js `userstate`). */
  tags: TmiTags;
  /** The message text (ACTION already unwrapped by tmi.js for PRIVMSG); `null` when there is none. */
  text: string | null;
  /** The IRC line it came from, when known: the raw payload and the seed of derived ids. */
  rawLine?: string;
}

/** What normalizing needs to know besides the event. */
export interface NormalizeContext {
  /** The bot's login, lower case. */
  botLogin: string;
  /** Logins (lower case) whose messages are marked `isBot`. */
  knownBots: ReadonlySet<string>;
  /** The room id learned from ROOMSTATE, for lines that lack the `room-id` tag. */
  roomIdOf(channelLogin: string): string | undefined;
  /** ms since the epoch. */
  now: number;
}

/** The login Twitch uses for anonymous gifts (https://dev.twitch.tv/docs/chat/irc/#usernotice-tags). */
const ANONYMOUS_GIFTER = 'ananonymousgifter';

/** CTCP ACTION (`/me`) wrapping, `\x01ACTION text\x01`, which tmi.js leaves on USERNOTICE messages. */
const CTCP = String.fromCharCode(1);
const ACTION_START = `${CTCP}ACTION `;

/** U+E0000 (optionally after a space): the invisible tag clients append to dodge msg_duplicate. */
const DUPLICATE_DODGE = / ?\u{E0000}/gu;

/**
 * Normalizes one tmi.js event. Returns `undefined` for whispers and when no room id is known.
 *
 * @example
 * normalizeTwitchEvent({ event: 'message', channel: '#xqcow', tags, text: 'hi' },
 *   { botLogin: 'chatgatebot', knownBots: new Set(), roomIdOf: () => undefined, now: Date.now() });
 */
export function normalizeTwitchEvent(
  inbound: TwitchInbound,
  context: NormalizeContext,
): ChatEvent | undefined {
  const { tags } = inbound;
  if (inbound.event === 'message' && tags['message-type'] === 'whisper') return undefined;
  const channelId = channelLogin(inbound.channel);
  const roomId = tagString(tags, 'room-id') ?? context.roomIdOf(channelId);
  if (!roomId) return undefined;

  const { text, action } = plainText(inbound);
  const login = (tagString(tags, 'login') ?? tagString(tags, 'username') ?? '').toLowerCase();
  const idTag = tagString(tags, 'id');
  const replyTo = replyRef(tags, context.botLogin);
  const type = TMI_EVENT_TYPES[inbound.event];
  return {
    id: `twitch:${idTag ?? derivedId(inbound)}`,
    platform: 'twitch',
    type,
    communityId: `twitch:channel:${roomId}`,
    channelId,
    ...(idTag ? { messageId: idTag } : {}),
    text,
    user: {
      // Lines from before 2019 carry no user-id; the login is the only stable key then.
      id: tagString(tags, 'user-id') ?? login,
      login,
      displayName: tagString(tags, 'display-name')?.trim() || login,
      isBot: login !== '' && (login === context.botLogin || context.knownBots.has(login)),
      roles: rolesOf(tags),
    },
    isDirect: false,
    mentionsBot: (replyTo?.isBot ?? false) || mentions(text, context.botLogin),
    ...(replyTo ? { replyTo } : {}),
    meta: metaOf(inbound, type, action, login, roomId),
    receivedAt: context.now,
    raw: { line: inbound.rawLine, tags },
  };
}

/** True when `text` names the bot as a word, with or without `@` ("@ChatGateBot hi", "chatgatebot?"). */
export function mentions(text: string, botLogin: string): boolean {
  if (botLogin === '') return false;
  const name = botLogin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[^\\p{L}\\p{N}_])@?${name}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}

function plainText(inbound: TwitchInbound): { text: string; action: boolean } {
  let text = inbound.text ?? '';
  let action = inbound.tags['message-type'] === 'action';
  if (text.startsWith(ACTION_START)) {
    text = text.slice(ACTION_START.length, text.endsWith(CTCP) ? -1 : undefined);
    action = true;
  }
  return { text: text.replace(DUPLICATE_DODGE, ''), action };
}

function replyRef(tags: TmiTags, botLogin: string): ReplyRef | undefined {
  const messageId = tagString(tags, 'reply-parent-msg-id');
  if (!messageId) return undefined;
  const userId = tagString(tags, 'reply-parent-user-id');
  const parentLogin = tagString(tags, 'reply-parent-user-login')?.toLowerCase();
  return {
    messageId,
    ...(userId ? { userId } : {}),
    isBot: parentLogin !== undefined && parentLogin === botLogin,
  };
}

/** Roles from the badges, and from the `mod`/`vip`/`subscriber` flags when badges are hidden. */
function rolesOf(tags: TmiTags): UserRole[] {
  const badges = badgeNames(tags.badges);
  const roles: UserRole[] = [];
  if (badges.has('broadcaster')) roles.push('broadcaster');
  if (badges.has('moderator') || tagFlag(tags, 'mod')) roles.push('moderator');
  if (badges.has('vip') || tagFlag(tags, 'vip')) roles.push('vip');
  if (badges.has('subscriber') || badges.has('founder') || tagFlag(tags, 'subscriber'))
    roles.push('subscriber');
  return roles;
}

function metaOf(
  inbound: TwitchInbound,
  type: ChatEventType,
  action: boolean,
  login: string,
  roomId: string,
): ChatEventMeta {
  const { tags } = inbound;
  const meta: ChatEventMeta = {};
  const put = (key: string, value: string | number | boolean | undefined): void => {
    if (value !== undefined) meta[key] = value;
  };
  if (action) meta.action = true;
  if (tagFlag(tags, 'first-msg')) meta.firstMessage = true;
  const sourceRoomId = tagString(tags, 'source-room-id');
  if (sourceRoomId && sourceRoomId !== roomId) meta.sourceRoomId = sourceRoomId; // shared chat
  if (inbound.event.startsWith('anon') || login === ANONYMOUS_GIFTER) {
    if (type === 'subgift' || type === 'submysterygift') meta.anonymous = true;
  }
  switch (type) {
    case 'cheer':
      put('bits', tagNumber(tags, 'bits'));
      break;
    case 'subscription':
    case 'resub':
      put('months', tagNumber(tags, 'msg-param-cumulative-months') ?? tagNumber(tags, 'msg-param-months'));
      put('streakMonths', positive(tagNumber(tags, 'msg-param-streak-months')));
      put('tier', tagString(tags, 'msg-param-sub-plan'));
      break;
    case 'subgift':
      put(
        'recipient',
        tagString(tags, 'msg-param-recipient-display-name') ??
          tagString(tags, 'msg-param-recipient-user-name'),
      );
      put('recipientId', tagString(tags, 'msg-param-recipient-id'));
      put('giftMonths', tagNumber(tags, 'msg-param-gift-months'));
      put('tier', tagString(tags, 'msg-param-sub-plan'));
      break;
    case 'submysterygift':
      put('giftCount', tagNumber(tags, 'msg-param-mass-gift-count'));
      put('tier', tagString(tags, 'msg-param-sub-plan'));
      break;
    case 'raid':
      put('viewers', tagNumber(tags, 'msg-param-viewerCount'));
      break;
    default:
      break;
  }
  return meta;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}

/**
 * An id for lines without an `id` tag (old captures): a hash of the raw line, so that the same line
 * seen twice dedupes, or of its parts when the line is unknown.
 */
function derivedId(inbound: TwitchInbound): string {
  const seed =
    inbound.rawLine ??
    JSON.stringify([inbound.event, inbound.channel, tagString(inbound.tags, 'username'), inbound.text]);
  return `derived:${createHash('sha256').update(seed).digest('hex').slice(0, 24)}`;
}
