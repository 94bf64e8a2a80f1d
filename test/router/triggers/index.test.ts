import { describe, expect, it } from 'vitest';
import { TRIGGER_KINDS, type TriggerKind, type TriggerSettings } from '../../../src/config/schema.js';
import { matchTrigger, TRIGGERS } from '../../../src/router/triggers/index.js';
import { BOT_NAMES, loadTriggerDefaults, makeEvent, message } from './support.js';

const defaults = loadTriggerDefaults();

function withDisabled(...kinds: TriggerKind[]): Record<TriggerKind, TriggerSettings> {
  const settings = { ...defaults.kinds };
  for (const kind of kinds) settings[kind] = { ...settings[kind], enabled: false };
  return settings;
}

describe('TRIGGERS', () => {
  it('has one trigger per kind, named by its kind', () => {
    expect(Object.keys(TRIGGERS).sort()).toEqual([...TRIGGER_KINDS].sort());
    for (const kind of TRIGGER_KINDS) expect(TRIGGERS[kind].kind).toBe(kind);
  });
});

describe('matchTrigger', () => {
  it('returns the first match in the default order', () => {
    const event = message('@chatgate hi, what is up?');
    expect(matchTrigger(event, defaults.order, defaults.kinds, BOT_NAMES)).toEqual({
      kind: 'mention',
      text: 'hi, what is up?',
    });
    expect(matchTrigger(message('!ai hello'), defaults.order, defaults.kinds, BOT_NAMES)).toEqual({
      kind: 'command',
      text: 'hello',
    });
    expect(matchTrigger(message('hi, bye'), defaults.order, defaults.kinds, BOT_NAMES)?.kind).toBe(
      'greeting',
    );
    const raid = makeEvent({ type: 'raid', text: '', meta: { viewers: 12 } });
    expect(matchTrigger(raid, defaults.order, defaults.kinds, BOT_NAMES)).toEqual({ kind: 'raid', text: '' });
  });

  it('respects the given order', () => {
    const order: TriggerKind[] = ['farewell', 'greeting'];
    expect(matchTrigger(message('hi, bye'), order, defaults.kinds, BOT_NAMES)?.kind).toBe('farewell');
    expect(matchTrigger(message('hi, bye'), ['greeting', 'farewell'], defaults.kinds, BOT_NAMES)?.kind).toBe(
      'greeting',
    );
  });

  it('skips disabled triggers and kinds without settings', () => {
    const event = message('@chatgate hi');
    expect(matchTrigger(event, defaults.order, withDisabled('mention'), BOT_NAMES)?.kind).toBe('greeting');
    expect(
      matchTrigger(event, defaults.order, withDisabled('mention', 'greeting'), BOT_NAMES),
    ).toBeUndefined();
    expect(matchTrigger(event, defaults.order, { greeting: defaults.kinds.greeting }, BOT_NAMES)?.kind).toBe(
      'greeting',
    );
  });

  it('returns undefined when nothing matches', () => {
    expect(matchTrigger(message('this is fine'), defaults.order, defaults.kinds, BOT_NAMES)).toBeUndefined();
    expect(
      matchTrigger(makeEvent({ type: 'join' }), defaults.order, defaults.kinds, BOT_NAMES),
    ).toBeUndefined();
  });
});
