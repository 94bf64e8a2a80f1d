/**
 * Outbound: replies split to Discord's message size, posted over discord.js's REST client (which
 * queues and waits out rate limits itself), and the typing indicator.
 */
import { type REST, Routes } from 'discord.js';
import type { OutgoingReply } from '../../src/core/adapter.js';
import { splitText } from '../../src/core/adapter-kit/split-text.js';
import type { ChatEvent } from '../../src/core/chat-event.js';

/**
 * Longest `content` of a message, characters (JS string length; surrogate pairs count twice, which
 * only errs on the short side). https://discord.com/developers/docs/resources/message#create-message
 */
export const DISCORD_MESSAGE_LIMIT = 2000;

/**
 * `allowed_mentions` on every message we send: nothing parsed from the text, so model output can
 * never ping @everyone, @here, roles or users; only the author of the message replied to.
 * https://discord.com/developers/docs/resources/message#allowed-mentions-object
 */
export const SAFE_ALLOWED_MENTIONS = { parse: [], replied_user: true } as const;

/**
 * How often typing is renewed while a reply is produced, ms. Discord shows it for about 10 s after
 * each POST: https://discord.com/developers/docs/resources/channel#trigger-typing-indicator
 */
export const TYPING_INTERVAL_MS = 8000;

/**
 * `text` in parts of at most `limit` characters (UTF-16 units), cut at a paragraph break, else a
 * line break, else a space; a code block cut in two is closed and reopened with its language. Past
 * `maxParts`, the last part ends with '…'. The kit's `splitText` with Discord's limits.
 *
 * @example splitMessage('a '.repeat(2500)) // two parts, each ≤ 2000 characters
 */
export function splitMessage(text: string, limit = DISCORD_MESSAGE_LIMIT, maxParts = 5): string[] {
  return splitText(text, { limit, unit: 'utf16', maxParts });
}

/** Where a reply to `event` goes: its thread, else its channel. */
export function targetOf(event: ChatEvent): string {
  return event.threadId ?? event.channelId;
}

/**
 * Posts `reply` in the event's channel or thread: the first part as a reply to the event's message
 * (`message_reference`, sent anyway if that message is gone), every part with
 * `SAFE_ALLOWED_MENTIONS`. Parts go one after another, in order.
 *
 * @throws the REST error when Discord refuses a part (missing access, unknown channel …).
 */
export async function postReply(rest: REST, reply: OutgoingReply, maxParts: number): Promise<void> {
  const parts = splitMessage(reply.text, DISCORD_MESSAGE_LIMIT, maxParts);
  const { messageId } = reply.event;
  for (const [index, content] of parts.entries()) {
    const body = {
      content,
      allowed_mentions: SAFE_ALLOWED_MENTIONS,
      ...(index === 0 &&
        messageId && { message_reference: { message_id: messageId, fail_if_not_exists: false } }),
    };
    await rest.post(Routes.channelMessages(targetOf(reply.event)), { body });
  }
}

/**
 * Shows "typing…" in `channelId` now and every `intervalMs` until the returned function is called.
 * Failures go to `onError` and do not stop the renewal (the next one may pass).
 */
export function keepTyping(
  rest: REST,
  channelId: string,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  const post = (): void => {
    rest.post(Routes.channelTyping(channelId)).catch(onError);
  };
  post();
  const timer = setInterval(post, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
