/**
 * Posting chat messages with Send Chat Message (https://dev.twitch.tv/docs/api/reference/#send-chat-message)
 * once the outbound scheduler releases them: in order per channel, as the app when it may (the
 * Chat Bot badge, https://dev.twitch.tv/docs/chat/), else as the bot user (a 401/403 to the app
 * switches that channel to the user for good). `is_sent: false` is logged with its `drop_reason`
 * and counted, never retried: Twitch dropped it on purpose (AutoMod, a duplicate, a slow mode).
 */
import type { Logger } from 'pino';
import type { OutboundMessage } from '../scheduler.js';
import type { HelixClient } from './helix.js';
import type { TokenKind } from './tokens.js';

/** Counters of the Helix send path, beside the scheduler's. */
export interface ChatSendStats {
  /** Accepted by Twitch (`is_sent: true`). */
  sent: number;
  /** Sent with the app access token (Chat Bot badge). */
  sentAsApp: number;
  /** `is_sent: false`: dropped by Twitch (AutoMod, duplicate, …); logged with the reason. */
  dropped: number;
  /** Refused with an HTTP error or lost to the network. */
  failed: number;
}

export interface ChatSenderOptions {
  helix: HelixClient;
  /** The bot's user id: the sender of every message. */
  senderId: string;
  logger(): Logger | undefined;
  /** Whether an app token was obtained (without one, everything goes as the bot user). */
  appTokenUsable(): boolean;
  /** Counts one `is_sent: false` by its `drop_reason.code` (a metric). */
  dropped?(reason: string): void;
}

/**
 * Sends what the scheduler releases; see the file comment.
 *
 * @example
 * const sender = new ChatSender({ helix, senderId: '90001', logger: () => log, appTokenUsable: () => true });
 * sender.transmit({ channel: 'mychan', text: 'hi', replyParentId: 'abc' }, '1001');
 */
export class ChatSender {
  /** Channels where the app token may not send (401/403): the user token sends there. */
  private readonly userOnly = new Set<string>();
  /** Per channel, the previous send: messages to one channel go out in order. */
  private readonly sending = new Map<string, Promise<void>>();
  private readonly counters: ChatSendStats = { sent: 0, sentAsApp: 0, dropped: 0, failed: 0 };

  constructor(private readonly options: ChatSenderOptions) {}

  /**
   * Starts posting `message` to `broadcasterId` after the channel's previous one. Throws, so that
   * the scheduler tries again shortly, while Helix's rate-limit bucket is empty.
   */
  transmit(message: OutboundMessage, broadcasterId: string): void {
    if (this.options.helix.limited()) throw new Error('Helix rate limit reached; waiting for the reset');
    const previous = this.sending.get(message.channel) ?? Promise.resolve();
    const next = previous.then(() => this.post(broadcasterId, message));
    this.sending.set(message.channel, next);
    void next.finally(() => {
      if (this.sending.get(message.channel) === next) this.sending.delete(message.channel);
    });
  }

  /** Resolves when every started post has settled. */
  async settled(): Promise<void> {
    await Promise.all(this.sending.values());
  }

  stats(): ChatSendStats {
    return { ...this.counters };
  }

  /** Sends one message, as the app when it may, else as the bot user. Never throws. */
  private async post(broadcasterId: string, message: OutboundMessage): Promise<void> {
    const { helix } = this.options;
    const logger = this.options.logger();
    const request = {
      broadcasterId,
      senderId: this.options.senderId,
      message: message.text,
      ...(message.replyParentId ? { replyParentMessageId: message.replyParentId } : {}),
    };
    let as: TokenKind = this.options.appTokenUsable() && !this.userOnly.has(message.channel) ? 'app' : 'user';
    try {
      let outcome = await helix.sendChatMessage(request, as);
      if (outcome.kind === 'refused' && as === 'app' && (outcome.status === 401 || outcome.status === 403)) {
        // The bot has not granted user:bot, or the channel neither channel:bot nor a moderator seat:
        // the app may not speak there; the bot user can.
        logger?.info(
          { channel: message.channel, twitch: outcome.message },
          'twitch: the app may not send here; sending as the bot user',
        );
        this.userOnly.add(message.channel);
        as = 'user';
        outcome = await helix.sendChatMessage(request, as);
      }
      if (outcome.kind === 'sent') {
        this.counters.sent += 1;
        if (as === 'app') this.counters.sentAsApp += 1;
      } else if (outcome.kind === 'dropped') {
        this.counters.dropped += 1;
        this.options.dropped?.(outcome.code);
        logger?.warn(
          { channel: message.channel, dropReason: outcome.code, twitch: outcome.message },
          'twitch: message dropped by Twitch (is_sent false); not retried',
        );
      } else {
        this.counters.failed += 1;
        logger?.warn(
          { channel: message.channel, status: outcome.status, twitch: outcome.message },
          'twitch: Send Chat Message refused',
        );
      }
    } catch (error: unknown) {
      this.counters.failed += 1;
      logger?.warn({ channel: message.channel, err: String(error) }, 'twitch: Send Chat Message failed');
    }
  }
}
