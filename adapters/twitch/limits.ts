/**
 * Twitch's chat limits (measured on the kit's `Clock`, src/core/adapter-kit/clock.ts). Sources:
 * https://dev.twitch.tv/docs/chat/#rate-limits (messages: 20 or 100 per 30 s; JOINs: 20 per 10 s),
 * https://dev.twitch.tv/docs/irc/msg-id/ (`msg_duplicate`: identical message within 30 s,
 * `msg_ratelimit`: too fast). The ~1 s per-channel pace for non-moderators is Twitch's observed
 * behaviour (https://github.com/pajbot/tmi-rate-limits); we keep 1.2 s.
 */

/** The limits the scheduler keeps. Durations in ms. */
export interface TwitchLimits {
  /** The message window: 30 000. */
  windowMs: number;
  /** Messages per window where the bot is neither moderator nor broadcaster: 20. */
  userMessages: number;
  /** Messages per window where it is moderator or broadcaster (learned from USERSTATE badges): 100. */
  moderatorMessages: number;
  /** Least gap between two messages to one channel as a non-moderator: 1 200 (Twitch enforces ~1 s). */
  userChannelGapMs: number;
  /** An identical message to the same channel within this time is varied or held: 30 000. */
  duplicateWindowMs: number;
  /** JOINs per join window: 20. */
  joins: number;
  /** The join window: 10 000. */
  joinWindowMs: number;
  /** Added to the windows against clock skew and network jitter: 500. */
  marginMs: number;
}

/** Twitch's limits for a regular (unverified) bot account, with our margins. */
export const TWITCH_LIMITS: Readonly<TwitchLimits> = {
  windowMs: 30_000,
  userMessages: 20,
  moderatorMessages: 100,
  userChannelGapMs: 1_200,
  duplicateWindowMs: 30_000,
  joins: 20,
  joinWindowMs: 10_000,
  marginMs: 500,
};

/** The same limits with every duration multiplied by `factor` (counts unchanged); for fast tests. */
export function scaleLimits(limits: TwitchLimits, factor: number): TwitchLimits {
  return {
    ...limits,
    windowMs: limits.windowMs * factor,
    userChannelGapMs: limits.userChannelGapMs * factor,
    duplicateWindowMs: limits.duplicateWindowMs * factor,
    joinWindowMs: limits.joinWindowMs * factor,
    marginMs: limits.marginMs * factor,
  };
}
