/**
 * Streamed replies on Twitch (issue 15). Twitch chat cannot edit a message, so nothing is shown
 * while the model writes, except for a long answer: each time the unsent text holds more than one
 * message (500 characters), its whole sentences that fit in one message go out, through the
 * outbound scheduler like any reply; the rest goes when the answer is complete. Every part counts
 * against the reply's `maxReplyParts` (the last one is kept for the end).
 */
import { CUT_OFF_MARKER, type ReplyStream } from '../../src/core/adapter.js';
import { chatLength, TWITCH_MESSAGE_MAX_CHARS } from './send.js';

/** What the stream needs of the adapter. */
export interface TwitchStreamDeps {
  /** Queues `text` as at most `maxParts` messages of the reply (threaded as `send` threads them). */
  submit(text: string, maxParts: number): Promise<void>;
  /** Most messages one reply becomes. */
  maxParts: number;
  /** Logs a part that could not be queued. */
  warn(error: unknown): void;
}

/** A reply sent in whole sentences as it grows, and the rest at its end. */
export class SentenceReply implements ReplyStream {
  /** The part of the visible text already queued (a prefix of it). */
  private sent = '';
  private partsSent = 0;
  private queued: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(private readonly deps: TwitchStreamDeps) {}

  update(textSoFar: string): void {
    // The last part is the end's; nothing goes out before the unsent text is over one message.
    if (this.ended || this.partsSent >= this.deps.maxParts - 1 || !textSoFar.startsWith(this.sent)) return;
    const rest = textSoFar.slice(this.sent.length);
    if (chatLength(rest.trim()) <= TWITCH_MESSAGE_MAX_CHARS) return;
    const chunk = wholeSentences(rest, TWITCH_MESSAGE_MAX_CHARS);
    if (!chunk) return;
    this.sent += chunk;
    this.partsSent++;
    this.queue(chunk.trim(), 1);
  }

  /**
   * The rest of `finalText` after what went out (all of it when nothing did).
   * @throws what `send` throws when the rest cannot be queued.
   */
  async finish(finalText: string): Promise<void> {
    this.ended = true;
    await this.queued;
    const rest = restAfter(finalText, this.sent.trim());
    if (rest.trim() !== '')
      await this.deps.submit(rest.trim(), Math.max(1, this.deps.maxParts - this.partsSent));
  }

  /** A message cannot be taken back: a cut-off is said after what went out; a replacement is sent. */
  async abort(replacement?: string): Promise<void> {
    this.ended = true;
    if (replacement !== undefined && replacement !== '') this.queue(replacement, 1);
    else if (replacement === undefined && this.partsSent > 0) this.queue(CUT_OFF_MARKER.trim(), 1);
    await this.queued;
  }

  private queue(text: string, maxParts: number): void {
    this.queued = this.queued
      .then(() => this.deps.submit(text, maxParts))
      .catch((error) => this.deps.warn(error));
  }
}

/** How far before its sent position the end of what went out is looked for in the final text, chars. */
const SHIFT_CHARS = 8;

/**
 * What of `finalText` has not gone out, when `sent` (trimmed) went out already. The final text is
 * the cleaned answer (`cleanReply` strips wrapping quotes and whitespace), so it may not start with
 * what was sent as it streamed: then the end of `sent` is looked for in it (its last 40, 20, then 10
 * characters). When it cannot be found, the whole final text is said again rather than its end lost.
 */
export function restAfter(finalText: string, sent: string): string {
  if (sent === '') return finalText;
  if (finalText.startsWith(sent)) return finalText.slice(sent.length);
  for (const size of [40, 20, 10]) {
    const tail = sent.slice(-size);
    // Where it was sent, give or take what cleaning removed before it (a quote, spaces): a long answer
    // repeats itself enough that the first match anywhere may be an earlier sentence.
    const at = finalText.indexOf(tail, Math.max(0, sent.length - tail.length - SHIFT_CHARS));
    if (tail.length === size && at >= 0) return finalText.slice(at + tail.length);
  }
  return finalText;
}

/**
 * The longest start of `text` that ends a sentence (`.`, `!`, `?` or `…` before whitespace) and
 * fits in `maxChars` code points, with the whitespace after it; undefined when none does.
 * @example wholeSentences('One. Two. Three', 10) // 'One. Two. '
 */
export function wholeSentences(text: string, maxChars: number): string | undefined {
  let end: number | undefined;
  for (const found of text.matchAll(/[.!?…](\s+)/g)) {
    const stop = found.index + found[0].length;
    if (chatLength(text.slice(0, found.index + 1).trim()) > maxChars) break;
    end = stop;
  }
  return end === undefined ? undefined : text.slice(0, end);
}
