/**
 * EventSub moderation events → `PlatformModeration`, as the IRC transport reports CLEARMSG and
 * CLEARCHAT (adapters/twitch/moderation.ts):
 * - `channel.chat.message_delete` (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-message-delete-event):
 *   a moderator deleted one message → `message_deleted`;
 * - `channel.ban` (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-ban-event): a
 *   ban (`is_permanent`) or a timeout, whose length is `ends_at` − `banned_at` → `ban` / `timeout`;
 * - `channel.chat.clear_user_messages` (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-clear-user-messages-event):
 *   a moderator cleared all of one user's messages (Twitch does so on a ban or timeout; the event
 *   says neither which nor how long) → `timeout` of 0 ms: the user's waiting interactions end,
 *   their context and chatter lines go, and nothing is held against them afterwards (a ban or
 *   timeout comes as its own `channel.ban` where the bot may read it).
 * Anything it cannot place (no broadcaster, no target, a timeout without a positive length) is
 * `undefined`.
 */
import type { PlatformModeration } from '../../../src/core/adapter.js';
import type { EventSubEvent } from './normalize.js';

/** The subscription types whose events are moderation actions. */
export const MODERATION_TYPES: ReadonlySet<string> = new Set([
  'channel.chat.message_delete',
  'channel.chat.clear_user_messages',
  'channel.ban',
]);

/**
 * The action an EventSub moderation event reports.
 *
 * @example
 * eventSubModeration('channel.ban', { broadcaster_user_id: '1', broadcaster_user_login: 'chan',
 *   user_id: '9', user_login: 'troll', is_permanent: false,
 *   banned_at: '2026-01-01T00:00:00Z', ends_at: '2026-01-01T00:10:00Z' });
 * // { kind: 'timeout', communityId: 'twitch:channel:1', channelId: 'chan', userId: '9', login: 'troll', durationMs: 600000 }
 */
export function eventSubModeration(type: string, event: EventSubEvent): PlatformModeration | undefined {
  const roomId = text(event.broadcaster_user_id);
  const channelId = text(event.broadcaster_user_login)?.toLowerCase();
  if (!roomId || !channelId) return undefined;
  const communityId = `twitch:channel:${roomId}`;
  if (type === 'channel.chat.message_delete') {
    const messageId = text(event.message_id);
    const userId = text(event.target_user_id);
    if (!messageId) return undefined;
    return { kind: 'message_deleted', communityId, channelId, messageId, ...(userId ? { userId } : {}) };
  }
  if (type === 'channel.chat.clear_user_messages') {
    const userId = text(event.target_user_id);
    if (!userId) return undefined;
    const login = text(event.target_user_login)?.toLowerCase();
    return { kind: 'timeout', communityId, channelId, userId, ...(login ? { login } : {}), durationMs: 0 };
  }
  if (type !== 'channel.ban') return undefined;
  const userId = text(event.user_id);
  if (!userId) return undefined;
  const login = text(event.user_login)?.toLowerCase();
  const who = { communityId, channelId, userId, ...(login ? { login } : {}) };
  if (event.is_permanent === true) return { kind: 'ban', ...who };
  const durationMs = Date.parse(String(event.ends_at)) - Date.parse(String(event.banned_at));
  if (!Number.isFinite(durationMs) || durationMs <= 0) return undefined;
  return { kind: 'timeout', ...who, durationMs };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
