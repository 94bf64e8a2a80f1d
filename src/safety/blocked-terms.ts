import { LRUCache } from 'lru-cache';
import { foldWords } from './text-folding.js';

/**
 * A community's blocked terms, compiled once: a trie of folded words (see `text-folding.ts`). A
 * term matches a message when its words appear in the message's words in a row, so matching is
 * on word boundaries (`hate` never matches `whatever` or `hatred`) and a multi-word term
 * (`bad word`) matches across any run of spaces or punctuation between its words.
 *
 * Cost: folding is linear in the message; the walk starts at each word and goes at most as deep
 * as the longest term has words (a term is ≤ 100 chars, so ≤ 50 words), whatever the number of
 * terms: linear in the message length. No regular expression is built from a term.
 *
 * Why not an Aho–Corasick library: the ones on npm (modern-ahocorasick, ahocorasick) find
 * substrings and return every occurrence; word boundaries would be a second pass over matches
 * that, on chat text, are mostly false ones (`hate` in `whatever`). A trie over words needs no such
 * pass and stops at the first match.
 */
export class BlockedTermMatcher {
  private readonly root: TrieNode = new Map();
  /** Terms that fold to no word at all (`!!!`): they can never match, and are left out. */
  readonly size: number;

  constructor(terms: readonly string[]) {
    let size = 0;
    for (const term of terms) {
      const words = foldWords(term);
      if (words.length === 0) continue;
      let node = this.root;
      for (const word of words) {
        let next = node.get(word) as TrieNode | undefined;
        if (!next) {
          next = new Map();
          node.set(word, next);
        }
        node = next;
      }
      if (!node.has(TERM)) size++;
      node.set(TERM, term);
    }
    this.size = size;
  }

  /**
   * The first blocked term found in `text` (as the community wrote it), or undefined.
   * @example new BlockedTermMatcher(['hate']).find('I H4TE mondays') // 'hate'
   */
  find(text: string): string | undefined {
    if (this.size === 0 || text === '') return undefined;
    const words = foldWords(text);
    for (let start = 0; start < words.length; start++) {
      let node: TrieNode | undefined = this.root;
      for (let i = start; i < words.length; i++) {
        node = node.get(words[i] as string) as TrieNode | undefined;
        if (!node) break;
        const term = node.get(TERM);
        if (term !== undefined) return term as string;
      }
    }
    return undefined;
  }
}

/**
 * Each node maps a folded word to the next node; the key `TERM` (a string no folded word can
 * be: words hold no NUL) holds the term that ends there.
 */
type TrieNode = Map<string, TrieNode | string>;
const TERM = '\u0000';

/**
 * Compiled matchers by term list, so that a community's terms are compiled once and not at every
 * message. Looked up first by the list's identity (the settings cache hands out the same array
 * until the community's config changes), then by its contents. Bounded: the least recently used
 * lists are dropped past `maxLists`.
 */
export class BlockedTermMatchers {
  private readonly byIdentity = new WeakMap<readonly string[], BlockedTermMatcher>();
  private readonly byContents: LRUCache<string, BlockedTermMatcher>;

  constructor(maxLists = 1000) {
    this.byContents = new LRUCache({ max: maxLists });
  }

  /** The matcher of `terms`, compiled at the first call for that list. */
  get(terms: readonly string[]): BlockedTermMatcher {
    const known = this.byIdentity.get(terms);
    if (known) return known;
    // Paid only when the list is new by identity (a reloaded config): JSON keeps the terms apart.
    const key = JSON.stringify(terms);
    let matcher = this.byContents.get(key);
    if (!matcher) {
      matcher = new BlockedTermMatcher(terms);
      this.byContents.set(key, matcher);
    }
    this.byIdentity.set(terms, matcher);
    return matcher;
  }

  /** The first of `terms` found in `text`, or undefined (no terms: nothing is folded). */
  find(terms: readonly string[], text: string): string | undefined {
    return terms.length === 0 ? undefined : this.get(terms).find(text);
  }
}
