import { describe, expect, it } from 'vitest';
import { isQuestion, questionTrigger } from '../../../src/router/triggers/question.js';
import { contextFor, makeEvent, message } from './support.js';

const context = contextFor('question');
const starters = context.settings.words ?? [];

describe('isQuestion', () => {
  it('accepts text ending with a question mark, trailing emoji and punctuation allowed', () => {
    expect(isQuestion('is the stream live?', starters)).toBe(true);
    expect(isQuestion('really?!', starters)).toBe(true);
    expect(isQuestion('you ok? 🤔  ', starters)).toBe(true);
  });

  it('rejects a question mark that is followed by words, and bare punctuation', () => {
    expect(isQuestion('really? no way', starters)).toBe(false);
    expect(isQuestion('what? no way', starters)).toBe(true);
    expect(isQuestion('?', starters)).toBe(false);
    expect(isQuestion('??? !!', starters)).toBe(false);
  });

  it('accepts a starter word at the start with at least three words', () => {
    expect(isQuestion('what game is this', starters)).toBe(true);
    expect(isQuestion('How does this work', starters)).toBe(true);
    expect(isQuestion('why not', starters)).toBe(false);
    expect(isQuestion('whatever you say man', starters)).toBe(false);
    expect(isQuestion('I wonder what this is', starters)).toBe(false);
  });
});

describe('questionTrigger', () => {
  it('matches questions in messages only', () => {
    expect(questionTrigger.match(message(' where are you from? '), context)).toEqual({
      kind: 'question',
      text: 'where are you from?',
    });
    expect(questionTrigger.match(message('nice play'), context)).toBeUndefined();
    expect(questionTrigger.match(makeEvent({ type: 'cheer', text: 'why?' }), context)).toBeUndefined();
  });
});
