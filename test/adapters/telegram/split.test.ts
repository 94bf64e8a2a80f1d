import { describe, expect, it } from 'vitest';
import { toMarkdownV2 } from '../../../adapters/telegram/markdown.js';
import { splitMessage, TELEGRAM_MESSAGE_LIMIT } from '../../../adapters/telegram/send.js';
import { parseMarkdownV2 } from '../../fakes/fake-telegram.js';

describe('splitMessage', () => {
  it('keeps a short text whole (trimmed) and drops an empty one', () => {
    expect(splitMessage('  hello  ')).toEqual(['hello']);
    expect(splitMessage(' \n ')).toEqual([]);
    expect(splitMessage('x'.repeat(TELEGRAM_MESSAGE_LIMIT))).toHaveLength(1);
  });

  it('prefers a paragraph break, then a line break, then a space', () => {
    expect(splitMessage('aaaa bbbb\n\ncccc dddd', 12)).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(splitMessage('aaaa bbbb\ncccc dddd', 12)).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(splitMessage('aaaa bbbb cccc dddd', 12)).toEqual(['aaaa bbbb', 'cccc dddd']);
  });

  it('does not make a tiny part to reach an early paragraph break', () => {
    expect(splitMessage('a\n\nbbbb cccc dddd eeee', 12)).toEqual(['a\n\nbbbb cccc', 'dddd eeee']);
  });

  it('cuts a word longer than a part, never inside a surrogate pair', () => {
    expect(splitMessage('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    const parts = splitMessage('😋'.repeat(9), 5);
    expect(parts.join('')).toBe('😋'.repeat(9));
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(5);
    for (const part of parts) expect(part).toMatch(/^(😋)+$/u);
  });

  it('splits 9000 characters of words into 3 parts within the limit, losing no word', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `word${i}`)
      .join(' ')
      .slice(0, 9000)
      .replace(/\s*\S*$/, '');
    expect(text.length).toBeGreaterThan(8990);
    const parts = splitMessage(text);
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
    expect(parts.join(' ')).toBe(text);
  });

  it('closes a code fence at a cut and reopens it, so each part renders', () => {
    const code = Array.from({ length: 400 }, (_, i) => `line_${i} = ${i} * 2;`).join('\n');
    const parts = splitMessage(`Here:\n\`\`\`py\n${code}\n\`\`\`\nEnd.`);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]?.endsWith('\n```')).toBe(true);
    expect(parts[1]?.startsWith('```py\n')).toBe(true);
    for (const part of parts) {
      const parsed = parseMarkdownV2(toMarkdownV2(part));
      expect(parsed).toMatchObject({ entities: ['pre'] });
      if ('text' in parsed) expect(parsed.text.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
    }
  });
});
