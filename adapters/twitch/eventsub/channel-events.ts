/**
 * The channel events a broadcaster's grant opens, as ChatEvents (payloads per
 * https://dev.twitch.tv/docs/eventsub/eventsub-reference/):
 * - `channel.channel_points_custom_reward_redemption.add` (#channel-points-custom-reward-redemption-add-event)
 *   → `redemption`: the viewer's `user_input` is its text; `meta.rewardId`, `meta.rewardTitle`,
 *   `meta.userInput`, `meta.cost`; id `twitch:redemption:<redemption id>`;
 * - `channel.follow` v2 (#channel-follow-event) → `follow`;
 * - `channel.cheer` (#channel-cheer-event) → `cheer` with `meta.bits` (and `meta.anonymous`).
 * Follows and cheers carry no id of their own: theirs is `twitch:<notification message id>`, the
 * same on a redelivery. Events without a broadcaster or user are `undefined`.
 */
import type { ChatEvent, ChatEventMeta, ChatEventType } from '../../../src/core/chat-event.js';
import { type EventSubEvent, type EventSubNormalizeContext, numberOf, objectOf, text } from './normalize.js';

/** The subscription types this file normalizes. */
export const CHANNEL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'channel.channel_points_custom_reward_redemption.add',
  'channel.follow',
  'channel.cheer',
]);

/**
 * The ChatEvent of a channel event of `type`, or undefined (another type, or fields missing).
 * @param messageId the notification's `metadata.message_id` (the id of a follow or cheer).
 * @example
 * normalizeChannelEvent('channel.follow', 'msg-1', { user_id: '9', user_login: 'fan', user_name: 'Fan',
 *   broadcaster_user_id: '1', broadcaster_user_login: 'chan', followed_at: '…' }, context);
 * // { id: 'twitch:msg-1', type: 'follow', communityId: 'twitch:channel:1', channelId: 'chan', … }
 */
export function normalizeChannelEvent(
  type: string,
  messageId: string,
  event: EventSubEvent,
  context: EventSubNormalizeContext,
): ChatEvent | undefined {
  const roomId = text(event.broadcaster_user_id);
  const channelId = text(event.broadcaster_user_login)?.toLowerCase();
  if (!roomId || !channelId) return undefined;
  const anonymous = event.is_anonymous === true;
  const userId = text(event.user_id);
  if (!userId && !anonymous) return undefined;
  const meta: ChatEventMeta = {};
  let kind: ChatEventType;
  let id: string;
  let said = '';
  if (type === 'channel.channel_points_custom_reward_redemption.add') {
    const redemptionId = text(event.id);
    const reward = objectOf(event.reward);
    const rewardId = text(reward.id);
    const rewardTitle = text(reward.title);
    if (!redemptionId || !rewardId || !rewardTitle) return undefined;
    said = typeof event.user_input === 'string' ? event.user_input.trim() : '';
    kind = 'redemption';
    id = `twitch:redemption:${redemptionId}`;
    Object.assign(meta, { rewardId, rewardTitle, userInput: said });
    const cost = numberOf(reward.cost);
    if (cost !== undefined) meta.cost = cost;
  } else if (type === 'channel.follow' || type === 'channel.cheer') {
    if (messageId === '') return undefined;
    id = `twitch:${messageId}`;
    kind = type === 'channel.follow' ? 'follow' : 'cheer';
    if (kind === 'cheer') {
      const bits = numberOf(event.bits);
      if (bits === undefined || bits <= 0) return undefined;
      meta.bits = bits;
      if (anonymous) meta.anonymous = true;
      said = typeof event.message === 'string' ? event.message : '';
    }
  } else {
    return undefined;
  }
  const login = (text(event.user_login) ?? (anonymous ? 'ananonymouscheerer' : '')).toLowerCase();
  return {
    id,
    platform: 'twitch',
    type: kind,
    communityId: `twitch:channel:${roomId}`,
    channelId,
    text: said,
    user: {
      id: userId ?? login,
      login,
      displayName: text(event.user_name)?.trim() || login,
      isBot: login !== '' && (login === context.botLogin || context.knownBots.has(login)),
      // These events carry no badges; only the broadcaster is known by id.
      roles: userId === roomId ? ['broadcaster'] : [],
    },
    isDirect: false,
    mentionsBot: false,
    meta,
    receivedAt: context.now,
    raw: event,
  };
}

/**
 * A cheer arrives twice: as a chat message with `cheer.bits` (`channel.chat.message`) and as
 * `channel.cheer` (when the broadcaster granted `bits:read`), in either order. The first of a
 * pair (same channel, user and bits, one from each source, within `windowMs`) is answered, its
 * twin dropped; two cheers from the same source are two cheers.
 */
export class CheerPairs {
  /** `room|user|bits` → the unpaired cheers seen: their source and when, ms. */
  private readonly seen = new Map<string, Array<{ source: string; at: number }>>();

  constructor(private readonly windowMs = 60_000) {}

  /**
   * True for a cheer without a twin yet (and for any other event); false for the twin of one seen.
   * @param source the subscription type it came from.
   */
  admit(event: ChatEvent, source: string, now: number): boolean {
    if (event.type !== 'cheer') return true;
    for (const [key, list] of this.seen) {
      const fresh = list.filter((entry) => now - entry.at <= this.windowMs);
      if (fresh.length === 0) this.seen.delete(key);
      else this.seen.set(key, fresh);
    }
    const key = `${event.communityId}|${event.user.id}|${String(event.meta.bits)}`;
    const list = this.seen.get(key) ?? [];
    const twin = list.findIndex((entry) => entry.source !== source);
    if (twin >= 0) {
      list.splice(twin, 1);
      return false;
    }
    list.push({ source, at: now });
    this.seen.set(key, list);
    return true;
  }
}
