/**
 * Word and phrase matching for triggers. Words match on Unicode word boundaries, never as
 * substrings: "hi" matches "hi!" and "HI there" but not "this". A boundary is any character that is
 * not a letter, a number or `_`, or the start or end of the text, so words that begin or end with
 * punctuation (`!lurk`, `o7`) work too. Compiled matchers are cached by their word list.
 */

/** Not preceded by a letter, number or `_` (the `u` flag is required). */
const BEFORE = '(?<![\\p{L}\\p{N}_])';
/** Not followed by a letter, number or `_`. */
const AFTER = '(?![\\p{L}\\p{N}_])';
/** Compiled patterns kept; past this, the oldest is dropped (config rarely has more lists). */
const CACHE_LIMIT = 256;

/** Tests a text; true when it contains one of the compiled words. */
export type WordMatcher = (text: string) => boolean;

/** `contains`: anywhere in the text; `start`: only as the text's first word (after whitespace). */
export type WordPosition = 'contains' | 'start';

const cache = new Map<string, RegExp | undefined>();

/**
 * Escapes the characters that are syntax in a `u`-flag regular expression.
 * @example escapeRegExp('a.b?') // 'a\\.b\\?'
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * The regex source of one word or phrase: escaped, with any run of whitespace between its words
 * matching any run of whitespace in the text. Returns '' for a blank phrase.
 * @example phrasePattern('good night') // 'good\\s+night'
 */
export function phrasePattern(phrase: string): string {
  return phrase.trim().split(/\s+/u).filter(Boolean).map(escapeRegExp).join('\\s+');
}

/**
 * A case-insensitive alternation of `words`, on word boundaries, or undefined when no word is
 * usable. Longest words first, so a phrase wins over its own first word.
 */
function buildRegExp(words: readonly string[], position: WordPosition): RegExp | undefined {
  const patterns = [...new Set(words.map(phrasePattern).filter(Boolean))].sort((a, b) => b.length - a.length);
  if (patterns.length === 0) return undefined;
  const head = position === 'start' ? '^\\s*' : BEFORE;
  return new RegExp(`${head}(?:${patterns.join('|')})${AFTER}`, 'iu');
}

function cachedRegExp(words: readonly string[], position: WordPosition): RegExp | undefined {
  const key = `${position}\u0000${words.join('\u0000')}`;
  if (cache.has(key)) return cache.get(key);
  const regExp = buildRegExp(words, position);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, regExp);
  return regExp;
}

/**
 * Compiles `words` (words or phrases, any case) into a matcher that tests whether a text contains
 * one of them on word boundaries, case-insensitively; with `position: 'start'`, only as the text's
 * first word. An empty list matches nothing. Matchers are cached by the list's contents.
 * @example compileWordMatcher(['hi', 'good night'])('HI there') // true
 * @example compileWordMatcher(['hi'])('this') // false
 */
export function compileWordMatcher(
  words: readonly string[],
  position: WordPosition = 'contains',
): WordMatcher {
  const regExp = cachedRegExp(words, position);
  return regExp ? (text) => regExp.test(text) : () => false;
}

/**
 * Normalizes bot names: lower case, without a leading `@`, blanks dropped.
 * @example normalizeBotNames(['@ChatGate', '']) // ['chatgate']
 */
export function normalizeBotNames(botNames: readonly string[]): string[] {
  return botNames.map((name) => name.trim().replace(/^@/, '').toLowerCase()).filter(Boolean);
}

/**
 * True when `text` names the bot: `@name` or `name` as a whole word, for any of `botNames`
 * (case-insensitive). "chatgate" inside "chatgatebot" does not count.
 * @example namesBot('hey @chatgate', ['chatgate']) // true
 */
export function namesBot(text: string, botNames: readonly string[]): boolean {
  return compileWordMatcher(normalizeBotNames(botNames))(text);
}
