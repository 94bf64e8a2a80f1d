/**
 * The fake Twitch's EventSub subscriptions, as Create EventSub Subscription
 * (https://dev.twitch.tv/docs/api/reference/#create-eventsub-subscription) handles them:
 * - WebSocket transport: a user token only (400 otherwise), on a session that is open (400) and
 *   holds no other user's subscriptions (400: one user per session, as twurple and Twitch4J open
 *   one socket per user), the bot's token with the type's scope and the bot as `user_id` (403); a
 *   broadcaster's type (redemptions, cheers, follows v2) with that broadcaster's own token and
 *   scope (`moderator_user_id` = the broadcaster for follows) (403); not existing yet (409);
 *   answered 202 `enabled`;
 * - webhook transport: the app token only, a secret of 10–100 characters, the bot's `user:bot` and
 *   the type's scope and the channel's `channel:bot`, or for a broadcaster's type the scope the
 *   broadcaster granted the app (403); answered 202 `webhook_callback_verification_pending`, then
 *   verified by a POST to the callback (enabled, or removed when the challenge does not come back).
 * Scopes per type: https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/.
 */
import { randomUUID } from 'node:crypto';
import type { FakeWebhookPoster, WebhookTarget } from './twitch-eventsub-webhook.js';

/** A subscription on a WebSocket session (`sessionId`) or to a webhook (`callback`). */
export interface FakeSubscription {
  id: string;
  type: string;
  version: string;
  condition: Record<string, string>;
  sessionId: string;
  method: 'websocket' | 'webhook';
  callback?: string;
  secret?: string;
  status: 'enabled' | 'webhook_callback_verification_pending';
  /** Whose user token made it (WebSocket). */
  userId?: string;
}

/** What the checks need to know of the fake's state. */
export interface SubscriptionRules {
  botId: string;
  /** The scopes of the bot's user token. */
  scopes: readonly string[];
  /** Whether the channel granted `channel:bot` (the app may act there). */
  appMayChat: boolean;
  /** Whether the bot moderates the channels (a moderator's token may subscribe to `channel.ban`). */
  botModerates: boolean;
  /** The scopes a broadcaster granted this app (authorization code or refresh token), if any. */
  grantedScopes(userId: string): readonly string[] | undefined;
  sessionOpen(sessionId: string): boolean;
}

/** An answer to the Helix call: status and JSON body. */
export interface SubscriptionAnswer {
  status: number;
  payload: unknown;
}

/** The scope each subscription type needs of the bot's user token. */
const SCOPES: Record<string, string> = {
  'channel.chat.message': 'user:read:chat',
  'channel.chat.notification': 'user:read:chat',
  'channel.chat.message_delete': 'user:read:chat',
  'channel.chat.clear_user_messages': 'user:read:chat',
  'channel.ban': 'channel:moderate',
  'channel.channel_points_custom_reward_redemption.add': 'channel:read:redemptions',
  'channel.cheer': 'bits:read',
  'channel.follow': 'moderator:read:followers',
};
/** Types only the broadcaster's own grant opens (follows: a moderator's, the broadcaster being one). */
const CHANNEL_TYPES = new Set([
  'channel.channel_points_custom_reward_redemption.add',
  'channel.cheer',
  'channel.follow',
]);
/**
 * Types whose condition names only the broadcaster: Twitch accepts them from the broadcaster's or
 * a moderator's token (over WebSocket), or for an app the broadcaster authorized (webhooks).
 */
const BROADCASTER_TYPES = new Set(['channel.ban']);

const error = (status: number, name: string, message: string): SubscriptionAnswer => ({
  status,
  payload: { error: name, status, message },
});

/** The subscriptions the fake holds; see the file comment. */
export class FakeSubscriptions {
  readonly list: FakeSubscription[] = [];

  constructor(
    private readonly rules: SubscriptionRules,
    private readonly webhooks: FakeWebhookPoster,
  ) {}

  /**
   * Create EventSub Subscription with a `user` (whose id is `userId`) or `app` token and the
   * request's JSON body.
   */
  create(kind: 'user' | 'app', body: Record<string, unknown> | undefined, userId = ''): SubscriptionAnswer {
    const type = typeof body?.type === 'string' ? body.type : '';
    const version = typeof body?.version === 'string' ? body.version : '';
    const condition = (body?.condition ?? {}) as Record<string, string>;
    const transport = (body?.transport ?? {}) as Record<string, unknown>;
    const scope = SCOPES[type];
    if (!type || !version) return error(400, 'Bad Request', 'missing or invalid fields');
    if (!scope) return error(400, 'Bad Request', 'unknown subscription type in the fake');
    if (type === 'channel.follow' && version !== '2') return error(400, 'Bad Request', 'unsupported version');
    const broadcasterId = condition.broadcaster_user_id ?? '';
    const channelType = CHANNEL_TYPES.has(type);
    const moderatorOk = type !== 'channel.follow' || condition.moderator_user_id === broadcasterId;
    let sub: FakeSubscription;
    if (transport.method === 'webhook') {
      const { callback, secret } = transport;
      if (typeof callback !== 'string' || typeof secret !== 'string') {
        return error(400, 'Bad Request', 'missing or invalid fields');
      }
      if (secret.length < 10 || secret.length > 100)
        return error(400, 'Bad Request', 'secret must be 10-100 characters');
      if (kind !== 'app') return error(400, 'Bad Request', 'webhook transports require an app access token');
      const { scopes, appMayChat } = this.rules;
      const granted = this.rules.grantedScopes(broadcasterId) ?? [];
      const refused = channelType
        ? !granted.includes(scope) || !moderatorOk
        : // No broadcaster grants channel:moderate in this fake: channel.ban is refused.
          BROADCASTER_TYPES.has(type) ||
          !scopes.includes(scope) ||
          !scopes.includes('user:bot') ||
          !appMayChat ||
          condition.user_id !== this.rules.botId;
      if (refused) return error(403, 'Forbidden', 'subscription missing proper authorization');
      const pending = 'webhook_callback_verification_pending';
      sub = {
        id: randomUUID(),
        type,
        version,
        condition,
        sessionId: '',
        method: 'webhook',
        callback,
        secret,
        status: pending,
      };
    } else if (transport.method === 'websocket' && typeof transport.session_id === 'string') {
      if (kind !== 'user')
        return error(400, 'Bad Request', 'websocket transports require a user access token');
      if (!this.rules.sessionOpen(transport.session_id)) {
        return error(
          400,
          'Bad Request',
          'websocket transport session does not exist or has already disconnected',
        );
      }
      const owner = this.list.find((other) => other.sessionId === transport.session_id)?.userId;
      if (owner !== undefined && owner !== userId) {
        return error(400, 'Bad Request', 'the websocket session holds another user subscriptions');
      }
      const isBot = userId === this.rules.botId;
      const tokenScopes = isBot ? this.rules.scopes : (this.rules.grantedScopes(userId) ?? []);
      const allowed = channelType
        ? userId === broadcasterId && moderatorOk
        : BROADCASTER_TYPES.has(type)
          ? isBot && this.rules.botModerates && condition.user_id === undefined
          : isBot && condition.user_id === this.rules.botId;
      if (!tokenScopes.includes(scope) || !allowed) {
        return error(403, 'Forbidden', 'subscription missing proper authorization');
      }
      sub = {
        id: randomUUID(),
        type,
        version,
        condition,
        sessionId: transport.session_id,
        method: 'websocket',
        status: 'enabled',
        userId,
      };
    } else {
      return error(400, 'Bad Request', 'missing or invalid fields');
    }
    const same = this.list.find(
      (other) => other.type === type && JSON.stringify(other.condition) === JSON.stringify(condition),
    );
    if (same) return error(409, 'Conflict', 'subscription already exists');
    this.list.push(sub);
    // Twitch answers first, then verifies a webhook's callback.
    if (sub.method === 'webhook') setImmediate(() => void this.verify(sub));
    return {
      status: 202,
      payload: { data: [this.object(sub)], total: this.list.length, total_cost: 0, max_total_cost: 10_000 },
    };
  }

  /** Delete EventSub Subscription: false when there is none with `id`. */
  delete(id: string | null): boolean {
    const index = this.list.findIndex((sub) => sub.id === id);
    if (index < 0) return false;
    this.list.splice(index, 1);
    return true;
  }

  /** The session is over: Twitch disables its subscriptions (status websocket_disconnected). */
  endSession(sessionId: string): void {
    this.removeWhere((sub) => sub.sessionId === sessionId);
  }

  /** Removes the subscriptions `matches` picks; returns them. */
  removeWhere(matches: (sub: FakeSubscription) => boolean): FakeSubscription[] {
    const removed = this.list.filter(matches);
    for (const sub of removed) this.list.splice(this.list.indexOf(sub), 1);
    return removed;
  }

  /** The enabled subscriptions of `type` for `broadcasterId`. */
  enabled(type: string, broadcasterId: unknown): FakeSubscription[] {
    return this.list.filter(
      (sub) =>
        sub.type === type && sub.condition.broadcaster_user_id === broadcasterId && sub.status === 'enabled',
    );
  }

  /** The `subscription` object of a payload (and of the Helix answer). */
  object(sub: FakeSubscription, status: string = sub.status): Record<string, unknown> {
    return {
      id: sub.id,
      status,
      type: sub.type,
      version: sub.version,
      cost: 0,
      condition: sub.condition,
      transport:
        sub.method === 'webhook'
          ? { method: 'webhook', callback: sub.callback }
          : { method: 'websocket', session_id: sub.sessionId },
      created_at: new Date().toISOString(),
    };
  }

  /** Where a webhook subscription delivers. */
  target(sub: FakeSubscription): WebhookTarget {
    return { callback: sub.callback ?? '', secret: sub.secret ?? '', type: sub.type, version: sub.version };
  }

  private async verify(sub: FakeSubscription): Promise<void> {
    const verified = await this.webhooks.verify(this.target(sub), this.object(sub));
    if (!this.list.includes(sub)) return;
    if (verified) sub.status = 'enabled';
    else this.delete(sub.id); // webhook_callback_verification_failed
  }
}
