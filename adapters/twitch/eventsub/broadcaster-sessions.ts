/**
 * Over the WebSocket, Twitch accepts a subscription only with the token of the user who granted
 * its scope, and a session's subscriptions must all be one user's (twurple and Twitch4J open one
 * socket per user for this reason; https://dev.twitch.tv/docs/eventsub/handling-websocket-events/,
 * "Subscription limits"). So each channel whose broadcaster authorized chatgate (a `broadcaster`
 * grant in the platform grant store) gets a session of its own, on which the broadcaster's token
 * creates BROADCASTER_SUBSCRIPTIONS (redemptions, cheers, follows); its notifications go where the
 * bot session's go. A channel without a grant is skipped with one log line naming the grant and
 * the scopes; chat goes on. The broadcaster's rotated refresh tokens go back to the store.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../../src/core/adapter-kit/clock.js';
import type { PlatformGrant, PlatformGrants } from '../../../src/core/platform.js';
import {
  BROADCASTER_SUBSCRIPTIONS,
  broadcasterCondition,
  missingGrantLine,
} from './channel-subscriptions.js';
import type { HelixClient, HelixUser } from './helix.js';
import { type EventSubNotification, EventSubSession } from './session.js';
import { type TwitchCredentials, UserToken } from './tokens.js';

export interface BroadcasterSessionsOptions {
  helix: HelixClient;
  /** Unset: no grant can be had; every channel is reported as missing it. */
  grants: PlatformGrants | undefined;
  credentials: Pick<TwitchCredentials, 'clientId' | 'clientSecret' | 'authUrl'>;
  /** The EventSub WebSocket URL. */
  url: string;
  logger(): Logger | undefined;
  clock: Clock;
  backoff: { initialMs: number; maxMs: number };
  keepaliveMarginMs: number;
  notification(notification: EventSubNotification): void;
  revocation(subscription: Record<string, unknown>): void;
}

interface Running {
  session: EventSubSession;
  token: UserToken;
}

/**
 * The broadcasters' own sessions, by broadcaster id.
 *
 * @example
 * const sessions = new BroadcasterSessions({ helix, grants, credentials, url, … });
 * await sessions.ensure({ id: '1001', login: 'mychan', displayName: 'MyChan' });
 */
export class BroadcasterSessions {
  private readonly running = new Map<string, Running>();
  /** Broadcasters whose grant is being read, each with its `ensure` call's mark (`stop` drops it). */
  private readonly opening = new Map<string, object>();
  /** Broadcasters whose missing grant was logged already (once per process). */
  private readonly reported = new Set<string>();

  constructor(private readonly options: BroadcasterSessionsOptions) {}

  /** How many broadcaster sessions run. */
  count(): number {
    return this.running.size;
  }

  /**
   * Starts the broadcaster's session when they granted chatgate and none runs yet; without a
   * grant, logs the one line (once). Never rejects.
   */
  async ensure(broadcaster: HelixUser): Promise<void> {
    // One session per broadcaster: a second call while the grant is read does nothing.
    if (this.running.has(broadcaster.id) || this.opening.has(broadcaster.id)) return;
    const mark = {};
    this.opening.set(broadcaster.id, mark);
    let grant: PlatformGrant | undefined;
    try {
      grant = await this.options.grants?.get('broadcaster', broadcaster.id);
    } catch (error: unknown) {
      if (this.opening.get(broadcaster.id) === mark) this.opening.delete(broadcaster.id);
      // The store is down or the token sealed under another secret key: chat goes on.
      this.options
        .logger()
        ?.warn(
          { channel: broadcaster.login, err: String(error) },
          `twitch eventsub: the broadcaster grant of #${broadcaster.login} cannot be read; its channel events are skipped`,
        );
      return;
    }
    // Stopped (or renewed) while the grant was read: that call decides.
    if (this.opening.get(broadcaster.id) !== mark) return;
    this.opening.delete(broadcaster.id);
    if (!grant) {
      if (this.reported.has(broadcaster.id)) return;
      this.reported.add(broadcaster.id);
      this.options.logger()?.warn(
        {
          channel: broadcaster.login,
          grant: 'broadcaster',
          missing: BROADCASTER_SUBSCRIPTIONS.map((s) => s.scope),
        },
        missingGrantLine(broadcaster.login, BROADCASTER_SUBSCRIPTIONS),
      );
      return;
    }
    this.reported.delete(broadcaster.id);
    await this.open(broadcaster, grant);
  }

  /** A new or changed grant: its session starts again with it. Never rejects. */
  async renew(broadcaster: HelixUser): Promise<void> {
    await this.stop(broadcaster.id);
    await this.ensure(broadcaster);
  }

  async stop(broadcasterId: string): Promise<void> {
    const running = this.running.get(broadcasterId);
    this.running.delete(broadcasterId);
    this.opening.delete(broadcasterId);
    await running?.session.stop();
  }

  async stopAll(): Promise<void> {
    this.opening.clear();
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
  }

  private async open(broadcaster: HelixUser, grant: PlatformGrant): Promise<void> {
    const { options } = this;
    const logger = options.logger()?.child({ broadcaster: broadcaster.login });
    if (!logger) return;
    const grants = options.grants;
    const token = new UserToken(
      {
        ...options.credentials,
        refreshToken: grant.refreshToken,
        // Twitch may rotate the refresh token: the newest is what the next start needs.
        keeper: {
          load: async () => undefined,
          save: async (refreshToken, scopes) => {
            try {
              await grants?.put({
                role: 'broadcaster',
                subjectId: broadcaster.id,
                scopes: scopes.length > 0 ? scopes : grant.scopes,
                refreshToken,
              });
            } catch (error: unknown) {
              // The next start will need the broadcaster to authorize again.
              logger.warn(
                { err: String(error) },
                'twitch: the newest broadcaster refresh token is not stored',
              );
            }
          },
        },
      },
      `the broadcaster token of #${broadcaster.login}`,
    );
    const session = new EventSubSession(
      {
        url: options.url,
        logger,
        clock: options.clock,
        backoff: options.backoff,
        keepaliveMarginMs: options.keepaliveMarginMs,
        startTimeoutMs: 30_000,
      },
      {
        welcome: (sessionId) => this.subscribe(broadcaster, grant, token, sessionId, logger),
        notification: (notification) => options.notification(notification),
        revocation: (subscription) => options.revocation(subscription),
        status: () => {},
      },
    );
    this.running.set(broadcaster.id, { session, token });
    await session.start();
  }

  /** The broadcaster's types on their fresh session; what the grant lacks is one line. */
  private async subscribe(
    broadcaster: HelixUser,
    grant: PlatformGrant,
    token: UserToken,
    sessionId: string,
    logger: Logger,
  ): Promise<void> {
    const granted = new Set(grant.scopes);
    const lacking = BROADCASTER_SUBSCRIPTIONS.filter(({ scope }) => !granted.has(scope));
    const refused: Array<{ type: string; scope: string }> = [];
    for (const { type, version, scope } of BROADCASTER_SUBSCRIPTIONS) {
      if (!granted.has(scope)) continue;
      const outcome = await this.options.helix.subscribe(
        type,
        version,
        broadcasterCondition(type, broadcaster.id),
        { method: 'websocket', session_id: sessionId },
        token,
      );
      if (outcome.kind === 'forbidden') refused.push({ type, scope });
      else if (outcome.kind === 'failed') {
        logger.warn(
          { type, status: outcome.status, twitch: outcome.message },
          `twitch eventsub: ${type} not created for #${broadcaster.login}`,
        );
      }
    }
    const missing = [...lacking, ...refused];
    if (missing.length > 0) {
      logger.warn(
        { channel: broadcaster.login, grant: 'broadcaster', missing: missing.map(({ scope }) => scope) },
        `${missingGrantLine(broadcaster.login, missing)} (the stored grant lacks these scopes: authorize again)`,
      );
    }
  }
}
