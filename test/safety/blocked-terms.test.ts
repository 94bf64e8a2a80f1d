import { describe, expect, it } from 'vitest';
import { BlockedTermMatcher, BlockedTermMatchers } from '../../src/safety/blocked-terms.js';
import { foldWords } from '../../src/safety/text-folding.js';

describe('blocked-term matcher', () => {
  const matcher = new BlockedTermMatcher(['hate', 'bad word', 'ass', '坏词', 'Spoiler']);

  it.each([
    ['hate', 'hate'],
    ['I HATE mondays', 'hate'],
    ['h4te', 'hate'],
    ['h@te', 'hate'],
    ['H473', 'hate'],
    ['ｈａｔｅ (fullwidth)', 'hate'],
    ['hаte with a Cyrillic а', 'hate'],
    ['НАТЕ all Cyrillic capitals', 'hate'],
    ['hàté', 'hate'],
    ['so much hate!', 'hate'],
    ['"hate"', 'hate'],
    ['bad word', 'bad word'],
    ['a bad     word here', 'bad word'],
    ['b4d w0rd', 'bad word'],
    ['a$$', 'ass'],
    ['@ss', 'ass'],
    ['这是坏词啊', '坏词'],
    ['no spoilers? SP01LER', 'Spoiler'],
  ])('finds a blocked term in %j', (text, term) => {
    expect(matcher.find(text)).toBe(term);
  });

  it.each([
    'whatever you say',
    'hatred',
    'that’s chatter',
    'class and grass',
    'badword',
    'bad',
    'word bad',
    'h a t e',
    '',
  ])('finds nothing in %j', (text) => {
    expect(matcher.find(text)).toBeUndefined();
  });

  it('folds terms like messages, so a term written in leetspeak or capitals matches its plain forms', () => {
    const leet = new BlockedTermMatcher(['N00B', 'ｆｏｏ']);
    expect(leet.find('what a noob')).toBe('N00B');
    expect(leet.find('FOO!')).toBe('ｆｏｏ');
  });

  it('treats symbols as letters only inside words', () => {
    expect(foldWords('sh!t happens! 1 + 1 = 2, h@te, a$$ | @ $')).toEqual([
      'shit',
      'happens',
      'i',
      'i',
      '2',
      'hate',
      'ass',
    ]);
  });

  it('leaves out terms that fold to no word', () => {
    expect(new BlockedTermMatcher(['!!!', '   ', 'ok']).size).toBe(1);
    expect(new BlockedTermMatcher(['!!!']).find('!!!')).toBeUndefined();
  });

  it('compiles each term list once and answers for lists of any size', () => {
    const matchers = new BlockedTermMatchers(2);
    const terms = ['alpha', 'beta'];
    expect(matchers.get(terms)).toBe(matchers.get(terms));
    // The same contents in a new array (a reloaded config): the compiled matcher is reused.
    expect(matchers.get([...terms])).toBe(matchers.get(terms));
    expect(matchers.find([], 'alpha')).toBeUndefined();
    const many = Array.from({ length: 1000 }, (_, i) => `term${i} x${i}`);
    expect(matchers.find(many, `a message with term999 x999 in it`)).toBe('term999 x999');
    expect(matchers.find(many, `a message with term999 x998 in it`)).toBeUndefined();
  });

  it('finishes on a hostile 10,000-char message against 1,000 overlapping terms', () => {
    // Every prefix of a long run of `a` words is a term: the walk from each word stops at the
    // deepest term, never past it.
    const terms = Array.from({ length: 1000 }, (_, i) => `${'a '.repeat((i % 50) + 1)}z${i}`);
    const text = 'a '.repeat(5000);
    expect(new BlockedTermMatcher(terms).find(text)).toBeUndefined();
    expect(new BlockedTermMatcher(terms).find(`${text}z49`)).toBe(`${'a '.repeat(50)}z49`);
  });
});
