import type { ChatEvent } from '../core/chat-event.js';
import type { SafetyStateStore } from './safety-state.js';

/** How long a ban keeps a user ignored, ms (30 days): the mark must end some time. */
export const BAN_MARK_MS = 30 * 86_400_000;

/** Settings of `ChatModerationState`. */
export interface ChatModerationStateOptions {
  /**
   * The shortest life of a moderation mark or a deleted-message mark, ms: at least as long as a
   * job may wait in the queue before it is dropped as stale (`queue.replyMaxAgeMs`), so that every
   * waiting interaction of the user still sees the mark at its turn.
   */
  markMinMs: number;
  /** ms since the epoch; `Date.now` unless a test moves time. */
  now?: () => number;
}

/**
 * What moderators and the platform decided, per channel and per user, in the shared safety state:
 * - a paused channel (`!ai off`, until `!ai on`; no lifetime, so it survives a restart on Redis),
 *   or a paused community (every channel; the console's switch);
 * - a moderated user (ban or timeout): when it happened (`at`: events received until then are
 *   dropped, queued or not) and until when new events are ignored (`until`: the timeout's end,
 *   or `at` + 30 days for a ban). Per community: a Discord ban or a Telegram kick holds in every
 *   channel of the guild or chat;
 * - a deleted message: a reply to it is not sent.
 * Each check is one round trip (`MGET`).
 */
export class ChatModerationState {
  private readonly now: () => number;

  constructor(
    private readonly store: SafetyStateStore,
    private readonly options: ChatModerationStateOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Pauses the bot in a channel until `resume`. */
  pause(communityId: string, channelId: string): Promise<void> {
    return this.store.set(pauseKey(communityId, channelId), String(this.now()));
  }

  /** Lifts a pause (a no-op when the channel was not paused). */
  resume(communityId: string, channelId: string): Promise<void> {
    return this.store.delete(pauseKey(communityId, channelId));
  }

  /**
   * Pauses (or, with `paused` false, resumes) the bot in every channel of a community until lifted
   * (the console's switch, `PUT /api/v1/communities/:communityId/pause`). Independent of the
   * channels' own `!ai off`: lifting the community pause leaves a paused channel paused.
   */
  setCommunityPaused(communityId: string, paused: boolean): Promise<void> {
    const key = communityPauseKey(communityId);
    return paused ? this.store.set(key, String(this.now())) : this.store.delete(key);
  }

  /**
   * Whether the community is paused as a whole, and (given `channelId`) whether that channel is
   * paused on its own (`!ai off`); one round trip.
   */
  async pauseState(
    communityId: string,
    channelId?: string,
  ): Promise<{ community: boolean; channel?: boolean }> {
    const keys = [communityPauseKey(communityId)];
    if (channelId !== undefined) keys.push(pauseKey(communityId, channelId));
    const [community, channel] = await this.store.getMany(keys);
    return channelId === undefined
      ? { community: community !== undefined }
      : { community: community !== undefined, channel: channel !== undefined };
  }

  /**
   * Marks a user moderated now: events received until now are dropped, and new ones are ignored
   * until `until` (ms since the epoch). A later mark replaces an earlier one.
   */
  markUser(communityId: string, userId: string, until: number): Promise<void> {
    const at = this.now();
    const ttlMs = Math.max(until - at, this.options.markMinMs);
    return this.store.set(userKey(communityId, userId), `${at}:${until}`, ttlMs);
  }

  /** Marks a message deleted: a reply to it is not sent. */
  markDeleted(communityId: string, channelId: string, messageId: string): Promise<void> {
    return this.store.set(deletedKey(communityId, channelId, messageId), '1', this.options.markMinMs);
  }

  /**
   * Why a new event must not be answered: `paused` (its channel is paused) or `moderated` (its
   * user is timed out or banned, or was moderated after the event was received); else undefined.
   */
  async ingestRefusal(event: ChatEvent): Promise<'paused' | 'moderated' | undefined> {
    const [paused, mark, communityPaused] = await this.store.getMany([
      pauseKey(event.communityId, event.channelId),
      userKey(event.communityId, event.user.id),
      communityPauseKey(event.communityId),
    ]);
    if (paused !== undefined || communityPaused !== undefined) return 'paused';
    const user = parseMark(mark);
    if (user && (this.now() < user.until || event.receivedAt <= user.at)) return 'moderated';
    return undefined;
  }

  /**
   * Why a waiting or answered interaction must not be delivered: `moderated` when its user was
   * banned or timed out after the event was received, or its message was deleted; else undefined.
   */
  async deliveryRefusal(event: ChatEvent): Promise<'moderated' | undefined> {
    const keys = [userKey(event.communityId, event.user.id)];
    if (event.messageId) keys.push(deletedKey(event.communityId, event.channelId, event.messageId));
    const [mark, deleted] = await this.store.getMany(keys);
    if (deleted !== undefined) return 'moderated';
    const user = parseMark(mark);
    if (user && event.receivedAt <= user.at) return 'moderated';
    return undefined;
  }
}

function pauseKey(communityId: string, channelId: string): string {
  return `pause|${communityId}|${channelId}`;
}

/** A whole community's pause (its own prefix: no channel id can make it collide with `pauseKey`). */
function communityPauseKey(communityId: string): string {
  return `pause-all|${communityId}`;
}

function userKey(communityId: string, userId: string): string {
  return `user|${communityId}|${userId}`;
}

function deletedKey(communityId: string, channelId: string, messageId: string): string {
  return `deleted|${communityId}|${channelId}|${messageId}`;
}

/** `at:until` (ms since the epoch) as numbers; undefined when absent or unreadable. */
function parseMark(value: string | undefined): { at: number; until: number } | undefined {
  if (value === undefined) return undefined;
  const [at, until] = value.split(':').map(Number);
  if (!Number.isFinite(at) || !Number.isFinite(until)) return undefined;
  return { at: at as number, until: until as number };
}
