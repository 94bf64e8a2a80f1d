import { describe, expect, it } from 'vitest';
import { cleanReply } from '../../src/worker/clean-reply.js';
import { ReasoningFilter, visibleSoFar } from '../../src/worker/reasoning-filter.js';

/** Every visible text the filter gives while `deltas` arrive one by one. */
function shown(deltas: string[]): string[] {
  const filter = new ReasoningFilter();
  return deltas.map((delta) => filter.push(delta));
}

describe('ReasoningFilter', () => {
  it('passes an answer without reasoning through as it grows', () => {
    expect(shown(['Hello', ' there', '!'])).toEqual(['Hello', 'Hello there', 'Hello there!']);
  });

  it('never shows a think block whose tags are split across deltas', () => {
    const deltas = ['<', 'thi', 'nk', '>secret ', 'plan</th', 'ink', '>\n', 'Hi', ' Ann'];
    const texts = shown(deltas);
    for (const text of texts) expect(text).not.toMatch(/secret|plan|<|think/);
    expect(texts.at(-1)).toBe('Hi Ann');
  });

  it('hides an unclosed think block until the end of the stream', () => {
    const texts = shown(['Sure. ', '<thinking>', 'let me', ' consider']);
    expect(texts).toEqual(['Sure. ', 'Sure. ', 'Sure. ', 'Sure. ']);
  });

  it('holds back a trailing "<" only while it can still become an opening tag', () => {
    expect(visibleSoFar('a <th')).toBe('a ');
    expect(visibleSoFar('a <b')).toBe('a <b');
    expect(visibleSoFar('1 < 2')).toBe('1 < 2');
    expect(visibleSoFar('x <think>')).toBe('x ');
  });

  it('drops what came before a lone closing tag, as cleanReply does', () => {
    const texts = shown(['plan', ' more</think>', 'Answer']);
    expect(texts.at(-1)).toBe('Answer');
    expect(texts.at(-1)).toBe(cleanReply('plan more</think>Answer', 100));
  });

  it('ends where cleanReply ends for the whole answer', () => {
    const answer = '<think>a</think>First. <think>b</think>Second.';
    const filter = new ReasoningFilter();
    let last = '';
    for (const piece of answer.match(/.{1,3}/gs) ?? []) last = filter.push(piece);
    expect(last).toBe(cleanReply(filter.raw, 1000));
  });
});
