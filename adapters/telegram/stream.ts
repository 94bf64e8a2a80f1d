/**
 * Replies shown while the model writes them (issue 15), through the Bot API:
 * - a private chat gets drafts: `sendMessageDraft` (Bot API 9.5, all bots;
 *   https://core.telegram.org/bots/api#sendmessagedraft) with the growing text under one
 *   `draft_id` (Telegram animates the changes; a draft is an ephemeral preview), then the final
 *   `sendMessage`, which persists the reply;
 * - a group gets one `sendMessage` with the first sentence, then `editMessageText` with the text so
 *   far (https://core.telegram.org/bots/api#editmessagetext), and a last edit with the final text.
 * Each message and edit takes the chat's next outbound slot (throttle.ts: 1 per second per chat, 20
 * per minute per group); drafts, which are no messages (Telegram documents no limit of theirs),
 * are paced on their own, one per `DRAFT_INTERVAL_MS` per reply, so that they never delay the
 * final message. Texts wanted while a call waits are skipped for the latest. Intermediate texts
 * are plain; the final text is MarkdownV2 (plain when Telegram cannot parse it), as `send` sends it.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Telegram } from 'telegraf';
import { CUT_OFF_MARKER, type ReplyStream } from '../../src/core/adapter.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { readFailure } from './api-error.js';
import type { Target, TelegramSender } from './send.js';

/** What a stream needs of the adapter. */
export interface TelegramStreamDeps {
  telegram: Telegram;
  /** Paced calls, whole replies and MarkdownV2 edits with their retries. */
  sender: Pick<TelegramSender, 'paced' | 'send' | 'editText'> & { target(event: ChatEvent): Target };
  /** The bot token, only to keep it out of logged errors. */
  token: string;
  logger: () => Logger | undefined;
}

/** The most a draft or an intermediate edit shows, UTF-16 units (one message's worth). */
const SHOWN_MAX = 4096;
/** Least time between two drafts of one reply, ms (a message's pace in a private chat). */
const DRAFT_INTERVAL_MS = 1000;
/** A group's first message waits for a sentence end, unless the text grows past this, chars. */
const OPENING_MAX_CHARS = 200;

/** The stream for `event`'s chat: drafts in a private chat, a message and its edits elsewhere. */
export function openTelegramStream(event: ChatEvent, deps: TelegramStreamDeps): ReplyStream {
  const target = deps.sender.target(event);
  return target.isGroup || typeof target.chatId !== 'number' || target.chatId <= 0
    ? new EditedReply(event, target, deps)
    : new DraftReply(event, target, deps);
}

/**
 * Shows the latest wanted text at the chat's pace: one call at a time, each with the text wanted
 * when its slot comes (texts wanted meanwhile are skipped). Failures are logged; the next text tries again.
 */
abstract class PacedReply implements ReplyStream {
  /** The text shown last (what a cut-off keeps). */
  protected shown = '';
  private wanted: string | undefined;
  private running: Promise<void> | undefined;
  private ended = false;
  /** Aborted when the stream ends: a pacing wait for a text no longer wanted stops at once. */
  protected readonly ending = new AbortController();

  constructor(
    protected readonly event: ChatEvent,
    protected readonly target: Target,
    protected readonly deps: TelegramStreamDeps,
  ) {}

  /** Shows `text` (one Bot API call, inside `slot`). */
  protected abstract show(text: string): Promise<void>;
  /** Runs one call when the pace allows: by default in the chat's next outbound slot. */
  protected slot(call: () => Promise<void>): Promise<void> {
    return this.deps.sender.paced(this.target, call);
  }
  /** Whether `text` may be shown yet (a group waits for its first sentence). */
  protected ready(_text: string): boolean {
    return true;
  }

  update(textSoFar: string): void {
    if (this.ended || !this.ready(textSoFar)) return;
    this.wanted = textSoFar;
    this.running ??= this.run();
  }

  async finish(finalText: string): Promise<void> {
    await this.settle();
    await this.end(finalText);
  }

  async abort(replacement?: string): Promise<void> {
    await this.settle();
    try {
      if (replacement === undefined) {
        if (this.shown.trim() !== '') await this.end(cutOff(this.shown));
      } else if (replacement === '') await this.remove();
      else await this.end(replacement);
    } catch (error) {
      this.log(error, 'telegram: a stopped stream could not be ended');
    }
  }

  /** Makes `text` the whole, final reply. */
  protected abstract end(text: string): Promise<void>;
  /** Takes back what was shown. */
  protected abstract remove(): Promise<void>;

  /** No more updates; resolves once the call in flight has settled. */
  private async settle(): Promise<void> {
    this.ended = true;
    this.wanted = undefined;
    this.ending.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      while (this.wanted !== undefined) {
        await this.slot(async () => {
          const text = this.wanted;
          this.wanted = undefined;
          if (text !== undefined && text !== this.shown) await this.show(text);
        }).catch((error: unknown) => this.log(error, 'telegram: stream update failed'));
      }
    } finally {
      this.running = undefined;
    }
  }

  protected log(error: unknown, message: string): void {
    const failure = readFailure(error, this.deps.token);
    this.deps
      .logger()
      ?.warn({ chat: this.target.key, code: failure.code, error: failure.description }, message);
  }
}

/** A private chat: drafts with the growing text, then the final message. */
class DraftReply extends PacedReply {
  /** One draft per reply, non-zero: changes under one id are animated. */
  private readonly draftId = randomInt(1, 2 ** 31 - 1);
  /** When the last draft call settled, ms (performance clock). */
  private lastDraftAt = Number.NEGATIVE_INFINITY;

  protected override async slot(call: () => Promise<void>): Promise<void> {
    const wait = this.lastDraftAt + DRAFT_INTERVAL_MS - performance.now();
    // The final message does not wait for a draft's turn.
    if (wait > 0) await sleep(wait, undefined, { signal: this.ending.signal }).catch(() => {});
    try {
      await call();
    } finally {
      this.lastDraftAt = performance.now();
    }
  }

  protected async show(text: string): Promise<void> {
    const payload = {
      chat_id: this.target.chatId,
      draft_id: this.draftId,
      text: text.slice(0, SHOWN_MAX),
      ...(this.target.threadId !== undefined ? { message_thread_id: this.target.threadId } : {}),
    };
    // telegraf 4.16 predates the method; callApi sends any method by name.
    await (this.deps.telegram.callApi as (method: string, payload: object) => Promise<unknown>)(
      'sendMessageDraft',
      payload,
    );
    this.shown = text;
  }

  /** The final message persists the reply (a draft is only a preview). */
  protected end(text: string): Promise<void> {
    return this.deps.sender.send(this.event, text);
  }

  /** A draft vanishes by itself: nothing is persisted. */
  protected async remove(): Promise<void> {}
}

/** A group (or channel): one message with the first sentence, then edits. */
class EditedReply extends PacedReply {
  private messageId: number | undefined;

  protected override ready(text: string): boolean {
    return this.messageId !== undefined || opening(text) !== undefined;
  }

  protected async show(text: string): Promise<void> {
    if (this.messageId === undefined) {
      const first = opening(text) ?? text;
      const { target } = this;
      const sent = await this.deps.telegram.sendMessage(target.chatId, first, {
        ...(target.threadId !== undefined ? { message_thread_id: target.threadId } : {}),
        ...(target.replyTo !== undefined
          ? { reply_parameters: { message_id: target.replyTo, allow_sending_without_reply: true } }
          : {}),
      });
      this.messageId = sent.message_id;
      this.shown = first;
      return;
    }
    await this.deps.telegram.editMessageText(
      this.target.chatId,
      this.messageId,
      undefined,
      text.slice(0, SHOWN_MAX),
    );
    this.shown = text;
  }

  /** The message edited to the final text; what does not fit in it follows as new messages. */
  protected async end(text: string): Promise<void> {
    if (this.messageId === undefined) return this.deps.sender.send(this.event, text);
    const [first = '', ...rest] = splitForEdit(text);
    await this.deps.sender.editText(this.target, this.messageId, first);
    if (rest.length > 0) await this.deps.sender.send(this.event, rest.join('\n'));
  }

  protected async remove(): Promise<void> {
    if (this.messageId === undefined) return;
    const messageId = this.messageId;
    await this.deps.sender.paced(this.target, () =>
      this.deps.telegram.deleteMessage(this.target.chatId, messageId),
    );
  }
}

/**
 * The first sentence of `text` (through its end mark and before the space after it, or its first
 * line), or its first `OPENING_MAX_CHARS` cut at a space when no sentence ended by then; undefined
 * while neither is there.
 * @example opening('Hi there. And') // 'Hi there.'
 */
export function opening(text: string): string | undefined {
  const end = /[.!?…](?=\s)|\n/.exec(text);
  if (end && end.index < OPENING_MAX_CHARS) return text.slice(0, end.index + 1).trim() || undefined;
  if (text.length < OPENING_MAX_CHARS) return undefined;
  const head = text.slice(0, OPENING_MAX_CHARS);
  const space = head.lastIndexOf(' ');
  return (space > 0 ? head.slice(0, space) : head).trim();
}

/** `text` in two: what fits in one message (cut at a line or a space), and the rest. */
function splitForEdit(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.length <= SHOWN_MAX) return [trimmed];
  const head = trimmed.slice(0, SHOWN_MAX);
  const cut = Math.max(head.lastIndexOf('\n'), head.lastIndexOf(' '));
  const at = cut > SHOWN_MAX / 2 ? cut : SHOWN_MAX;
  return [trimmed.slice(0, at).trim(), trimmed.slice(at).trim()];
}

/** The shown text marked as cut off, within one message. */
function cutOff(shown: string): string {
  return `${shown.trimEnd().slice(0, SHOWN_MAX - CUT_OFF_MARKER.length)}${CUT_OFF_MARKER}`;
}
