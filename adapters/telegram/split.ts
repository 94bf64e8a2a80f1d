/**
 * Cuts a long reply into messages Telegram accepts. `sendMessage` takes 1-4096 characters of text
 * after entities parsing (https://core.telegram.org/bots/api#sendmessage); we count UTF-16 code
 * units (JS string length), which is never fewer than the characters Telegram counts.
 */
import { FENCE_LINE } from './markdown.js';

/** The most text one Telegram message holds, in UTF-16 code units. */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

const FENCE = '```';

/**
 * Splits `text` into parts of at most `limit` code units, preferring, in order, a paragraph break
 * (blank line), a line break, then a space; a word longer than a part is cut, never inside a
 * surrogate pair. The whitespace at a cut is dropped. A fenced code block cut in two is closed at
 * the end of one part and reopened at the start of the next, so each part renders on its own.
 * @example splitMessage('a b c', 3) // ['a b', 'c']
 */
export function splitMessage(text: string, limit = TELEGRAM_MESSAGE_LIMIT): string[] {
  let rest = text.trim();
  if (rest.length <= limit) return rest === '' ? [] : [rest];
  // Room for the fences we may add at each end of a part (`\n```` and ```` ```lang\n ````).
  const reserve = FENCE.length * 2 + 24;
  const budget = limit > reserve * 4 ? limit - reserve : limit;
  const parts: string[] = [];
  while (rest.length > budget) {
    const cut = cutPoint(rest, budget);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') parts.push(rest);
  return budget === limit ? parts : balanceFences(parts);
}

/** Where to cut `text` so that the first part holds at most `max` code units. */
function cutPoint(text: string, max: number): number {
  const window = text.slice(0, max + 1);
  // Do not take a boundary so early that the part is tiny: at least half the room is used.
  const floor = Math.floor(max / 2);
  for (const boundary of [/\n[ \t]*\n/g, /\n/g, /[ \t]/g]) {
    let best = -1;
    for (const found of window.matchAll(boundary)) {
      if (found.index <= max && found.index >= floor) best = found.index;
    }
    if (best > 0) return best;
  }
  // No boundary: a hard cut, moved back one unit if it would split a surrogate pair.
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

/** Closes a code fence left open at the end of a part and reopens it (same language) in the next. */
function balanceFences(parts: string[]): string[] {
  let open: string | undefined;
  return parts.map((part) => {
    const body = open === undefined ? part : `${FENCE}${open}\n${part}`;
    open = openFence(body);
    return open === undefined ? body : `${body}\n${FENCE}`;
  });
}

/** The language of a fence opened in `text` and not closed (`''` for none given), else undefined. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const fence = FENCE_LINE.exec(line);
    if (!fence) continue;
    if (open === undefined) open = fence[1] ?? '';
    else if (fence[1] === '') open = undefined;
  }
  return open;
}
