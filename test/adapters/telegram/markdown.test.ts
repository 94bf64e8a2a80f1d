import { describe, expect, it } from 'vitest';
import { escapeMarkdownV2, toMarkdownV2 } from '../../../adapters/telegram/markdown.js';
import { parseMarkdownV2 } from '../../fakes/fake-telegram.js';

const SPECIALS = '_*[]()~`>#+-=|{}.!\\';

/** What Telegram would show for our MarkdownV2, or the parse error it would answer with. */
const shown = (markdown: string) => parseMarkdownV2(markdown);

describe('escapeMarkdownV2', () => {
  it('escapes each special character (and the backslash) with one backslash', () => {
    for (const c of SPECIALS) expect(escapeMarkdownV2(c)).toBe(`\\${c}`);
    expect(escapeMarkdownV2('plain words, 42; ok?')).toBe('plain words, 42; ok?');
  });

  it('gives text that the escaping rules accept and show unchanged', () => {
    // A deterministic mix of specials, letters, spaces, newlines and non-ASCII.
    const alphabet = `${SPECIALS}ab \nÄ😋`;
    let seed = 7;
    for (let n = 0; n < 200; n++) {
      let text = '';
      for (let i = 0; i < 40; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        text += [...alphabet][seed % [...alphabet].length];
      }
      expect(shown(escapeMarkdownV2(text)), JSON.stringify(text)).toEqual({ text, entities: [] });
    }
  });

  it('is needed: the fake refuses unescaped specials', () => {
    expect(shown('3.14')).toEqual({
      error: "Character '.' is reserved and must be escaped with the preceding '\\'",
    });
    expect(shown('*open')).toMatchObject({ error: expect.stringContaining("Can't find end of Bold entity") });
  });
});

describe('toMarkdownV2', () => {
  it('maps model Markdown to entities and keeps the visible text', () => {
    const cases: [string, string, string[]][] = [
      ['**bold** and __also bold__', 'bold and also bold', ['bold', 'bold']],
      ['*it* and _it_ but snake_case_name', 'it and it but snake_case_name', ['italic', 'italic']],
      ['~~gone~~ 2*3*4', 'gone 2*3*4', ['strikethrough']],
      ['run `a_b(c)` now', 'run a_b(c) now', ['code']],
      ['see [the docs](https://example.com/x_(y)?q=1)!', 'see the docs!', ['text_link']],
      ['## Heading *with* **stars**', 'Heading with stars', ['italic', 'bold']],
      ['> quoted, too.', 'quoted, too.', ['blockquote']],
      ['**bold _and italic_**', 'bold and italic', ['italic', 'bold']],
      ['- item 1.\n- item #2', '- item 1.\n- item #2', []],
      ['unclosed **bold and `tick', 'unclosed **bold and `tick', []],
    ];
    for (const [input, text, entities] of cases) {
      expect(shown(toMarkdownV2(input)), input).toEqual({ text, entities });
    }
  });

  it('keeps code blocks verbatim, escaping only ` and \\ inside', () => {
    const input = 'Try:\n```js\nconst s = `a\\b`; // 1.5 * (x) _y_\n```\nDone.';
    const out = toMarkdownV2(input);
    expect(out).toContain('```js\nconst s = \\`a\\\\b\\`; // 1.5 * (x) _y_\n```');
    expect(shown(out)).toEqual({
      text: 'Try:\nconst s = `a\\b`; // 1.5 * (x) _y_\nDone.',
      entities: ['pre'],
    });
  });

  it('closes a fence left open at the end', () => {
    expect(shown(toMarkdownV2('```\nlet x = 1;'))).toEqual({ text: 'let x = 1;', entities: ['pre'] });
  });
});
