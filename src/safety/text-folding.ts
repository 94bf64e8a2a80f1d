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
  // A letter that lower-casing keeps but folding should not (`ß` becomes `ss` before this map).
  ı: 'i',
};

/** Symbols that may stand for a letter; `$` and `@` may also end a word. */
const SYMBOLS = new Set(['@', '$', '!', '|', '+']);
const WORD_END_SYMBOLS = new Set(['@', '$']);
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const SINGLE_CHAR_WORD = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]/u;
const DIACRITICS = /[\u0300-\u036f]/g;

/** What a code point is for word splitting; `Single` is a word by itself (Han, Kana). */
const Kind = { Separator: 0, Letter: 1, Symbol: 2, Single: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** The kind of each ASCII code (lower case only: the text is lower-cased first). */
const ASCII_KINDS = Uint8Array.from({ length: 128 }, (_, code) => {
  const ch = String.fromCharCode(code);
  if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) return Kind.Letter;
  return SYMBOLS.has(ch) ? Kind.Symbol : Kind.Separator;
});

function kindOf(ch: string): Kind {
  const code = ch.charCodeAt(0);
  if (code < 128) return ASCII_KINDS[code] as Kind;
  if (SINGLE_CHAR_WORD.test(ch)) return Kind.Single;
  return WORD_CHAR.test(ch) ? Kind.Letter : Kind.Separator;
}

/** Look-alike folding by UTF-16 code (every entry maps one code unit to one): -1 = itself. */
const FOLD_CODES = (() => {
  const codes = new Int32Array(0x10000).fill(-1);
  for (const [from, to] of Object.entries(LOOK_ALIKES)) {
    if (from.length === 1 && to.length === 1) codes[from.charCodeAt(0)] = to.charCodeAt(0);
  }
  return codes;
})();
const SPACE = 32;
const UTF16 = new TextDecoder('utf-16le');
/**
 * The output buffer, reused from call to call (foldWords is synchronous, so never shared): one
 * allocation per message would cost more in garbage collection than the folding itself.
 */
let scratch = new Uint16Array(4096);

/**
 * The folded words of `text`, in order (see the file's comment for the folding). One pass over
 * the code points after normalization writes the folded letters, with a space for every
 * separator, into one buffer that is split once; a run of symbols is looked at once, to see what
 * follows it.
 * @example foldWords('Ｉ h4te   B@D wörds!') // ['i', 'hate', 'bad', 'words']
 */
export function foldWords(text: string): string[] {
  const chars = text.normalize('NFKD').replace(DIACRITICS, '').toLowerCase().replaceAll('ß', 'ss');
  const n = chars.length;
  // At most 3 codes per code unit (a single-char word with a space on each side).
  if (scratch.length < n * 3 + 1) scratch = new Uint16Array(n * 3 + 1);
  const out = scratch;
  let length = 0;
  let inWord = false;
  const put = (code: number) => {
    const folded = FOLD_CODES[code] as number;
    out[length++] = folded === -1 ? code : folded;
    inWord = true;
  };
  const space = () => {
    if (inWord) out[length++] = SPACE;
    inWord = false;
  };
  /** Whether the code point at `i` takes two code units (a surrogate pair). */
  const pairAt = (i: number) => {
    const code = chars.charCodeAt(i);
    return code >= 0xd800 && code <= 0xdbff && i + 1 < n;
  };
  /** The kind of the code point at `i`. */
  const kindAt = (i: number): Kind => {
    const code = chars.charCodeAt(i);
    if (code < 128) return ASCII_KINDS[code] as Kind;
    return kindOf(pairAt(i) ? chars.slice(i, i + 2) : (chars[i] as string));
  };
  let i = 0;
  while (i < n) {
    const code = chars.charCodeAt(i);
    const kind = kindAt(i);
    const pair = code >= 128 && pairAt(i);
    if (kind === Kind.Letter) {
      put(code);
      if (pair) out[length++] = chars.charCodeAt(i + 1);
      i += pair ? 2 : 1;
      continue;
    }
    if (kind === Kind.Symbol) {
      // A run of symbols: letters when a letter follows the run (`$$hit`, `sh!t`); else, after a
      // letter, its leading `$`/`@` end the word (`a$$`) and the rest is punctuation (`hate!`).
      let j = i;
      while (j < n && ASCII_KINDS[chars.charCodeAt(j)] === Kind.Symbol) j++;
      const letterFollows = j < n && kindAt(j) === Kind.Letter;
      let k = i;
      if (letterFollows) for (; k < j; k++) put(chars.charCodeAt(k));
      else if (inWord)
        for (; k < j && WORD_END_SYMBOLS.has(chars[k] as string); k++) put(chars.charCodeAt(k));
      if (k < j) space();
      i = j;
      continue;
    }
    space();
    if (kind === Kind.Single) {
      out[length++] = code;
      if (pair) out[length++] = chars.charCodeAt(i + 1);
      out[length++] = SPACE;
    }
    i += pair ? 2 : 1;
  }
  const words = UTF16.decode(out.subarray(0, length)).split(' ');
  return words.filter((word) => word !== '');
}
