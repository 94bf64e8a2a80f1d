/**
 * What the EventSub adapter is built from: its settings (from `platforms.twitch` and the platform
 * ports) and the knobs beyond the config (mostly for tests).
 */
import type { AdapterState } from '../../../src/core/adapter.js';
import type { Clock } from '../../../src/core/adapter-kit/clock.js';
import type { PlatformGrants } from '../../../src/core/platform.js';
import type { TwitchLimits } from '../limits.js';

/** What the EventSub transport needs from `platforms.twitch`. */
export interface EventSubSettings {
  clientId: string;
  clientSecret: string;
  botUserId: string;
  refreshToken: string;
  apiUrl: string;
  authUrl: string;
  eventsubWsUrl: string;
  /** Channel logins to read and answer in. */
  channels: readonly string[];
  knownBots: readonly string[];
  maxReplyParts: number;
  /**
   * Read over webhooks instead of the WebSocket: Twitch posts to `callbackUrl` (which must reach
   * `/webhooks/twitch/eventsub`), signed with `secret`; subscriptions are made with the app token.
   */
  webhook?: { callbackUrl: string; secret: string };
  /**
   * `TWITCH_REDIRECT_URL`: where Twitch sends a broadcaster back after authorizing chatgate (must
   * reach `/api/v1/platforms/twitch/oauth/callback`). Unset: grants only as refresh tokens.
   */
  redirectUrl?: string;
  /** The platform grant store (the bot's newest refresh token, broadcasters' grants). */
  grants?: PlatformGrants;
}

/** Knobs beyond the config, mostly for tests. All optional. */
export interface EventSubAdapterOptions {
  clock?: Clock;
  limits?: Partial<TwitchLimits>;
  /** How long `stop()` waits for queued messages, ms. Default 5 000. */
  stopGraceMs?: number;
  /** Most outbound messages waiting at once. Default 1 000. */
  maxQueued?: number;
  massGiftWindowMs?: number;
  /** First reconnect delay and cap, ms. Default 1 000 and 60 000. */
  backoff?: { initialMs: number; maxMs: number };
  /** Added to the welcome's keepalive timeout before the socket counts as lost, ms. Default 5 000. */
  keepaliveMarginMs?: number;
  /** Counts one wait for a Helix rate-limit reset (the platform port's `rateLimited`). */
  rateLimited?: () => void;
  /** Counts one `is_sent: false` by its drop reason (the platform port's `messageDropped`). */
  messageDropped?: (reason: string) => void;
  onStatus?: (state: AdapterState) => void;
}
