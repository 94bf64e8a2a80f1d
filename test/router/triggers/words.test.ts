import { describe, expect, it } from 'vitest';
import {
  compileWordMatcher,
  escapeRegExp,
  namesBot,
  phrasePattern,
} from '../../../src/router/triggers/words.js';

describe('compileWordMatcher', () => {
  const matches = compileWordMatcher(['hi', 'good night', '!lurk', 'o7', 'a.b']);

  it('matches whole words only, case-insensitively', () => {
    expect(matches('hi')).toBe(true);
    expect(matches('hi!')).toBe(true);
    expect(matches('HI there')).toBe(true);
    expect(matches('oh, Hi.')).toBe(true);
    expect(matches('this')).toBe(false);
    expect(matches('hint')).toBe(false);
    expect(matches('hi_there')).toBe(false);
    expect(matches('chi')).toBe(false);
  });

  it('treats letters of any script and digits as word characters', () => {
    expect(matches('héhi')).toBe(false);
    expect(matches('hié')).toBe(false);
    expect(matches('2hi')).toBe(false);
    expect(matches('¡hi!')).toBe(true);
  });

  it('matches phrases with any whitespace between their words', () => {
    expect(matches('good night')).toBe(true);
    expect(matches('Good  Night all')).toBe(true);
    expect(matches('good\tnight')).toBe(true);
    expect(matches('goodnight')).toBe(false);
    expect(matches('good nightly')).toBe(false);
  });

  it('matches words that begin or end with punctuation or digits', () => {
    expect(matches('o7')).toBe(true);
    expect(matches('o7 everyone')).toBe(true);
    expect(matches('going !lurk now')).toBe(true);
    expect(matches('!lurking')).toBe(false);
    expect(matches('lurk')).toBe(false);
  });

  it('escapes regex metacharacters', () => {
    expect(matches('a.b')).toBe(true);
    expect(matches('axb')).toBe(false);
    expect(escapeRegExp('a.b?(c)')).toBe('a\\.b\\?\\(c\\)');
    expect(phrasePattern('  good   night ')).toBe('good\\s+night');
  });

  it('matches nothing with an empty or blank list', () => {
    expect(compileWordMatcher([])('hi')).toBe(false);
    expect(compileWordMatcher(['  '])('hi')).toBe(false);
  });

  it('matches only the first word with position start', () => {
    const starts = compileWordMatcher(['what'], 'start');
    expect(starts('  What is it')).toBe(true);
    expect(starts('so what is it')).toBe(false);
    expect(starts('whatever it is')).toBe(false);
  });

  it('gives equal answers for lists compiled again', () => {
    expect(compileWordMatcher(['hi'])('hi there')).toBe(true);
    expect(compileWordMatcher(['hi'])('this')).toBe(false);
  });
});

describe('namesBot', () => {
  it('finds the name or @handle as a word', () => {
    expect(namesBot('hey @chatgate', ['chatgate'])).toBe(true);
    expect(namesBot('ChatGate, hi', ['chatgate'])).toBe(true);
    expect(namesBot('hi chatgate_bot', ['chatgate', 'chatgate_bot'])).toBe(true);
    expect(namesBot('ask @ChatGate_Bot', ['@chatgate_bot'])).toBe(true);
  });

  it('does not find the name inside a longer word', () => {
    expect(namesBot('chatgatebot is here', ['chatgate'])).toBe(false);
    expect(namesBot('mychatgate', ['chatgate'])).toBe(false);
    expect(namesBot('hello', [])).toBe(false);
  });
});
