/** `splitMessage`: Discord's 2000-character limit, cut on boundaries, code blocks kept whole. */
import { describe, expect, it } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, splitMessage } from '../../../adapters/discord/send.js';

describe('splitMessage', () => {
  it('leaves a text within the limit alone', () => {
    expect(splitMessage('hello')).toEqual(['hello']);
    expect(splitMessage('x'.repeat(2000))).toEqual(['x'.repeat(2000)]);
  });

  it('prefers a paragraph break, then a line break, then a space', () => {
    // Each text has spaces after the break too: the break wins over the last space.
    const paragraph = `${'a '.repeat(600)}\n\n${'b '.repeat(500)}`;
    expect(splitMessage(paragraph, 2000)).toEqual(['a '.repeat(600).trimEnd(), 'b '.repeat(500)]);
    const lines = `${'a '.repeat(700)}\n${'b '.repeat(400)}`;
    expect(splitMessage(lines, 2000)).toEqual(['a '.repeat(700).trimEnd(), 'b '.repeat(400)]);
  });

  it('cuts a run without spaces hard, at the limit, without splitting a surrogate pair', () => {
    const parts = splitMessage('😀'.repeat(1500), 2000);
    expect(parts.every((p) => p.length <= DISCORD_MESSAGE_LIMIT)).toBe(true);
    expect(parts.join('')).toBe('😀'.repeat(1500));
    expect(parts.every((p) => !/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p))).toBe(true);
  });

  it('closes a code block at a cut and reopens it with its language', () => {
    const code = Array.from({ length: 300 }, (_v, i) => `const line${i} = ${i};`).join('\n');
    const parts = splitMessage(`Here:\n\`\`\`ts\n${code}\n\`\`\`\nDone.`, 2000);
    expect(parts.length).toBeGreaterThan(1);
    for (const [index, part] of parts.entries()) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(part.match(/```/g)?.length ?? 0).toBe(2); // every part has a whole block
      if (index > 0) expect(part.startsWith('```ts\n')).toBe(true);
    }
    expect(parts.at(-1)?.endsWith('```\nDone.')).toBe(true);
  });

  it('stops at maxParts and marks the cut with an ellipsis', () => {
    const parts = splitMessage('word '.repeat(2000), 2000, 2);
    expect(parts).toHaveLength(2);
    expect(parts[1]?.endsWith('…')).toBe(true);
    expect(parts.every((p) => p.length <= 2000)).toBe(true);
  });
});
