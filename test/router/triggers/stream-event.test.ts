import { describe, expect, it } from 'vitest';
import { STREAM_EVENT_TYPES } from '../../../src/core/chat-event.js';
import { streamEventTrigger } from '../../../src/router/triggers/stream-event.js';
import { contextFor, makeEvent, message } from './support.js';

describe('streamEventTrigger', () => {
  it.each(STREAM_EVENT_TYPES)('matches events of type %s and no other', (kind) => {
    const trigger = streamEventTrigger(kind);
    const context = contextFor(kind);
    expect(trigger.kind).toBe(kind);
    expect(trigger.match(makeEvent({ type: kind, text: 'woo' }), context)).toEqual({ kind, text: 'woo' });
    expect(trigger.match(message('subscription raid cheer follow'), context)).toBeUndefined();
  });

  it('matches a cheer by its type, with its text', () => {
    const cheer = makeEvent({ type: 'cheer', text: 'Cheer100 great stream', meta: { bits: 100 } });
    expect(streamEventTrigger('cheer').match(cheer, contextFor('cheer'))).toEqual({
      kind: 'cheer',
      text: 'Cheer100 great stream',
    });
    expect(streamEventTrigger('raid').match(cheer, contextFor('raid'))).toBeUndefined();
  });
});
