/**
 * Delivery to Telegram: a reply is split into parts of at most 4096 characters, sent as
 * MarkdownV2 (markdown.ts) replying to the triggering message in its forum topic, spaced by the
 * outbound scheduler (throttle.ts). A part Telegram cannot parse is re-sent as plain text; a 429
 * waits `parameters.retry_after` seconds and tries again, a 5xx backs off (the kit's
 * `sendWithRetry`); nothing is dropped silently: a part that still fails rejects `send` with the
 * kit's `PlatformRefusedError` or `PlatformUnreachableError`.
 * Methods: https://core.telegram.org/bots/api#sendmessage, https://core.telegram.org/bots/api#sendchataction
 */
import type { Logger } from 'pino';
import type { Telegram } from 'telegraf';
import type { ReplyStream } from '../../src/core/adapter.js';
import { sendWithRetry } from '../../src/core/adapter-kit/send-with-retry.js';
import { splitText } from '../../src/core/adapter-kit/split-text.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { settlesWithin } from '../../src/core/settles-within.js';
import { isNotModified, isParseFailure, readFailure, toCallError } from './api-error.js';
import { toMarkdownV2 } from './markdown.js';
import { openTelegramStream } from './stream.js';
import { OutboundThrottle, type ThrottleLimits } from './throttle.js';

/**
 * The most text one Telegram message holds: `sendMessage` takes 1-4096 characters after entities
 * parsing (https://core.telegram.org/bots/api#sendmessage). We count UTF-16 code units (JS string
 * length), never fewer than the characters Telegram counts.
 */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

/**
 * `text`, trimmed, in parts Telegram accepts (at most `limit` UTF-16 units each; code fences
 * closed and reopened at a cut); none for a blank text.
 * @example splitMessage('a b c', 3) // ['a b', 'c']
 */
export function splitMessage(text: string, limit = TELEGRAM_MESSAGE_LIMIT): string[] {
  return splitText(text.trim(), { limit, unit: 'utf16' });
}

/** How the sender behaves. */
export interface SenderOptions {
  /** The bot token, only to keep it out of error text. */
  token: string;
  limits: ThrottleLimits;
  /** Tries per message part, counting the first, for 429 and 5xx answers. Default 5. */
  maxAttempts: number;
  /** A `retry_after` longer than this (ms) is not waited out: the send fails. Default 60 000. */
  maxRetryAfterMs: number;
  /** How often `typing` is re-sent, ms; Telegram shows it for 5 s or until a message arrives. Default 4000. */
  typingIntervalMs: number;
}

/** Where a reply to `event` goes. */
export interface Target {
  key: string;
  chatId: number | string;
  isGroup: boolean;
  threadId?: number;
  replyTo?: number;
}

/** A numeric id as a number (chat ids fit in 52 bits), else the string as given. */
function idOf(value: string): number | string {
  return /^-?\d{1,16}$/.test(value) ? Number(value) : value;
}

export function targetOf(event: ChatEvent): Target {
  const chatType = event.meta.chatType;
  const isGroup =
    chatType === 'group' || chatType === 'supergroup' || (chatType === undefined && !event.isDirect);
  const threadId = event.threadId !== undefined ? Number(event.threadId) : Number.NaN;
  const replyTo = event.messageId !== undefined ? Number(event.messageId) : Number.NaN;
  return {
    key: event.channelId,
    chatId: idOf(event.channelId),
    isGroup,
    ...(Number.isSafeInteger(threadId) ? { threadId } : {}),
    ...(Number.isSafeInteger(replyTo) ? { replyTo } : {}),
  };
}

/** Sends replies and typing actions through a telegraf `Telegram` client. */
export class TelegramSender {
  private readonly throttle: OutboundThrottle;
  private readonly typers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly telegram: Telegram,
    private readonly options: SenderOptions,
    private readonly logger: () => Logger | undefined,
  ) {
    this.throttle = new OutboundThrottle(options.limits);
  }

  /**
   * Sends `text` as the reply to `event`: every part replies to the event's message (the original
   * may be gone: `allow_sending_without_reply`) in the event's topic. Parts of one reply stay
   * together and in order. Rejects with `PlatformRefusedError` or `PlatformUnreachableError` (from
   * src/core/adapter-kit) when a part cannot be delivered.
   */
  async send(event: ChatEvent, text: string): Promise<void> {
    const parts = splitMessage(text);
    if (parts.length === 0) {
      this.logger()?.warn({ event: event.id }, 'telegram: empty reply not sent');
      return;
    }
    const target = targetOf(event);
    await this.throttle.serial(target.key, async () => {
      for (const part of parts) await this.deliver(target, part);
    });
  }

  private deliver(target: Target, part: string): Promise<void> {
    return this.withMarkdown(target, 'sendMessage', async (markdown) => {
      await this.telegram.sendMessage(target.chatId, markdown ? toMarkdownV2(part) : part, {
        ...(markdown ? { parse_mode: 'MarkdownV2' as const } : {}),
        ...(target.threadId !== undefined ? { message_thread_id: target.threadId } : {}),
        ...(target.replyTo !== undefined
          ? { reply_parameters: { message_id: target.replyTo, allow_sending_without_reply: true } }
          : {}),
      });
    });
  }

  /**
   * Replaces the text of our message `messageId` in `target`'s chat with `text` as MarkdownV2
   * (plain text when Telegram cannot parse it), within the chat's outbound limits and with the
   * retries of `send`. An edit to the text it shows already ("message is not modified") is done.
   * https://core.telegram.org/bots/api#editmessagetext
   * @throws PlatformRefusedError or PlatformUnreachableError as `send`.
   */
  editText(target: Target, messageId: number, text: string): Promise<void> {
    return this.withMarkdown(target, 'editMessageText', async (markdown) => {
      try {
        await this.telegram.editMessageText(
          target.chatId,
          messageId,
          undefined,
          markdown ? toMarkdownV2(text) : text,
          markdown ? { parse_mode: 'MarkdownV2' } : {},
        );
      } catch (error) {
        if (!isNotModified(readFailure(error, this.options.token))) throw error;
      }
    });
  }

  /**
   * Runs one paced Bot API call (the chat's next outbound slot, see throttle.ts) with `call`, the
   * way `send` does: 429 and 5xx retried, MarkdownV2 that Telegram cannot parse tried once more as
   * plain text (`call(false)`).
   */
  private async withMarkdown(
    target: Target,
    method: string,
    call: (markdown: boolean) => Promise<void>,
  ): Promise<void> {
    const { maxAttempts, maxRetryAfterMs, token } = this.options;
    let markdown = true;
    const once = () => this.paced(target, () => call(markdown));
    await sendWithRetry(
      async () => {
        try {
          await once();
        } catch (error) {
          // Not a retry: the same text as plain text, which Telegram cannot fail to parse.
          if (!markdown || !isParseFailure(readFailure(error, token))) throw error;
          this.logger()?.warn({ chat: target.key }, 'telegram: MarkdownV2 refused, re-sending as plain text');
          markdown = false;
          await once();
        }
      },
      {
        maxAttempts,
        maxRetryAfterMs,
        toCallError: (error) => toCallError(error, method, token),
        onRetry: (error, waitMs) =>
          this.logger()?.warn(
            { chat: target.key, code: error.errorCode, waitMs },
            'telegram: send refused, retrying',
          ),
      },
    );
  }

  /** Runs `call` in the chat's next outbound slot (throttle.ts), once. */
  async paced<T>(target: Target, call: () => Promise<T>): Promise<T> {
    await this.throttle.slot(target.key, target.isGroup);
    try {
      return await call();
    } finally {
      this.throttle.sent(target.key);
    }
  }

  /**
   * A reply to `event` shown while it is written (stream.ts): drafts in a private chat, one message
   * and its edits in a group.
   */
  openStream(event: ChatEvent): ReplyStream {
    return openTelegramStream(event, {
      telegram: this.telegram,
      sender: {
        paced: (t, c) => this.paced(t, c),
        send: (e, t) => this.send(e, t),
        editText: (t, m, x) => this.editText(t, m, x),
        target: targetOf,
      },
      token: this.options.token,
      logger: this.logger,
    });
  }

  /**
   * Shows "typing…" in the event's chat (and topic) now and every `typingIntervalMs` until the
   * returned function is called. Failures are logged at debug level and otherwise ignored.
   */
  typing(event: ChatEvent): () => void {
    const target = targetOf(event);
    const extra = target.threadId !== undefined ? { message_thread_id: target.threadId } : {};
    const send = () => {
      this.telegram.sendChatAction(target.chatId, 'typing', extra).catch((error: unknown) => {
        const failure = readFailure(error, this.options.token);
        this.logger()?.debug({ chat: target.key, code: failure.code }, 'telegram: typing action failed');
      });
    };
    send();
    const timer = setInterval(send, this.options.typingIntervalMs);
    this.typers.add(timer);
    return () => {
      clearInterval(timer);
      this.typers.delete(timer);
    };
  }

  /** Stops every typing refresh, then waits for queued sends, at most `graceMs`. */
  async drain(graceMs: number): Promise<void> {
    for (const timer of this.typers) clearInterval(timer);
    this.typers.clear();
    await settlesWithin(this.throttle.idle(), graceMs);
  }
}
