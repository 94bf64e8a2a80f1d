/**
 * Our replies are Markdown as models write it (`**bold**`, `*italic*`, `` `code` ``, fences, links,
 * `# headings`, `> quotes`); Telegram wants MarkdownV2, where every other special character must be
 * escaped. Rules: https://core.telegram.org/bots/api#markdownv2-style
 * - anywhere, a character with code 1-126 may be escaped with a preceding `\`;
 * - inside `pre` and `code`, only `` ` `` and `\` must be escaped;
 * - inside the `(...)` of an inline link, only `)` and `\` must be escaped;
 * - elsewhere `_*[]()~`>#+-=|{}.!` (and `\` itself) must be escaped.
 * Markup we cannot map is escaped and shows as typed; if Telegram still refuses the text, the
 * sender re-sends it as plain text (send.ts).
 */

/** A line that opens or closes a fenced code block, with an optional language: ```` ```ts ````. */
export const FENCE_LINE = /^\s*```([\w+#.-]*)\s*$/;

/** Escapes text outside any entity: every MarkdownV2 special character and `\`. */
export function escapeMarkdownV2(text: string): string {
  return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, '\\$&');
}

/** Escapes the inside of a `code` or `pre` entity: only `` ` `` and `\`. */
export function escapeCode(text: string): string {
  return text.replace(/[`\\]/g, '\\$&');
}

/** Escapes the URL part of an inline link: only `)` and `\`. */
export function escapeLinkUrl(url: string): string {
  return url.replace(/[)\\]/g, '\\$&');
}

const INLINE = new RegExp(
  [
    '`([^`\\n]+)`', // 1: inline code
    '\\[([^\\]\\n]+)\\]\\(((?:https?|tg|mailto):[^\\s()]*(?:\\([^\\s()]*\\)[^\\s()]*)*)\\)', // 2, 3: link
    '\\*\\*(?=\\S)([^\\n]*?\\S)\\*\\*', // 4: bold
    '__(?=\\S)([^\\n]*?\\S)__', // 5: bold, the underscore spelling
    '~~(?=\\S)([^\\n]*?\\S)~~', // 6: strikethrough
    '(?<![\\p{L}\\p{N}*\\\\])\\*(?=[^\\s*])([^*\\n]*?[^\\s*\\\\])\\*(?![\\p{L}\\p{N}*])', // 7: italic
    '(?<![\\p{L}\\p{N}_\\\\])_(?=[^\\s_])([^_\\n]*?[^\\s_\\\\])_(?![\\p{L}\\p{N}_])', // 8: italic
  ].join('|'),
  'gu',
);

/** One line of prose: the spans we know become MarkdownV2 entities, everything else is escaped. */
function inline(line: string): string {
  let out = '';
  let last = 0;
  for (const found of line.matchAll(INLINE)) {
    out += escapeMarkdownV2(line.slice(last, found.index));
    last = found.index + found[0].length;
    const [, code, linkText, url, bold, boldAlt, strike, italic, italicAlt] = found;
    if (code !== undefined) out += `\`${escapeCode(code)}\``;
    else if (linkText !== undefined && url !== undefined) {
      out += `[${escapeMarkdownV2(linkText)}](${escapeLinkUrl(url)})`;
    } else if (bold !== undefined || boldAlt !== undefined) out += `*${inline(bold ?? boldAlt ?? '')}*`;
    else if (strike !== undefined) out += `~${inline(strike)}~`;
    else out += `_${inline(italic ?? italicAlt ?? '')}_`;
  }
  return out + escapeMarkdownV2(line.slice(last));
}

/**
 * A prose line: a `# heading` becomes bold (bold markers inside it dropped, as bold cannot nest in
 * bold), a `> quote` a blockquote, the rest inline markup.
 */
function proseLine(line: string): string {
  const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
  if (heading?.[1] !== undefined) return `*${inline(heading[1].replace(/\*\*|__/g, ''))}*`;
  const quote = /^>\s?(.*)$/.exec(line);
  if (quote?.[1] !== undefined) return `>${inline(quote[1])}`;
  return inline(line);
}

/**
 * Converts model Markdown to MarkdownV2 text for `parse_mode: 'MarkdownV2'`. A fence left open runs
 * to the end of the text (and is closed).
 * @example toMarkdownV2('**Done.** See `a_b`!') // '*Done\\.* See `a_b`\\!'
 */
export function toMarkdownV2(text: string): string {
  const out: string[] = [];
  let code: string[] | undefined;
  let language = '';
  for (const line of text.split('\n')) {
    const fence = FENCE_LINE.exec(line);
    if (code === undefined && fence) {
      code = [];
      language = /^[A-Za-z0-9]+$/.test(fence[1] ?? '') ? (fence[1] ?? '') : '';
    } else if (code !== undefined && fence && fence[1] === '') {
      out.push(`\`\`\`${language}\n${escapeCode(code.join('\n'))}\n\`\`\``);
      code = undefined;
    } else if (code !== undefined) code.push(line);
    else out.push(proseLine(line));
  }
  if (code !== undefined) out.push(`\`\`\`${language}\n${escapeCode(code.join('\n'))}\n\`\`\``);
  return out.join('\n');
}
