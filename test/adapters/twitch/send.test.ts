/**
 * Outbound encoding: 500-character parts on word boundaries, at most `maxParts` (the last cut with
 * an ellipsis), neutralized commands and control characters, and the threaded PRIVMSG line.
 */
import { describe, expect, it } from 'vitest';
import {
  chatLength,
  neutralizeCommand,
  prepareTwitchParts,
  privmsgLine,
  splitOnWords,
} from '../../../adapters/twitch/send.js';

const words = (count: number): string =>
  Array.from({ length: count }, (_unused, index) => `w${String(index).padStart(4, '0')}`).join(' ');

describe('splitOnWords', () => {
  it('keeps a short text whole', () => {
    expect(splitOnWords('  hello there  ', 500, 2)).toEqual(['hello there']);
  });

  it('splits 900 characters into 2 parts at a space, nothing lost', () => {
    const text = words(150).slice(0, 900); // "w0000 w0001 …", 6 chars per word
    const parts = splitOnWords(text, 500, 2);
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(chatLength(part)).toBeLessThanOrEqual(500);
    expect(parts[0]).toMatch(/ w\d{4}$/);
    expect(parts.join(' ')).toBe(text);
  });

  it('ends the last allowed part with an ellipsis when text remains', () => {
    const parts = splitOnWords(words(300), 500, 2);
    expect(parts).toHaveLength(2);
    expect(parts[1]).toMatch(/w\d{4}…$/);
    expect(chatLength(parts[1] ?? '')).toBeLessThanOrEqual(500);
  });

  it('cuts a word longer than a part', () => {
    expect(splitOnWords('a'.repeat(1_200), 500, 3).map((part) => part.length)).toEqual([500, 500, 200]);
  });

  it('counts code points, never splitting an emoji', () => {
    const parts = splitOnWords('\u{1F600}'.repeat(700), 500, 2);
    expect(parts.map(chatLength)).toEqual([500, 200]);
    expect(parts.join('')).toBe('\u{1F600}'.repeat(700));
  });
});

describe('neutralizing model output', () => {
  it.each([
    ['/ban someone', 'ban someone'],
    ['.timeout someone 600', 'timeout someone 600'],
    ['   /me dances', 'me dances'],
    ['\u200B/ban hidden', 'ban hidden'],
    ['\u{E0000} .mods', 'mods'],
    ['\u2800/ban hidden', 'ban hidden'],
    ['\u2800 \u2800.timeout someone 600', 'timeout someone 600'],
    ['//./clear', 'clear'],
    ['say /ban in the middle', 'say /ban in the middle'],
  ])('%j → %j', (input, output) => {
    expect(neutralizeCommand(input)).toBe(output);
  });

  it('flattens line breaks and CTCP so no second IRC command or /me can slip in', () => {
    expect(prepareTwitchParts('hi\r\nPRIVMSG #other :x\n/ban y', 2)).toEqual(['hi PRIVMSG #other :x /ban y']);
    expect(prepareTwitchParts('\u0001ACTION dances\u0001', 2)).toEqual(['ACTION dances']);
  });

  it('neutralizes every part, not just the first', () => {
    const text = `${'a'.repeat(499)} /ban everyone`;
    expect(prepareTwitchParts(text, 2)).toEqual(['a'.repeat(499), 'ban everyone']);
  });

  it('drops parts that are empty after neutralizing', () => {
    expect(prepareTwitchParts(' / . ', 2)).toEqual([]);
  });
});

describe('privmsgLine', () => {
  it('threads under the parent message, escaping the tag value', () => {
    expect(privmsgLine('chan', 'hi', 'abc-1')).toBe('@reply-parent-msg-id=abc-1 PRIVMSG #chan :hi');
    expect(privmsgLine('chan', 'hi', 'a b;c')).toBe('@reply-parent-msg-id=a\\sb\\:c PRIVMSG #chan :hi');
    expect(privmsgLine('chan', 'hi')).toBe('PRIVMSG #chan :hi');
  });

  it('refuses a channel that is not a login', () => {
    expect(() => privmsgLine('chan\r\nQUIT', 'hi')).toThrow(/not a Twitch channel/);
  });
});
