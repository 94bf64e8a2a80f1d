/** `splitText`: the one message splitter every adapter uses, with its limit and unit passed in. */
import { describe, expect, it } from 'vitest';
import { sizeOf, splitText } from '../../../src/core/adapter-kit/split-text.js';

const words = (count: number): string =>
  Array.from({ length: count }, (_unused, index) => `w${index % 1000}`).join(' ');

describe('splitText', () => {
  it('keeps a text within the limit whole, ends included, and makes nothing of a blank one', () => {
    expect(splitText(' hi ', { limit: 10 })).toEqual([' hi ']);
    expect(splitText(' \n\t ', { limit: 10 })).toEqual([]);
    expect(splitText('', { limit: 10 })).toEqual([]);
  });

  it('counts code points by default and UTF-16 units when asked', () => {
    const emoji = '😀'.repeat(10);
    expect(splitText(emoji, { limit: 10 })).toEqual([emoji]);
    const halves = splitText(emoji, { limit: 10, unit: 'utf16' });
    expect(halves).toEqual(['😀'.repeat(5), '😀'.repeat(5)]);
    expect(sizeOf(emoji, 'codePoint')).toBe(10);
    expect(sizeOf(emoji, 'utf16')).toBe(20);
  });

  it('never cuts inside a surrogate pair, even at an odd UTF-16 limit', () => {
    const parts = splitText('😀'.repeat(9), { limit: 5, unit: 'utf16' });
    expect(parts.join('')).toBe('😀'.repeat(9));
    for (const part of parts) expect(part).toMatch(/^(😀)+$/u);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(5);
  });

  it('prefers a paragraph break, then a line break, then a space, using at least half the room', () => {
    expect(splitText('aaaa bbbb\n\ncccc dddd', { limit: 14 })).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(splitText('aaaa bbbb\ncccc dddd', { limit: 14 })).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(splitText('aaaa bbbb cccc dddd', { limit: 12 })).toEqual(['aaaa bbbb', 'cccc dddd']);
    // The early paragraph break would leave a 1-character part: a later space wins.
    expect(splitText('a\n\nbbbb cccc dddd eeee', { limit: 12 })).toEqual(['a\n\nbbbb cccc', 'dddd eeee']);
  });

  it('keeps every part within the limit and loses no word, whatever the text', () => {
    for (const limit of [7, 50, 500]) {
      const text = words(400);
      const parts = splitText(text, { limit });
      for (const part of parts) expect(sizeOf(part, 'codePoint')).toBeLessThanOrEqual(limit);
      expect(parts.join(' ')).toBe(text);
    }
  });

  it('cuts a word longer than a part hard', () => {
    expect(splitText('x'.repeat(25), { limit: 10 })).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('cuts before a URL rather than inside it', () => {
    const url = 'https://example.com/a/very/long/path';
    // 39 characters: the only space within the room is before half of it, so a hard cut is due.
    const parts = splitText(`ab ${url} end`, { limit: 38 });
    expect(parts).toEqual(['ab', url, 'end']);
  });

  it('cuts a URL longer than a part, since nothing else fits', () => {
    const url = `https://example.com/${'p'.repeat(40)}`;
    const parts = splitText(url, { limit: 20 });
    expect(parts.join('')).toBe(url);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(20);
  });

  it('stops at maxParts and ends the last part with the ellipsis, within the limit', () => {
    const parts = splitText(words(300), { limit: 50, maxParts: 3 });
    expect(parts).toHaveLength(3);
    expect(parts[2]).toMatch(/w\d+…$/);
    for (const part of parts) expect(sizeOf(part, 'codePoint')).toBeLessThanOrEqual(50);
    expect(splitText('x'.repeat(30), { limit: 10, maxParts: 2, ellipsis: '...' })).toEqual([
      'x'.repeat(10),
      `${'x'.repeat(7)}...`,
    ]);
  });

  it('adds no ellipsis when the last allowed part holds the rest', () => {
    expect(splitText('a'.repeat(25), { limit: 10, maxParts: 3 })).toEqual([
      'a'.repeat(10),
      'a'.repeat(10),
      'a'.repeat(5),
    ]);
  });

  it('closes a code fence at a cut and reopens it with its language, indentation kept', () => {
    const code = Array.from({ length: 40 }, (_unused, index) => `  line_${index} = ${index}`).join('\n');
    const parts = splitText(`Here:\n\`\`\`py\n${code}\n\`\`\`\nDone.`, { limit: 200 });
    expect(parts.length).toBeGreaterThan(2);
    for (const [index, part] of parts.entries()) {
      expect(part.length).toBeLessThanOrEqual(200);
      expect(part.match(/```/g)).toHaveLength(2);
      if (index > 0) expect(part).toMatch(/^```py\n {2}line_\d+ = \d+\n/);
      if (index < parts.length - 1) expect(part.endsWith('\n```')).toBe(true);
    }
    expect(parts.at(-1)?.endsWith('```\nDone.')).toBe(true);
  });

  it('puts the ellipsis inside a cut code block, before its closing fence', () => {
    const code = Array.from({ length: 40 }, (_unused, index) => `x${index}`).join('\n');
    const parts = splitText(`\`\`\`\n${code}\n\`\`\``, { limit: 60, maxParts: 1 });
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatch(/…\n```$/);
    expect(parts[0]?.length).toBeLessThanOrEqual(60);
  });

  it('leaves fences alone when asked, or when the limit is too small to close and reopen them', () => {
    const text = '```ts\nconst a = 1;\nconst b = 2;\n```';
    const tokens = (parts: string[]) => parts.join(' ').split(/\s+/);
    for (const options of [{ limit: 20, codeFences: false }, { limit: 16 }]) {
      const parts = splitText(text, options);
      expect(parts.length).toBeGreaterThan(1);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(options.limit);
      expect(tokens(parts)).toEqual(tokens([text])); // nothing added, nothing lost
    }
  });
});
