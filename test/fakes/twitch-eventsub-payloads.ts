/**
 * EventSub event payloads shaped like the examples of the EventSub reference, for the fake Helix
 * server and the normalization tests:
 * - `channel.chat.message`: https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-message-event
 *   (`/me` arrives as `message.text` wrapped in `\u0001ACTION …\u0001` with `message_type: 'text'`);
 * - `channel.chat.notification`: https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-notification-event
 *   (one object per `notice_type`: `sub`, `resub`, `sub_gift`, `community_sub_gift`, `raid` …, the
 *   others `null`).
 */

/** A broadcaster as the payloads name them. */
export interface Broadcaster {
  id: string;
  login: string;
  name?: string;
}

/** A chatter: id, login, display name and badges (`set_id` values, e.g. `moderator`). */
export interface Chatter {
  id: string;
  login: string;
  name?: string;
  badges?: string[];
}

function badgesOf(chatter: Chatter): Array<{ set_id: string; id: string; info: string }> {
  return (chatter.badges ?? []).map((setId) => ({
    set_id: setId,
    id: setId === 'subscriber' ? '12' : '1',
    info: setId === 'subscriber' ? '12' : '',
  }));
}

/** A `channel.chat.message` event. */
export function chatMessageEvent(
  broadcaster: Broadcaster,
  chatter: Chatter,
  messageId: string,
  text: string,
  extra: {
    reply?: { parentMessageId: string; parentUserId: string; parentUserLogin: string; parentBody?: string };
    bits?: number;
    messageType?: string;
    sourceBroadcasterId?: string;
  } = {},
): Record<string, unknown> {
  const reply = extra.reply;
  return {
    broadcaster_user_id: broadcaster.id,
    broadcaster_user_login: broadcaster.login,
    broadcaster_user_name: broadcaster.name ?? broadcaster.login,
    chatter_user_id: chatter.id,
    chatter_user_login: chatter.login,
    chatter_user_name: chatter.name ?? chatter.login,
    message_id: messageId,
    message: {
      text,
      fragments: [{ type: 'text', text, cheermote: null, emote: null, mention: null }],
    },
    color: '#00FF7F',
    badges: badgesOf(chatter),
    message_type: extra.messageType ?? 'text',
    cheer: extra.bits ? { bits: extra.bits } : null,
    reply: reply
      ? {
          parent_message_id: reply.parentMessageId,
          parent_message_body: reply.parentBody ?? 'an earlier message',
          parent_user_id: reply.parentUserId,
          parent_user_name: reply.parentUserLogin,
          parent_user_login: reply.parentUserLogin,
          thread_message_id: reply.parentMessageId,
          thread_user_id: reply.parentUserId,
          thread_user_name: reply.parentUserLogin,
          thread_user_login: reply.parentUserLogin,
        }
      : null,
    channel_points_custom_reward_id: null,
    source_broadcaster_user_id: extra.sourceBroadcasterId ?? null,
    source_broadcaster_user_login: null,
    source_broadcaster_user_name: null,
    source_message_id: null,
    source_badges: null,
    channel_points_animation_id: null,
  };
}

const NOTICE_OBJECTS = [
  'sub',
  'resub',
  'sub_gift',
  'community_sub_gift',
  'gift_paid_upgrade',
  'prime_paid_upgrade',
  'raid',
  'unraid',
  'pay_it_forward',
  'announcement',
  'bits_badge_tier',
  'charity_donation',
] as const;

/** A `channel.chat.notification` event of `noticeType`, with that notice's object. */
export function chatNotificationEvent(
  broadcaster: Broadcaster,
  chatter: Chatter & { anonymous?: boolean },
  messageId: string,
  noticeType: (typeof NOTICE_OBJECTS)[number],
  notice: Record<string, unknown>,
  text = '',
): Record<string, unknown> {
  const objects = Object.fromEntries(
    NOTICE_OBJECTS.map((name) => [name, name === noticeType ? notice : null]),
  );
  return {
    broadcaster_user_id: broadcaster.id,
    broadcaster_user_login: broadcaster.login,
    broadcaster_user_name: broadcaster.name ?? broadcaster.login,
    chatter_user_id: chatter.anonymous ? null : chatter.id,
    chatter_user_login: chatter.anonymous ? null : chatter.login,
    chatter_user_name: chatter.anonymous ? null : (chatter.name ?? chatter.login),
    chatter_is_anonymous: chatter.anonymous ?? false,
    color: '#0000FF',
    badges: badgesOf(chatter),
    system_message: `${chatter.name ?? chatter.login}: ${noticeType}`,
    message_id: messageId,
    message: {
      text,
      fragments: text ? [{ type: 'text', text, cheermote: null, emote: null, mention: null }] : [],
    },
    notice_type: noticeType,
    ...objects,
    source_broadcaster_user_id: null,
    source_broadcaster_user_login: null,
    source_broadcaster_user_name: null,
    source_message_id: null,
    source_badges: null,
  };
}

/** A raid notice's object (`raid`): the raider and how many viewers came along. */
export function raidNotice(raider: Chatter, viewers: number): Record<string, unknown> {
  return {
    user_id: raider.id,
    user_name: raider.name ?? raider.login,
    user_login: raider.login,
    viewer_count: viewers,
    profile_image_url: 'https://static-cdn.jtvnw.net/jtv_user_pictures/raider-profile_image-300x300.png',
  };
}

/**
 * A `channel.chat.message_delete` event: a moderator deleted `messageId` of `target`
 * (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-message-delete-event).
 */
export function messageDeleteEvent(
  broadcaster: Broadcaster,
  target: Chatter,
  messageId: string,
): Record<string, unknown> {
  return {
    broadcaster_user_id: broadcaster.id,
    broadcaster_user_login: broadcaster.login,
    broadcaster_user_name: broadcaster.name ?? broadcaster.login,
    target_user_id: target.id,
    target_user_login: target.login,
    target_user_name: target.name ?? target.login,
    message_id: messageId,
  };
}

/**
 * A `channel.ban` event: `user` banned for good, or timed out for `seconds`
 * (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-ban-event).
 */
export function banEvent(
  broadcaster: Broadcaster,
  user: Chatter,
  seconds?: number,
  bannedAt = new Date('2026-12-04T12:00:00Z'),
): Record<string, unknown> {
  return {
    user_id: user.id,
    user_login: user.login,
    user_name: user.name ?? user.login,
    broadcaster_user_id: broadcaster.id,
    broadcaster_user_login: broadcaster.login,
    broadcaster_user_name: broadcaster.name ?? broadcaster.login,
    moderator_user_id: '1339',
    moderator_user_login: 'mod_user',
    moderator_user_name: 'Mod_User',
    reason: 'Offensive language',
    banned_at: bannedAt.toISOString(),
    ends_at: seconds === undefined ? null : new Date(bannedAt.getTime() + seconds * 1000).toISOString(),
    is_permanent: seconds === undefined,
  };
}

/**
 * A `channel.chat.clear_user_messages` event: a moderator cleared all of `target`'s messages
 * (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-clear-user-messages-event).
 */
export function clearUserMessagesEvent(broadcaster: Broadcaster, target: Chatter): Record<string, unknown> {
  return {
    broadcaster_user_id: broadcaster.id,
    broadcaster_user_name: broadcaster.name ?? broadcaster.login,
    broadcaster_user_login: broadcaster.login,
    target_user_id: target.id,
    target_user_name: target.name ?? target.login,
    target_user_login: target.login,
  };
}

/**
 * A `channel.channel_points_custom_reward_redemption.add` event: `viewer` redeemed `reward` with
 * `input` (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-points-custom-reward-redemption-add-event).
 */
export function redemptionEvent(
  broadcaster: Broadcaster,
  viewer: Chatter,
  redemptionId: string,
  reward: { id: string; title: string; cost?: number; prompt?: string },
  input: string,
): Record<string, unknown> {
  return {
    id: redemptionId,
    broadcaster_user_id: broadcaster.id,
    broadcaster_user_login: broadcaster.login,
    broadcaster_user_name: broadcaster.name ?? broadcaster.login,
    user_id: viewer.id,
    user_login: viewer.login,
    user_name: viewer.name ?? viewer.login,
    user_input: input,
    status: 'unfulfilled',
    reward: {
      id: reward.id,
      title: reward.title,
      cost: reward.cost ?? 100,
      prompt: reward.prompt ?? 'reward prompt',
    },
    redeemed_at: '2026-12-04T12:00:03.17106713Z',
  };
}

/** A `channel.cheer` event (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-cheer-event). */
export function cheerEvent(
  broadcaster: Broadcaster,
  viewer: Chatter,
  bits: number,
  message: string,
): Record<string, unknown> {
  return {
    is_anonymous: false,
    user_id: viewer.id,
    user_login: viewer.login,
    user_name: viewer.name ?? viewer.login,
    broadcaster_user_id: broadcaster.id,
    broadcaster_user_login: broadcaster.login,
    broadcaster_user_name: broadcaster.name ?? broadcaster.login,
    message,
    bits,
  };
}

/** A `channel.follow` v2 event (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-follow-event). */
export function followEvent(broadcaster: Broadcaster, viewer: Chatter): Record<string, unknown> {
  return {
    user_id: viewer.id,
    user_login: viewer.login,
    user_name: viewer.name ?? viewer.login,
    broadcaster_user_id: broadcaster.id,
    broadcaster_user_login: broadcaster.login,
    broadcaster_user_name: broadcaster.name ?? broadcaster.login,
    followed_at: '2026-12-04T12:00:11.17106713Z',
  };
}
