/**
 * The EventSub subscriptions of the channels the bot is in: logins resolved to broadcasters with
 * Get Users (https://dev.twitch.tv/docs/api/reference/#get-users), then, for each, the chat
 * (`channel.chat.message`, `channel.chat.notification`) and the moderation hooks
 * (`channel.chat.message_delete`, `channel.chat.clear_user_messages`; `channel.ban`, which Twitch
 * grants only to a broadcaster's or a moderator's token with `channel:moderate`), per
 * https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/. A 409 (exists) is fine; a 403
 * is one log line naming the missing grant (an error for chat, a warning for the optional
 * moderation hooks: chat works without them); the ids are kept to delete them when a channel is
 * left. Over webhooks the broadcaster's types (BROADCASTER_SUBSCRIPTIONS: redemptions, cheers,
 * follows) are created here too, with the app token, which Twitch accepts once the broadcaster
 * authorized the app; over the WebSocket they need the broadcaster's own token and session
 * (broadcaster-sessions.ts).
 */
import type { Logger } from 'pino';
import type { EventSubTransport, HelixClient, HelixUser } from './helix.js';

/**
 * The subscriptions of one channel: the scope each needs of the bot's token, whether the bot is
 * named in the condition (`user_id`) besides the broadcaster, and whether chat needs it.
 */
export const CHANNEL_SUBSCRIPTIONS = [
  { type: 'channel.chat.message', version: '1', scope: 'user:read:chat', asUser: true, optional: false },
  { type: 'channel.chat.notification', version: '1', scope: 'user:read:chat', asUser: true, optional: false },
  {
    type: 'channel.chat.message_delete',
    version: '1',
    scope: 'user:read:chat',
    asUser: true,
    optional: true,
  },
  {
    type: 'channel.chat.clear_user_messages',
    version: '1',
    scope: 'user:read:chat',
    asUser: true,
    optional: true,
  },
  { type: 'channel.ban', version: '1', scope: 'channel:moderate', asUser: false, optional: true },
] as const;

/**
 * The subscriptions only a broadcaster's grant opens, with the scope each needs of it
 * (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/): channel-point redemptions,
 * cheers, and follows (v2, whose condition names a moderator: the broadcaster themself).
 */
export const BROADCASTER_SUBSCRIPTIONS = [
  {
    type: 'channel.channel_points_custom_reward_redemption.add',
    version: '1',
    scope: 'channel:read:redemptions',
  },
  { type: 'channel.cheer', version: '1', scope: 'bits:read' },
  { type: 'channel.follow', version: '2', scope: 'moderator:read:followers' },
] as const;

/** The condition of a broadcaster subscription for `broadcasterId`. */
export function broadcasterCondition(type: string, broadcasterId: string): Record<string, string> {
  return type === 'channel.follow'
    ? { broadcaster_user_id: broadcasterId, moderator_user_id: broadcasterId }
    : { broadcaster_user_id: broadcasterId };
}

/** The one line that says which subscriptions wait for a broadcaster's grant, and how to give it. */
export function missingGrantLine(login: string, types: readonly { type: string; scope: string }[]): string {
  const named = types.map(({ type, scope }) => `${type} (${scope})`).join(', ');
  return `twitch eventsub: #${login} has no broadcaster grant for ${named}; skipped, chat works without them. The broadcaster authorizes the channel at the URL of GET /api/v1/platforms/twitch/grants/${login}/authorize, or an admin stores their refresh token with PUT /api/v1/platforms/twitch/grants/${login}`;
}

/**
 * Resolves channels and keeps their subscriptions.
 *
 * @example
 * const channels = new ChannelSubscriptions(helix, '90001', () => logger);
 * await channels.subscribe(['mychan'], { method: 'websocket', session_id: sessionId });
 * channels.broadcaster('mychan'); // { id: '1001', login: 'mychan', displayName: 'MyChan' }
 */
export class ChannelSubscriptions {
  /** Channel login → broadcaster, once resolved. */
  private readonly broadcasters = new Map<string, HelixUser>();
  /** Broadcaster id → subscription ids created on the current transport. */
  private readonly ids = new Map<string, string[]>();

  constructor(
    private readonly helix: HelixClient,
    private readonly botUserId: string,
    private readonly logger: () => Logger | undefined,
  ) {}

  /** The broadcaster of a resolved channel login. */
  broadcaster(login: string): HelixUser | undefined {
    return this.broadcasters.get(login);
  }

  /** Forgets the subscription ids (a new session: the old one's are gone with it). */
  reset(): void {
    this.ids.clear();
  }

  /**
   * Resolves `logins` and creates their subscriptions on `transport`. Rejects when Get Users
   * fails or a token cannot be had; a refused subscription is logged, not thrown.
   */
  async subscribe(logins: readonly string[], transport: EventSubTransport): Promise<void> {
    const logger = this.logger();
    const unknown = logins.filter((login) => !this.broadcasters.has(login));
    if (unknown.length > 0) {
      for (const user of await this.helix.usersByLogin(unknown)) this.broadcasters.set(user.login, user);
    }
    for (const login of logins) {
      const broadcaster = this.broadcasters.get(login);
      if (!broadcaster) {
        logger?.warn({ channel: login }, 'twitch: Get Users does not know this channel; not joined');
        continue;
      }
      for (const { type, version, scope, asUser, optional } of CHANNEL_SUBSCRIPTIONS) {
        const condition: Record<string, string> = asUser
          ? { broadcaster_user_id: broadcaster.id, user_id: this.botUserId }
          : { broadcaster_user_id: broadcaster.id };
        const outcome = await this.helix.subscribe(type, version, condition, transport);
        if (outcome.kind === 'created') {
          const ids = this.ids.get(broadcaster.id) ?? [];
          if (outcome.id !== '') ids.push(outcome.id);
          this.ids.set(broadcaster.id, ids);
        } else if (outcome.kind === 'forbidden') {
          // Over webhooks the app token subscribes: Twitch checks the bot's and the channel's grants.
          const missing = !asUser
            ? `the scope ${scope} with a moderator seat in the channel (or the broadcaster's grant)`
            : transport.method === 'webhook'
              ? `the bot's grants ${scope} and user:bot, or the channel's channel:bot (or a moderator seat for the bot)`
              : `the scope ${scope}`;
          const line = `twitch eventsub: ${type} refused for #${login}: the bot's token lacks ${missing}`;
          const facts = { channel: login, type, scope, twitch: outcome.message };
          if (optional) logger?.warn(facts, `${line}; chat works without it`);
          else logger?.error(facts, line);
        } else if (outcome.kind === 'failed') {
          logger?.warn(
            { channel: login, type, status: outcome.status, twitch: outcome.message },
            `twitch eventsub: ${type} not created for #${login}`,
          );
        }
      }
      if (transport.method === 'webhook') await this.subscribeBroadcaster(login, broadcaster.id, transport);
    }
  }

  /** Webhooks: the broadcaster's types with the app token; the refused ones in one line. */
  private async subscribeBroadcaster(
    login: string,
    broadcasterId: string,
    transport: EventSubTransport,
  ): Promise<void> {
    const refused: Array<{ type: string; scope: string }> = [];
    for (const { type, version, scope } of BROADCASTER_SUBSCRIPTIONS) {
      const outcome = await this.helix.subscribe(
        type,
        version,
        broadcasterCondition(type, broadcasterId),
        transport,
      );
      if (outcome.kind === 'created') {
        const ids = this.ids.get(broadcasterId) ?? [];
        if (outcome.id !== '') ids.push(outcome.id);
        this.ids.set(broadcasterId, ids);
      } else if (outcome.kind === 'forbidden') {
        refused.push({ type, scope });
      } else if (outcome.kind === 'failed') {
        this.logger()?.warn(
          { channel: login, type, status: outcome.status, twitch: outcome.message },
          `twitch eventsub: ${type} not created for #${login}`,
        );
      }
    }
    if (refused.length > 0) {
      this.logger()?.warn(
        { channel: login, missing: refused.map(({ scope }) => scope) },
        missingGrantLine(login, refused),
      );
    }
  }

  /** Deletes the subscriptions of `login` (left); failures are logged. */
  async unsubscribe(login: string, transport: EventSubTransport['method']): Promise<void> {
    const broadcaster = this.broadcasters.get(login);
    if (!broadcaster) return;
    const ids = this.ids.get(broadcaster.id) ?? [];
    this.ids.delete(broadcaster.id);
    const as = transport === 'webhook' ? 'app' : 'user';
    await Promise.all(
      ids.map((id) =>
        this.helix
          .unsubscribe(id, as)
          .catch((error: unknown) =>
            this.logger()?.warn({ err: String(error) }, 'twitch eventsub: unsubscribe failed'),
          ),
      ),
    );
  }
}
