/**
 * Outbound pacing for one Twitch chat connection. Twitch's limits
 * (https://dev.twitch.tv/docs/chat/#rate-limits, https://dev.twitch.tv/docs/irc/#rate-limits):
 * 20 messages per 30 s for an account that is neither moderator nor broadcaster of the channel, 100
 * per 30 s where it is; past them Twitch drops messages (NOTICE `msg_ratelimit`) and may lock the
 * account out for 30 minutes. A non-moderator may not post to one channel faster than about once a
 * second, and an identical message to the same channel within 30 s is refused (`msg_duplicate`,
 * https://dev.twitch.tv/docs/irc/msg-id/). JOINs are paced by join-throttle.ts.
 *
 * Messages wait here until they fit; nothing is dropped silently: a full scheduler refuses at once
 * (logged and counted), and at shutdown what could not be sent in the grace period is given up,
 * logged and counted.
 */
import type { Clock } from '../../src/core/adapter-kit/clock.js';
import type { TwitchLimits } from './limits.js';
import { chatLength, TWITCH_MESSAGE_MAX_CHARS } from './send.js';

/** One chat message to send. */
export interface OutboundMessage {
  /** Channel login, without `#`. */
  channel: string;
  text: string;
  /** The `id` of the message this one answers (threaded reply). */
  replyParentId?: string;
}

/** Counters for status and metrics. */
export interface OutboundStats {
  queued: number;
  sent: number;
  /** Sent with an invisible suffix because the same text went to the channel within 30 s. */
  varied: number;
  /** Refused because the scheduler was full or closing. */
  refused: number;
  /** Given up at shutdown. */
  givenUp: number;
  /** The longest time a message waited before it was sent, ms. */
  maxWaitMs: number;
}

/** What the scheduler needs from the connection. */
export interface SchedulerDeps {
  /** Writes the message to the socket now; throws when it cannot (not connected). */
  transmit(message: OutboundMessage): void;
  /** Whether a message to `channel` can go out now (connected, channel joined). */
  canSend(channel: string): boolean;
  limits: TwitchLimits;
  clock: Clock;
  /** Most messages waiting at once. */
  maxQueued: number;
  logger: { warn(object: object, message: string): void; debug(object: object, message: string): void };
}

/** Thrown when the scheduler takes no more messages. */
export class SchedulerRefusedError extends Error {
  override readonly name = 'SchedulerRefusedError';
}

interface Pending extends OutboundMessage {
  enqueuedAt: number;
  done(error?: Error): void;
}

/** How soon to try again after the socket refused a write (it is reconnecting), ms. */
const WRITE_RETRY_MS = 250;

/** Invisible suffixes that make a repeated text distinct (U+E0000, as Chatterino and others use). */
const VARIANTS = ['', ' \u{E0000}', ' \u{E0000}\u{E0000}', ' \u{E0000}\u{E0000}\u{E0000}'];

/**
 * A FIFO per connection that releases each message when Twitch's limits allow: the sliding window
 * over everything sent (20 or 100, by the target channel's moderator status), the per-channel gap
 * for non-moderators, and no identical text to one channel within the duplicate window.
 *
 * @example
 * const scheduler = new OutboundScheduler({ transmit, canSend, limits: TWITCH_LIMITS, clock: systemClock,
 *   maxQueued: 1000, logger });
 * await scheduler.submit({ channel: 'xqcow', text: 'hi', replyParentId: 'b34c…' });
 */
export class OutboundScheduler {
  private readonly queue: Pending[] = [];
  private readonly sentAt: number[] = [];
  private readonly lastSentTo = new Map<string, number>();
  private readonly recentTexts = new Map<string, { text: string; at: number }[]>();
  private readonly moderatorOf = new Set<string>();
  private readonly counters: OutboundStats = {
    queued: 0,
    sent: 0,
    varied: 0,
    refused: 0,
    givenUp: 0,
    maxWaitMs: 0,
  };
  private cancelTimer: (() => void) | undefined;
  private closing = false;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Whether `count` more messages fit; false while closing. */
  hasRoomFor(count: number): boolean {
    return !this.closing && this.queue.length + count <= this.deps.maxQueued;
  }

  /**
   * Queues a message; the promise settles when it is written (or given up at shutdown). Throws
   * SchedulerRefusedError at once when the scheduler is full or closing.
   */
  submit(message: OutboundMessage): Promise<void> {
    const [sent] = this.submitAll([message]);
    return sent ?? Promise.resolve();
  }

  /**
   * Queues messages that belong together (the parts of one reply): all or none. Returns one promise
   * per message, settled when it is written or given up; throws SchedulerRefusedError (logged and
   * counted) when they do not all fit.
   */
  submitAll(messages: readonly OutboundMessage[]): Promise<void>[] {
    if (!this.hasRoomFor(messages.length)) {
      this.counters.refused += messages.length;
      const reason = this.closing ? 'closing' : 'full';
      const channel = messages[0]?.channel;
      this.deps.logger.warn({ channel, queued: this.queue.length, reason }, 'twitch outbound refused');
      throw new SchedulerRefusedError(`the Twitch outbound scheduler is ${reason}`);
    }
    const enqueuedAt = this.deps.clock.now();
    const sent = messages.map(
      (message) =>
        new Promise<void>((resolve, reject) => {
          const done = (error?: Error): void => (error ? reject(error) : resolve());
          this.queue.push({ ...message, enqueuedAt, done });
        }),
    );
    this.pump();
    return sent;
  }

  /** Records whether the bot moderates (or owns) `channel`, from USERSTATE badges. */
  setModerator(channel: string, moderator: boolean): void {
    if (moderator === this.moderatorOf.has(channel)) return;
    if (moderator) this.moderatorOf.add(channel);
    else this.moderatorOf.delete(channel);
    this.pump();
  }

  isModerator(channel: string): boolean {
    return this.moderatorOf.has(channel);
  }

  /** Tries again now: the connection came online or a channel was joined. */
  wake(): void {
    this.pump();
  }

  stats(): OutboundStats {
    return { ...this.counters, queued: this.queue.length };
  }

  /**
   * Stops taking messages, waits up to `graceMs` for the queue to empty, then gives up what is
   * left (each promise rejects; logged and counted).
   */
  async drain(graceMs: number): Promise<void> {
    this.closing = true;
    const deadline = this.deps.clock.now() + graceMs;
    while (this.queue.length > 0 && this.deps.clock.now() < deadline) {
      await new Promise<void>((resolve) => this.deps.clock.schedule(resolve, Math.min(50, graceMs)));
    }
    this.cancelTimer?.();
    const left = this.queue.splice(0);
    if (left.length === 0) return;
    this.counters.givenUp += left.length;
    this.deps.logger.warn({ count: left.length }, 'twitch outbound messages given up at shutdown');
    for (const pending of left) pending.done(new SchedulerRefusedError('given up at shutdown'));
  }

  /** Gives up the messages waiting for `channel` (the channel was left). */
  forget(channel: string): void {
    for (let index = this.queue.length - 1; index >= 0; index -= 1) {
      const pending = this.queue[index];
      if (pending?.channel !== channel) continue;
      this.queue.splice(index, 1);
      this.counters.givenUp += 1;
      pending.done(new SchedulerRefusedError(`left #${channel}`));
    }
  }

  private pump(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    let nextAt = Number.POSITIVE_INFINITY;
    for (;;) {
      const now = this.deps.clock.now();
      this.forgetOld(now);
      const pick = this.firstReady(now);
      if (pick.index < 0) {
        nextAt = pick.nextAt;
        break;
      }
      if (!this.send(pick.index, pick.text, now)) {
        nextAt = now + WRITE_RETRY_MS;
        break;
      }
    }
    if (Number.isFinite(nextAt)) {
      const delay = Math.max(0, nextAt - this.deps.clock.now());
      this.cancelTimer = this.deps.clock.schedule(() => this.pump(), delay);
    }
  }

  /** The first queued message (in order, one head per channel) that may go now, or when the next may. */
  private firstReady(now: number): { index: number; text: string; nextAt: number } {
    const seen = new Set<string>();
    let nextAt = Number.POSITIVE_INFINITY;
    for (const [index, pending] of this.queue.entries()) {
      if (seen.has(pending.channel)) continue;
      seen.add(pending.channel);
      if (!this.deps.canSend(pending.channel)) continue;
      const { at, text } = this.releaseTime(pending, now);
      if (at <= now) return { index, text, nextAt };
      nextAt = Math.min(nextAt, at);
    }
    return { index: -1, text: '', nextAt };
  }

  /** When `pending` may be sent, and the text variant to send then. */
  private releaseTime(pending: Pending, now: number): { at: number; text: string } {
    const { limits } = this.deps;
    const moderator = this.moderatorOf.has(pending.channel);
    const cap = moderator ? limits.moderatorMessages : limits.userMessages;
    const window = limits.windowMs + limits.marginMs;
    const inWindow = this.sentAt.filter((at) => at > now - window);
    let at = inWindow.length >= cap ? (inWindow[inWindow.length - cap] ?? now) + window : now;
    if (!moderator)
      at = Math.max(at, (this.lastSentTo.get(pending.channel) ?? -Infinity) + limits.userChannelGapMs);
    const recent = this.recentTexts.get(pending.channel) ?? [];
    const fitting = VARIANTS.map((suffix) => pending.text + suffix).filter(
      (text) => chatLength(text) <= TWITCH_MESSAGE_MAX_CHARS,
    );
    const free = fitting.find((text) => !recent.some((sent) => sent.text === text));
    if (free !== undefined) return { at, text: free };
    // Every variant went out within the window: wait until the oldest of them is old enough.
    const oldest = Math.min(...recent.filter((sent) => fitting.includes(sent.text)).map((sent) => sent.at));
    return { at: Math.max(at, oldest + limits.duplicateWindowMs + limits.marginMs), text: pending.text };
  }

  private send(index: number, text: string, now: number): boolean {
    const pending = this.queue[index];
    if (!pending) return false;
    try {
      this.deps.transmit({ ...pending, text });
    } catch (error: unknown) {
      this.deps.logger.debug(
        { channel: pending.channel, err: error },
        'twitch outbound not written; will retry',
      );
      return false;
    }
    this.queue.splice(index, 1);
    this.sentAt.push(now);
    this.lastSentTo.set(pending.channel, now);
    const recent = this.recentTexts.get(pending.channel) ?? [];
    recent.push({ text, at: now });
    this.recentTexts.set(pending.channel, recent);
    this.counters.sent += 1;
    if (text !== pending.text) this.counters.varied += 1;
    this.counters.maxWaitMs = Math.max(this.counters.maxWaitMs, now - pending.enqueuedAt);
    pending.done();
    return true;
  }

  private forgetOld(now: number): void {
    const { windowMs, duplicateWindowMs, marginMs } = this.deps.limits;
    while (this.sentAt.length > 0 && (this.sentAt[0] ?? now) <= now - windowMs - marginMs)
      this.sentAt.shift();
    for (const [channel, recent] of this.recentTexts) {
      const kept = recent.filter((sent) => sent.at > now - duplicateWindowMs - marginMs);
      if (kept.length > 0) this.recentTexts.set(channel, kept);
      else this.recentTexts.delete(channel);
    }
  }
}
