/**
 * One line of a channel's unaddressed chatter (background context, issue "Presence in chat" §3),
 * as the router recorded it: already PII-masked and cut to `CHATTER_LINE_MAX_CHARS`.
 */
export interface ChatterLine {
  /** The event id (`platform:messageId`), so that the asker's own line is never shown back. */
  id: string;
  /** The speaker's display name (or login), as the chat shows it. */
  speaker: string;
  /** The platform's user id (what moderation forgets a user by). */
  userId: string;
  /** The platform login, when there is one (what `permissions.block_users` may name). */
  login?: string;
  text: string;
  /** When the store took it, ms since the epoch (by the store's clock, which judges its age). */
  at: number;
}

/** A line as it is handed to the store, which stamps its time. */
export type NewChatterLine = Omit<ChatterLine, 'at'>;

/** How much chatter a channel keeps (a community's `background_context`). */
export interface ChatterWindow {
  /** At most this many lines, newest kept; 0 keeps nothing. */
  messages: number;
  /** Lines older than this are neither kept nor returned, ms; 0 keeps nothing. */
  maxAgeMs: number;
}

/** The longest text kept of one line, chars; longer lines are cut (a line is chatter, not an essay). */
export const CHATTER_LINE_MAX_CHARS = 300;

/**
 * The recent unaddressed lines of each channel, keyed by `chatterKey(communityId, channelId)`.
 * Backends: in-process (lru-cache with a TTL, `memory/`) and Redis (one list per channel,
 * `redis/`). Both keep at most `window.messages` lines per channel and nothing older than
 * `window.maxAgeMs`: each line is deleted when its window ends (a write or not), and never
 * returned after. The window is passed on each call,
 * since each community chooses its own.
 */
export interface ChatterStore {
  /**
   * Appends `line`, stamped with the store's time, to the channel and trims it to `window` (a
   * window with a 0 keeps nothing).
   */
  add(channel: string, line: NewChatterLine, window: ChatterWindow): Promise<void>;
  /** The channel's lines inside `window`, oldest first (at most `window.messages`, the newest). */
  recent(channel: string, window: ChatterWindow): Promise<ChatterLine[]>;
  /** Removes every line of these users from the channel (moderation forgot them). */
  forget(channel: string, userIds: Iterable<string>): Promise<void>;
}

/** The key of one channel's chatter. */
export function chatterKey(communityId: string, channelId: string): string {
  return `${communityId}|${channelId}`;
}

/** Whether `window` keeps anything at all. */
export function chatterEnabled(window: ChatterWindow): boolean {
  return window.messages > 0 && window.maxAgeMs > 0;
}
