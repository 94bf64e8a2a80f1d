import { describe, expect, it } from 'vitest';
import { mentionTrigger, stripAddress } from '../../../src/router/triggers/mention.js';
import { contextFor, makeEvent, message } from './support.js';

const context = contextFor('mention');

describe('mentionTrigger', () => {
  it('matches when the text names the bot', () => {
    expect(mentionTrigger.match(message('@chatgate what is up'), context)).toEqual({
      kind: 'mention',
      text: 'what is up',
    });
    expect(mentionTrigger.match(message('I like chatgate a lot'), context)).toEqual({
      kind: 'mention',
      text: 'I like chatgate a lot',
    });
  });

  it('does not match the name inside a longer word', () => {
    expect(mentionTrigger.match(message('chatgatebot is another bot'), context)).toBeUndefined();
    expect(mentionTrigger.match(message('just chatting'), context)).toBeUndefined();
  });

  it('matches flagged mentions, direct messages and replies to the bot', () => {
    expect(mentionTrigger.match(message('hello', { mentionsBot: true }), context)?.text).toBe('hello');
    expect(mentionTrigger.match(message('tell me a joke', { isDirect: true }), context)?.kind).toBe(
      'mention',
    );
    const reply = message('and then?', { replyTo: { messageId: 'm0', isBot: true } });
    expect(mentionTrigger.match(reply, context)?.text).toBe('and then?');
    const replyToHuman = message('and then?', { replyTo: { messageId: 'm0', isBot: false } });
    expect(mentionTrigger.match(replyToHuman, context)).toBeUndefined();
  });

  it('ignores events that are not messages', () => {
    expect(
      mentionTrigger.match(makeEvent({ type: 'cheer', text: 'chatgate hi', mentionsBot: true }), context),
    ).toBe(undefined);
  });
});

describe('stripAddress', () => {
  it('removes a leading address', () => {
    expect(stripAddress('@chatgate hi', ['chatgate'])).toBe('hi');
    expect(stripAddress('  @ChatGate: hi there ', ['chatgate'])).toBe('hi there');
    expect(stripAddress('chatgate, how are you', ['chatgate'])).toBe('how are you');
    expect(stripAddress('chatgate: ping', ['chatgate'])).toBe('ping');
  });

  it('keeps text that does not start with an address', () => {
    expect(stripAddress('chatgate is cool', ['chatgate'])).toBe('chatgate is cool');
    expect(stripAddress('hi @chatgate', ['chatgate'])).toBe('hi @chatgate');
    expect(stripAddress('@chatgatebot hi', ['chatgate'])).toBe('@chatgatebot hi');
  });

  it('keeps the original text when only the address is left', () => {
    expect(stripAddress(' @chatgate ', ['chatgate'])).toBe('@chatgate');
  });
});
