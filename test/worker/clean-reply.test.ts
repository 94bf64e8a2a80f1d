import { describe, expect, it } from 'vitest';
import { cleanReply, truncate } from '../../src/worker/clean-reply.js';

/** Length in code points, as the reply limits count it. */
const codePoints = (text: string): number => Array.from(text).length;

/** True when `text` has a lone (split) UTF-16 surrogate. */
const hasLoneSurrogate = (text: string): boolean =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe('cleanReply: reasoning', () => {
  it('removes a <think> block', () => {
    expect(cleanReply('<think>The user greets me. I should greet back.</think>Hello Alice!', 500)).toBe(
      'Hello Alice!',
    );
  });

  it('removes several multi-line blocks, wherever they are', () => {
    const content = '<think>\nstep one\nstep two\n</think>\nHi <think>\nhmm\n</think>there, friend.';
    expect(cleanReply(content, 500)).toBe('Hi there, friend.');
  });

  it('removes <thinking> blocks and is case-insensitive', () => {
    expect(cleanReply('<thinking>plan the joke</thinking>Why did the chicken cross?', 500)).toBe(
      'Why did the chicken cross?',
    );
    expect(cleanReply('<THINK>secret</THINK>Visible', 500)).toBe('Visible');
  });

  it('removes an unclosed <think> at the end, with everything after it', () => {
    expect(cleanReply('Sure thing! <think>now I will reveal my plan and never close', 500)).toBe(
      'Sure thing!',
    );
  });

  it('removes reasoning before a stray closing tag', () => {
    expect(cleanReply('thinking out loud...</think>\nThe answer is 42.', 500)).toBe('The answer is 42.');
  });

  it('gives an empty reply when there is only reasoning', () => {
    expect(cleanReply('<think>nothing to say</think>  \n', 500)).toBe('');
  });
});

describe('cleanReply: quotes and whitespace', () => {
  it('trims whitespace and the quotes around the whole reply', () => {
    expect(cleanReply('  "Welcome to the stream, Bob!"  \n', 500)).toBe('Welcome to the stream, Bob!');
    expect(cleanReply('<think>x</think>\n"Quoted after reasoning"', 500)).toBe('Quoted after reasoning');
  });

  it('keeps quotes that do not surround the whole reply', () => {
    expect(cleanReply('She said "hi" to me', 500)).toBe('She said "hi" to me');
    expect(cleanReply('"Cats" and "dogs" both rule', 500)).toBe('"Cats" and "dogs" both rule');
    expect(cleanReply('"Cats" and "dogs"', 500)).toBe('"Cats" and "dogs"');
  });

  it('leaves a short reply untouched', () => {
    expect(cleanReply('Hello there!', 500)).toBe('Hello there!');
  });
});

describe('cleanReply: length', () => {
  it('cuts a long reply to maxChars on a word boundary with an ellipsis', () => {
    const reply = cleanReply('hello wonderful world of chat', 18);
    expect(reply).toBe('hello wonderful…');
  });

  it('cuts after removing reasoning, so reasoning does not use up the limit', () => {
    const content = `<think>${'x'.repeat(1000)}</think>Short answer.`;
    expect(cleanReply(content, 20)).toBe('Short answer.');
  });

  it('counts emoji as one char each and never splits them', () => {
    const reply = cleanReply('😀'.repeat(30), 10);
    expect(codePoints(reply)).toBe(10);
    expect(reply).toBe(`${'😀'.repeat(9)}…`);
    expect(hasLoneSurrogate(reply)).toBe(false);
  });
});

describe('truncate', () => {
  it('returns text within the limit unchanged, also at exactly the limit', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello', 6)).toBe('hello');
    expect(truncate('😀😀😀', 3)).toBe('😀😀😀');
  });

  it('cuts at the last space near the end and adds an ellipsis', () => {
    expect(truncate('hello wonderful world', 18)).toBe('hello wonderful…');
    expect(truncate('one two three four five six seven', 16)).toBe('one two three…');
  });

  it('cuts a long word without spaces near the end hard, still within the limit', () => {
    expect(truncate('supercalifragilisticexpialidocious', 10)).toBe('supercali…');
  });

  it('cuts emoji strings to exactly N code points, each emoji whole', () => {
    for (const n of [1, 2, 5, 11]) {
      const cut = truncate('🎉'.repeat(20), n);
      expect(codePoints(cut)).toBe(n);
      expect(Array.from(cut).every((char) => char === '🎉' || char === '…')).toBe(true);
    }
  });

  it('does not split an emoji that sits at the cut (UTF-16 length would)', () => {
    const cut = truncate('ab😀😀😀😀', 4);
    expect(cut).toBe('ab😀…');
    expect(hasLoneSurrogate(cut)).toBe(false);
  });

  it('is never longer than maxChars and keeps a prefix of the text', () => {
    const text = 'Thanks for the raid 🎉 everyone, welcome in! Grab a snack 🍕 and enjoy the stream 💜';
    for (let max = 1; max <= codePoints(text) + 2; max += 1) {
      const cut = truncate(text, max);
      expect(codePoints(cut)).toBeLessThanOrEqual(max);
      expect(hasLoneSurrogate(cut)).toBe(false);
      if (codePoints(text) <= max) expect(cut).toBe(text);
      else {
        expect(cut.endsWith('…')).toBe(true);
        expect(text.startsWith(cut.slice(0, -1))).toBe(true);
      }
    }
  });
});
