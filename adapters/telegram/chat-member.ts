/**
 * A `chat_member` Update (someone else's membership changed; Telegram sends it only to a bot that
 * is an administrator of the chat and lists `chat_member` in `allowed_updates`):
 * https://core.telegram.org/bots/api#chatmemberupdated and https://core.telegram.org/bots/api#chatmember.
 * Read defensively: any Update yields a change or `undefined`, never throws.
 */
import type { PlatformModeration } from '../../src/core/adapter.js';

/** What a `chat_member` Update means to chatgate. */
export interface ChatMemberChange {
  chatId: string;
  /** Someone became or stopped being an administrator (or the creator): the cached list is stale. */
  adminsChanged: boolean;
  /**
   * A moderator's action: status `kicked`, or `restricted` without `can_send_messages`, is a `ban`
   * when its `until_date` is 0 (for good: a user muted for good is silenced like a banned one), a
   * `timeout` while it is ahead; none once it has passed.
   */
  moderation?: PlatformModeration;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const asId = (value: unknown): string | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value)
    ? String(value)
    : typeof value === 'string' && value !== ''
      ? value
      : undefined;

const ADMIN_STATUSES: ReadonlySet<unknown> = new Set(['creator', 'administrator']);

/**
 * Reads a `chat_member` Update; `undefined` for any other Update.
 * @param now ms since the epoch, to tell a timeout (an `until_date` ahead) from a ban.
 * @example
 * chatMemberChange({ update_id: 1, chat_member: { chat: { id: -100 }, old_chat_member: { status: 'member', user },
 *   new_chat_member: { status: 'kicked', user, until_date: 0 } } }, Date.now())
 * // { chatId: '-100', adminsChanged: false, moderation: { kind: 'ban', communityId: 'telegram:chat:-100', … } }
 */
export function chatMemberChange(update: unknown, now: number): ChatMemberChange | undefined {
  const changed = asObject(asObject(update)?.chat_member);
  const chatId = asId(asObject(changed?.chat)?.id);
  if (!changed || chatId === undefined) return undefined;
  const before = asObject(changed.old_chat_member);
  const after = asObject(changed.new_chat_member);
  const adminsChanged =
    before?.status !== after?.status &&
    (ADMIN_STATUSES.has(before?.status) || ADMIN_STATUSES.has(after?.status));
  const moderation = after ? moderationOf(after, chatId, now) : undefined;
  return { chatId, adminsChanged, ...(moderation ? { moderation } : {}) };
}

function moderationOf(member: Json, chatId: string, now: number): PlatformModeration | undefined {
  const silenced =
    member.status === 'kicked' || (member.status === 'restricted' && member.can_send_messages === false);
  const user = asObject(member.user);
  const userId = asId(user?.id);
  if (!silenced || userId === undefined) return undefined;
  const login = typeof user?.username === 'string' && user.username !== '' ? user.username : undefined;
  const who = {
    communityId: `telegram:chat:${chatId}`,
    channelId: chatId,
    userId,
    ...(login ? { login } : {}),
  };
  // until_date: Unix time, seconds; 0 (or absent) is forever; one already past is over.
  const until = typeof member.until_date === 'number' ? member.until_date * 1000 : 0;
  if (until === 0) return { kind: 'ban', ...who };
  return until > now ? { kind: 'timeout', ...who, durationMs: until - now } : undefined;
}
