/**
 * The outbound scheduler. Telegram's FAQ (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * about one message per second in a chat, at most 20 messages per minute in a group, about 30
 * messages per second overall. Sends wait for a slot instead of being dropped; a 429 that slips
 * through is handled by the sender (send.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The limits, all counts of messages over a window in ms. */
export interface ThrottleLimits {
  /** The least time between two messages in one chat, ms. Default 1000. */
  perChatIntervalMs: number;
  /** Messages per `groupWindowMs` in one group (not private) chat. Default 20. */
  groupLimit: number;
  /** Default 60 000 ms. */
  groupWindowMs: number;
  /** Messages per `globalWindowMs` over all chats. Default 30. */
  globalLimit: number;
  /** Default 1000 ms. */
  globalWindowMs: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perChatIntervalMs: 1000,
  groupLimit: 20,
  groupWindowMs: 60_000,
  globalLimit: 30,
  globalWindowMs: 1000,
};

/** Past this many chats remembered, quiet ones are forgotten. */
const FORGET_AFTER_CHATS = 1000;

/** Serializes work per chat (so the parts of two replies never interleave) and spaces out sends. */
export class OutboundThrottle {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly sentByChat = new Map<string, number[]>();
  private readonly sentGlobal: number[] = [];

  constructor(
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `task` after every earlier task of `chatId` settled; resolves or rejects with it. */
  serial<T>(chatId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(chatId) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(chatId, settled);
    void settled.then(() => {
      if (this.chains.get(chatId) === settled) this.chains.delete(chatId);
    });
    return run;
  }

  /** Resolves when every task queued so far has settled. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  /** Waits until one more message may go to `chatId` now, and takes that slot. */
  async slot(chatId: string, isGroup: boolean): Promise<void> {
    if (this.sentByChat.size > FORGET_AFTER_CHATS) this.forgetQuietChats();
    for (;;) {
      const wait = this.waitFor(chatId, isGroup);
      if (wait <= 0) break;
      await sleep(wait);
    }
    const at = this.now();
    const chat = this.sentByChat.get(chatId) ?? [];
    chat.push(at);
    this.sentByChat.set(chatId, chat);
    this.sentGlobal.push(at);
  }

  /**
   * Marks the end of the send that took `chatId`'s last slot. The chat's next message waits
   * `perChatIntervalMs` from here rather than from the slot: Telegram counts arrivals, and a
   * request that spent a while in transit would otherwise land closer to the next one.
   */
  sent(chatId: string): void {
    const chat = this.sentByChat.get(chatId);
    if (chat && chat.length > 0) chat[chat.length - 1] = Math.max(chat.at(-1) ?? 0, this.now());
  }

  /** Drops the send times of chats with nothing inside any window (keeps the map bounded). */
  private forgetQuietChats(): void {
    const horizon = this.now() - Math.max(this.limits.groupWindowMs, this.limits.perChatIntervalMs);
    for (const [chat, times] of this.sentByChat) {
      if ((times.at(-1) ?? 0) <= horizon) this.sentByChat.delete(chat);
    }
  }

  /** How long, in ms, until a message to `chatId` fits every limit (0 or less: now). */
  private waitFor(chatId: string, isGroup: boolean): number {
    const { perChatIntervalMs, groupLimit, groupWindowMs, globalLimit, globalWindowMs } = this.limits;
    const now = this.now();
    const chat = prune(this.sentByChat.get(chatId) ?? [], now - Math.max(groupWindowMs, perChatIntervalMs));
    if (chat.length === 0) this.sentByChat.delete(chatId);
    const global = prune(this.sentGlobal, now - globalWindowMs);
    const waits = [(chat.at(-1) ?? -Infinity) + perChatIntervalMs - now];
    const inGroupWindow = chat.filter((at) => at > now - groupWindowMs);
    if (isGroup && inGroupWindow.length >= groupLimit) {
      waits.push((inGroupWindow[inGroupWindow.length - groupLimit] ?? now) + groupWindowMs - now);
    }
    if (global.length >= globalLimit)
      waits.push((global[global.length - globalLimit] ?? now) + globalWindowMs - now);
    return Math.max(...waits);
  }
}

/** Drops timestamps at or before `after` from the front of the (ascending) list, in place. */
function prune(times: number[], after: number): number[] {
  let drop = 0;
  while (drop < times.length && (times[drop] ?? 0) <= after) drop++;
  times.splice(0, drop);
  return times;
}
