/**
 * Twitch moderation lines → `PlatformModeration`. tmi.js 1.8.5 (lib/client.js, `handleMessage`)
 * turns a `CLEARCHAT` that names a user into `ban` (no `ban-duration` tag) or `timeout`, and a
 * `CLEARMSG` into `messagedeleted`; a `CLEARCHAT` without a user (the whole chat cleared) is
 * `clearchat`, which is not about anyone and is not reported.
 * Line formats and tags: https://dev.twitch.tv/docs/chat/irc/#clearchat-command and
 * https://dev.twitch.tv/docs/chat/irc/#clearmsg-command (`ban-duration` in seconds, `target-user-id`,
 * `room-id`; CLEARMSG carries `login` and `target-msg-id` but no user id).
 */
import type { PlatformModeration } from '../../src/core/adapter.js';
import { channelLogin, type TmiTags, tagNumber, tagString } from './tags.js';

/** The tmi.js events that report a moderator's action. */
export type TmiModerationEvent = 'ban' | 'timeout' | 'messagedeleted';

/** One moderation event as tmi.js emitted it. */
export interface TwitchModerationLine {
  event: TmiModerationEvent;
  /** `#login`, as tmi.js gives it. */
  channel: string;
  /** The login the action is about (CLEARCHAT's trailing parameter, CLEARMSG's `login` tag). */
  login: string | null;
  tags: TmiTags;
}

/**
 * The action a moderation line reports, or `undefined` when it cannot be placed: no room id (in
 * the tags nor learned from ROOMSTATE), no target user id (a ban or timeout), no `target-msg-id`
 * (a deletion), or a timeout without a positive `ban-duration`.
 *
 * @param roomIdOf the room id learned from ROOMSTATE for a channel login: CLEARMSG's `room-id` may
 *   be empty (Twitch's own example shows it so).
 * @example
 * twitchModeration({ event: 'timeout', channel: '#dallas', login: 'ronni',
 *   tags: { 'ban-duration': '350', 'room-id': '12345678', 'target-user-id': '87654321' } }, () => undefined)
 * // { kind: 'timeout', communityId: 'twitch:channel:12345678', channelId: 'dallas',
 * //   userId: '87654321', login: 'ronni', durationMs: 350000 }
 */
export function twitchModeration(
  line: TwitchModerationLine,
  roomIdOf: (channelLogin: string) => string | undefined,
): PlatformModeration | undefined {
  const { tags } = line;
  const channelId = channelLogin(line.channel);
  const roomId = tagString(tags, 'room-id') ?? roomIdOf(channelId);
  if (!roomId) return undefined;
  const communityId = `twitch:channel:${roomId}`;
  const login = line.login?.toLowerCase() || undefined;
  if (line.event === 'messagedeleted') {
    const messageId = tagString(tags, 'target-msg-id');
    return messageId ? { kind: 'message_deleted', communityId, channelId, messageId } : undefined;
  }
  const userId = tagString(tags, 'target-user-id');
  if (!userId) return undefined;
  const who = { communityId, channelId, userId, ...(login ? { login } : {}) };
  if (line.event === 'ban') return { kind: 'ban', ...who };
  const seconds = tagNumber(tags, 'ban-duration');
  if (seconds === undefined || seconds <= 0) return undefined;
  return { kind: 'timeout', ...who, durationMs: seconds * 1000 };
}
