/**
 * Folds chat text into comparable words for the blocked-term matcher: what a viewer types to slip
 * a word past a filter (`H4TE`, `h@te`, fullwidth `ｈａｔｅ`, Cyrillic `а` for Latin `a`, `hàte`)
 * becomes the word a moderator wrote (`hate`). Terms and messages are folded by the same function,
 * so folding only has to be consistent, not reversible: `1`, `i`, `l`, `|` and `!` all become `i`.
 *
 * Steps, each linear in the text's length:
 * 1. NFKD (compatibility decomposition: fullwidth and other compatibility forms become their plain
 *    letters, as under NFKC) and removal of the combining diacritics U+0300–U+036F (`é` → `e`);
 *    other marks (Devanagari vowel signs …) stay part of their words.
 * 2. Lower case, then look-alike folding: Cyrillic and Greek letters shaped like Latin ones, and
 *    leetspeak digits (`0`→o, `1`→i, `3`→e, `4`→a, `5`→s, `7`→t, `8`→b, `9`→g).
 * 3. Symbols used as letters (`@`→a, `$`→s, `!`/`|`→i, `+`→t) count as letters only inside or at the
 *    start of a word (`h@te`, `$hit`, `sh!t`), and `$`/`@` also at its end (`a$$`); elsewhere they
 *    are punctuation (`hate!`, `1 + 1`).
 * 4. Words are the runs of letters, digits and marks; each Han, Hiragana or Katakana character is
 *    a word of its own (those scripts put no spaces between words).
 */

/** Look-alikes by their lower-case form; a letter not listed stands for itself. */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  // Leetspeak digits.
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
  // `1` reads as `i` or `l`: both fold to one letter.
  l: 'i',
  // Symbols, when they stand inside a word (see SYMBOLS).
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'i',
  '+': 't',
  // Cyrillic letters drawn like Latin ones (lower case, or whose capital is: В Н К М Т).
  а: 'a',
  в: 'b',
  е: 'e',
  і: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  // Greek letters drawn like Latin ones (lower case, or whose capital is).
  α: 'a',
  β: 'b',
  ε: 'e',
  ζ: 'z',
  η: 'h',
  ι: 'i',
  κ: 'k',
  μ: 'm',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'y',
  χ: 'x',
  // Letters that lower-casing keeps but folding should not.
  ß: 'ss',
  ı: 'i',
};

/** Symbols that may stand for a letter; `$` and `@` may also end a word. */
const SYMBOLS = new Set(['@', '$', '!', '|', '+']);
const WORD_END_SYMBOLS = new Set(['@', '$']);
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const SINGLE_CHAR_WORD = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]/u;
const DIACRITICS = /[\u0300-\u036f]/g;

/** What a code point is for word splitting; `SINGLE` is a word by itself (Han, Kana). */
const Kind = { Separator: 0, Letter: 1, Symbol: 2, Single: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

function kindOf(ch: string): Kind {
  const code = ch.charCodeAt(0);
  if (code < 128) {
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) return Kind.Letter;
    return SYMBOLS.has(ch) ? Kind.Symbol : Kind.Separator;
  }
  if (SINGLE_CHAR_WORD.test(ch)) return Kind.Single;
  return WORD_CHAR.test(ch) ? Kind.Letter : Kind.Separator;
}

/**
 * The folded words of `text`, in order (see the file's comment for the folding).
 * @example foldWords('Ｉ h4te   B@D wörds!') // ['i', 'hate', 'bad', 'words']
 */
export function foldWords(text: string): string[] {
  const chars = Array.from(text.normalize('NFKD').replace(DIACRITICS, '').toLowerCase());
  const n = chars.length;
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) kinds[i] = kindOf(chars[i] as string);
  // A symbol is a letter when a letter follows it (right to left, so `$$hit` folds whole) …
  for (let i = n - 1; i >= 0; i--) {
    if (kinds[i] === Kind.Symbol && i + 1 < n && kinds[i + 1] === Kind.Letter) kinds[i] = Kind.Letter;
  }
  // … and `$`/`@` also when a letter precedes it (`a$$`).
  for (let i = 1; i < n; i++) {
    if (
      kinds[i] === Kind.Symbol &&
      kinds[i - 1] === Kind.Letter &&
      WORD_END_SYMBOLS.has(chars[i] as string)
    ) {
      kinds[i] = Kind.Letter;
    }
  }
  const words: string[] = [];
  let word = '';
  for (let i = 0; i < n; i++) {
    const ch = chars[i] as string;
    const kind = kinds[i];
    if (kind === Kind.Letter) {
      word += LOOK_ALIKES[ch] ?? ch;
      continue;
    }
    if (word) words.push(word);
    word = '';
    if (kind === Kind.Single) words.push(ch);
  }
  if (word) words.push(word);
  return words;
}
