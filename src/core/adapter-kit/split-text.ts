/**
 * Cutting a reply into messages a chat platform accepts. Every platform caps one message, some in
 * code points, some in UTF-16 units; each adapter passes its own limit and unit in (with the doc
 * URL it comes from), and the cutting rules are the same everywhere.
 */

/** How the size of a message is counted. */
export type SizeUnit = 'codePoint' | 'utf16';

/** What one platform accepts, and how to mark a reply cut short. */
export interface SplitOptions {
  /** The most one part may hold, counted in `unit`s. */
  limit: number;
  /**
   * `codePoint` (the default; what a reader sees as one character) or `utf16` (JS string length,
   * where an emoji counts 2; for a platform that counts UTF-16 units, or to err on the short side).
   * A part is never cut inside a surrogate pair either way.
   */
  unit?: SizeUnit;
  /** The most parts; text left after the last one is dropped and the last part ends with `ellipsis`. */
  maxParts?: number;
  /** Ends a part after which text was dropped. Default `…`. */
  ellipsis?: string;
  /**
   * Whether a Markdown code fence cut in two is closed at the end of one part and reopened, with its
   * language, at the start of the next, so that each part renders on its own. Default true; off
   * where a message is one line (an IRC chat).
   */
  codeFences?: boolean;
}

/** A fence line: ```` ``` ```` or ```` ```lang ````; only a bare one closes a block (CommonMark). */
const FENCE_LINE = /^\s*```([\w+#.-]*)\s*$/;
const FENCE_CLOSE = '\n```';

/** Cut places, best first: a paragraph break, a line break, any whitespace. */
const BOUNDARIES = [/\n[ \t]*\n/g, /\n/g, /\s+/gu];

const URL = /\bhttps?:\/\/\S+/g;

/**
 * Splits `text` into parts of at most `limit` units. A cut prefers, in order, a paragraph break, a
 * line break, then any whitespace, and uses at least half the room, so that no tiny part is made to
 * reach an early break; only a word longer than that is cut hard, and then before a URL rather than
 * inside it (unless the URL alone is too long). The whitespace at a cut is dropped; the text's own
 * ends are kept (trim before if the platform wants). Parts of only whitespace are left out.
 *
 * @example splitText('aaaa bbbb cccc', { limit: 9 }) // ['aaaa bbbb', 'cccc']
 * @example splitText('x'.repeat(30), { limit: 10, maxParts: 2 }) // ['x'.repeat(10), 'x'.repeat(9) + '…']
 */
export function splitText(text: string, options: SplitOptions): string[] {
  const { limit, unit = 'codePoint', maxParts = Number.POSITIVE_INFINITY, ellipsis = '…' } = options;
  const codeFences = options.codeFences ?? true;
  const size = (value: string): number => sizeOf(value, unit);
  const parts: string[] = [];
  let rest = text;
  let reopen = ''; // the fence line to start the next part with, when a block was cut
  while (rest.trim() !== '' && parts.length < maxParts) {
    if (size(reopen) + size(rest) <= limit) {
      parts.push(reopen + rest);
      return parts;
    }
    const last = parts.length === maxParts - 1;
    const budget = limit - size(reopen) - (last ? size(ellipsis) : 0);
    let cut = cutPoint(rest, budget, unit);
    let open = codeFences ? openFence(reopen + rest.slice(0, cut.end)) : undefined;
    // Close the block only when there is room for it and its reopening; tiny limits go without.
    if (open !== undefined && size(`${FENCE_CLOSE}\`\`\`${open}\n`) <= limit / 4) {
      cut = cutPoint(rest, budget - size(FENCE_CLOSE), unit);
      open = openFence(reopen + rest.slice(0, cut.end));
    } else open = undefined;
    const body = (reopen + rest.slice(0, cut.end)).trimEnd();
    // Inside a code block the next line's indentation is content; elsewhere it is not.
    rest = open === undefined ? rest.slice(cut.next).trimStart() : rest.slice(cut.next);
    reopen = open === undefined ? '' : `\`\`\`${open}\n`;
    if (body.trim() === '') continue;
    const dropped = last && rest.trim() !== '' ? ellipsis : '';
    parts.push(body + dropped + (open === undefined ? '' : FENCE_CLOSE));
  }
  return parts;
}

/** The size of `text` in `unit`s. */
export function sizeOf(text: string, unit: SizeUnit): number {
  if (unit === 'utf16') return text.length;
  let count = 0;
  for (const _char of text) count += 1;
  return count;
}

/** Where a part ends (`end`) and the next begins (`next`, past the dropped boundary), as string indices. */
interface Cut {
  end: number;
  next: number;
}

/** Where to cut `text` so that the first part holds at most `max` units. */
function cutPoint(text: string, max: number, unit: SizeUnit): Cut {
  const room = Math.max(1, max);
  const end = fitIndex(text, room, unit);
  const floor = Math.max(1, fitIndex(text, Math.floor(room / 2), unit));
  // One character past the room: a boundary right there is dropped, so it still fits.
  const window = text.slice(0, end + 1);
  for (const boundary of BOUNDARIES) {
    let best: Cut | undefined;
    for (const found of window.matchAll(boundary)) {
      if (found.index >= floor && found.index <= end) {
        best = { end: found.index, next: found.index + found[0].length };
      }
    }
    if (best) return best;
  }
  const url = urlAcross(text, end);
  return url > 0 ? { end: url, next: url } : { end, next: end };
}

/** The start of a URL that index `at` falls inside (not at its start), else -1. */
function urlAcross(text: string, at: number): number {
  for (const found of text.matchAll(URL)) {
    if (found.index >= at) break;
    if (at < found.index + found[0].length) return found.index;
  }
  return -1;
}

/** The longest prefix of `text` (a string index) holding at most `max` units, never half a surrogate pair. */
function fitIndex(text: string, max: number, unit: SizeUnit): number {
  if (unit === 'utf16') {
    if (text.length <= max) return text.length;
    const code = text.charCodeAt(max - 1);
    return code >= 0xd800 && code <= 0xdbff && max > 1 ? max - 1 : max;
  }
  let count = 0;
  let index = 0;
  for (const char of text) {
    if (count === max) break;
    count += 1;
    index += char.length;
  }
  return index;
}

/** The language of a fence opened in `text` and not closed (`''` when none is given), else undefined. */
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
