/**
 * Outbound encoding for Twitch chat: one safe IRC line per message, at most 500 characters each
 * (https://dev.twitch.tv/docs/chat/irc/#privmsg: "messages are limited to 500 characters"), threaded
 * under the message being answered with the `reply-parent-msg-id` tag
 * (https://dev.twitch.tv/docs/chat/irc/#sending-and-receiving-chat-messages).
 */
import { sizeOf, splitText } from '../../src/core/adapter-kit/split-text.js';
import { escapeTagValue, LOGIN_PATTERN } from './tags.js';

/** Longest chat message Twitch accepts, in characters (code points). */
export const TWITCH_MESSAGE_MAX_CHARS = 500;

/**
 * Control characters (CR and LF would end the IRC line and start another command; U+0001 would
 * turn the text into a CTCP ACTION), flattened to spaces.
 */
const CONTROL_CHARS = /\p{Cc}+/gu;

/**
 * What may not start a message: `/` and `.` start chat commands (`/ban`, `.timeout`); leading
 * whitespace and invisible characters (zero-width, bidi marks, U+E0000 and the tag block, Hangul
 * fillers: Unicode's Default_Ignorable_Code_Point and format characters) could hide one, and so
 * could the braille pattern blank U+2800 (a symbol to Unicode, but it renders as nothing).
 */
const LEADING_COMMAND = /^[\s\p{Default_Ignorable_Code_Point}\p{Cf}\u2800./]+/u;

/**
 * Turns model output into at most `maxParts` chat messages: control characters flattened, split on
 * word boundaries at 500 characters, the last part cut with `…` when text remains, and each part
 * stripped of a leading command character so that model output can never run `/ban` or `.timeout`.
 * Parts that end up empty are left out.
 *
 * @example
 * prepareTwitchParts('/ban someone please', 2); // ['ban someone please']
 */
export function prepareTwitchParts(
  text: string,
  maxParts: number,
  maxChars = TWITCH_MESSAGE_MAX_CHARS,
): string[] {
  const flat = text.replace(CONTROL_CHARS, ' ');
  return splitOnWords(flat, maxChars, maxParts)
    .map(neutralizeCommand)
    .filter((part) => part !== '');
}

/** Removes what would make Twitch read the message as a command (see LEADING_COMMAND). */
export function neutralizeCommand(part: string): string {
  return part.replace(LEADING_COMMAND, '');
}

/**
 * `text`, trimmed, in parts of at most `maxChars` code points, broken at whitespace (a word longer
 * than a part is cut). At most `maxParts` parts; when text remains after the last one, it ends with
 * `…` within the limit. The kit's `splitText` with Twitch's limits (one line: no code fences).
 */
export function splitOnWords(text: string, maxChars: number, maxParts: number): string[] {
  return splitText(text.trim(), { limit: maxChars, maxParts, codeFences: false });
}

/**
 * The raw IRC line for one message: `@reply-parent-msg-id=<id> PRIVMSG #channel :text`, or a plain
 * PRIVMSG when there is no parent. Throws on a channel that is not a Twitch login.
 */
export function privmsgLine(channel: string, text: string, replyParentId?: string): string {
  if (!LOGIN_PATTERN.test(channel)) throw new Error(`not a Twitch channel login: ${JSON.stringify(channel)}`);
  const line = `PRIVMSG #${channel} :${text.replace(CONTROL_CHARS, ' ')}`;
  return replyParentId ? `@reply-parent-msg-id=${escapeTagValue(replyParentId)} ${line}` : line;
}

/** The length Twitch counts: code points, not UTF-16 units. */
export function chatLength(text: string): number {
  return sizeOf(text, 'codePoint');
}
