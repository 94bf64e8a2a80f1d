import { describe, expect, it } from 'vitest';
import { commandTrigger } from '../../../src/router/triggers/command.js';
import { contextFor, makeEvent, message } from './support.js';

const context = contextFor('command');

describe('commandTrigger', () => {
  it('uses the committed prefixes', () => {
    expect(context.settings.prefixes).toEqual(expect.arrayContaining(['!ai', '/ask']));
  });

  it('matches a prefix followed by whitespace or the end', () => {
    expect(commandTrigger.match(message('!ai hello there '), context)).toEqual({
      kind: 'command',
      text: 'hello there',
    });
    expect(commandTrigger.match(message('!AI   loud'), context)?.text).toBe('loud');
    expect(commandTrigger.match(message('/ask'), context)).toEqual({ kind: 'command', text: '' });
    expect(commandTrigger.match(message('/ask\nwhy'), context)?.text).toBe('why');
  });

  it('does not match a prefix that runs into a word, or a prefix later in the text', () => {
    expect(commandTrigger.match(message('!aim'), context)).toBeUndefined();
    expect(commandTrigger.match(message('/asking for a friend'), context)).toBeUndefined();
    expect(commandTrigger.match(message('hey !ai hello'), context)).toBeUndefined();
  });

  it("accepts Telegram's /command@botname for our bot only", () => {
    expect(commandTrigger.match(message('/ask@chatgate x'), context)).toEqual({ kind: 'command', text: 'x' });
    expect(commandTrigger.match(message('/ask@ChatGate what now'), context)?.text).toBe('what now');
    expect(commandTrigger.match(message('/ask@otherbot x'), context)).toBeUndefined();
  });

  it('ignores events that are not messages, and empty prefix lists', () => {
    expect(commandTrigger.match(makeEvent({ type: 'cheer', text: '!ai hi' }), context)).toBeUndefined();
    const noPrefixes = { ...context, settings: { ...context.settings, prefixes: [] } };
    expect(commandTrigger.match(message('!ai hi'), noPrefixes)).toBeUndefined();
  });
});
