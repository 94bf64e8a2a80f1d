/**
 * Outbound: replies split to Discord's message size, posted over discord.js's REST client (which
 * queues and waits out rate limits itself), and the typing indicator.
 */
import { type REST, Routes } from 'discord.js';
import type { OutgoingReply } from '../../src/core/adapter.js';
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

const FENCE_CLOSE = '\n```';

/**
 * Splits `text` into parts of at most `limit` characters, cutting at a paragraph break, else a line
 * break, else a space (a hard cut only for a longer run without any). A code block cut in two is
 * closed at the end of one part and reopened, with its language, at the start of the next. Past
 * `maxParts`, the last part ends with '…'.
 *
 * @example splitMessage('a '.repeat(2500)) // two parts, each ≤ 2000 characters
 */
export function splitMessage(text: string, limit = DISCORD_MESSAGE_LIMIT, maxParts = 5): string[] {
  const parts: string[] = [];
  let rest = text;
  let reopen = '';
  while (rest.length > 0 && parts.length < maxParts) {
    if (reopen.length + rest.length <= limit) {
      parts.push(reopen + rest);
      rest = '';
      break;
    }
    // Room for a closing fence, and for the '…' should this part end up the last one.
    const [end, next] = cutPoint(rest, limit - reopen.length - FENCE_CLOSE.length - 1);
    const chunk = reopen + rest.slice(0, end).trimEnd();
    const open = openFence(chunk);
    parts.push(open ? chunk + FENCE_CLOSE : chunk);
    reopen = open ? `${open}\n` : '';
    rest = open ? rest.slice(next) : rest.slice(next).trimStart();
  }
  if (rest.length > 0) parts.push(`${parts.pop() ?? ''}…`);
  return parts;
}

/** Where to cut `text` to at most `max` characters: [end of this part, start of the next]. */
function cutPoint(text: string, max: number): [number, number] {
  const window = text.slice(0, max + 1);
  for (const boundary of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(boundary);
    if (at > max / 2) return [at, at + boundary.length];
  }
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff && max > 1 ? max - 1 : max; // keep a surrogate pair whole
  return [end, end];
}

/** The opening line (```` ```lang ````) of a code block left open at the end of `text`, if any. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const fence = /^\s*(```\S*)/.exec(line);
    if (fence) open = open === undefined ? fence[1] : undefined;
  }
  return open;
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
