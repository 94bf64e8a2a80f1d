import { describe, expect, it } from 'vitest';
import { farewellTrigger } from '../../../src/router/triggers/farewell.js';
import { contextFor, message } from './support.js';

const context = contextFor('farewell');

describe('farewellTrigger', () => {
  it('matches default farewell words and phrases', () => {
    expect(farewellTrigger.match(message('!lurk'), context)).toEqual({ kind: 'farewell', text: '!lurk' });
    expect(farewellTrigger.match(message('good  night everyone'), context)?.kind).toBe('farewell');
    expect(farewellTrigger.match(message('ok bye!'), context)?.kind).toBe('farewell');
    expect(farewellTrigger.match(message('GN chat'), context)?.kind).toBe('farewell');
  });

  it('does not match words inside other words', () => {
    expect(farewellTrigger.match(message('maybe'), context)).toBeUndefined();
    expect(farewellTrigger.match(message('bypass'), context)).toBeUndefined();
    expect(farewellTrigger.match(message('gnome'), context)).toBeUndefined();
  });
});
