import { describe, expect, it } from 'vitest';
import { greetingTrigger } from '../../../src/router/triggers/greeting.js';
import { contextFor, makeEvent, message } from './support.js';

const context = contextFor('greeting');

describe('greetingTrigger', () => {
  it('matches default greeting words on word boundaries', () => {
    expect(greetingTrigger.match(message('hi!'), context)).toEqual({ kind: 'greeting', text: 'hi!' });
    expect(greetingTrigger.match(message('HI there'), context)?.kind).toBe('greeting');
    expect(greetingTrigger.match(message('o7'), context)?.kind).toBe('greeting');
    expect(greetingTrigger.match(message('Good   morning chat'), context)?.kind).toBe('greeting');
  });

  it('does not match words inside other words', () => {
    expect(greetingTrigger.match(message('this'), context)).toBeUndefined();
    expect(greetingTrigger.match(message('they said so'), context)).toBeUndefined();
    expect(greetingTrigger.match(message('yoga time'), context)).toBeUndefined();
  });

  it('ignores events that are not messages', () => {
    expect(greetingTrigger.match(makeEvent({ type: 'raid', text: 'hi' }), context)).toBeUndefined();
  });

  it('uses the words from settings', () => {
    const custom = { ...context, settings: { ...context.settings, words: ['moin'] } };
    expect(greetingTrigger.match(message('moin moin'), custom)?.kind).toBe('greeting');
    expect(greetingTrigger.match(message('hi'), custom)).toBeUndefined();
  });
});
