import { describe, expect, it } from 'vitest';
import { TRIGGERS } from '../../../src/router/triggers/index.js';
import { redemptionTrigger } from '../../../src/router/triggers/redemption.js';
import { contextFor, makeEvent } from './support.js';

const redemption = (title: string, input: string) =>
  makeEvent({
    type: 'redemption',
    text: input,
    meta: { rewardId: 'r1', rewardTitle: title, userInput: input },
  });

describe('redemptionTrigger', () => {
  const named = {
    ...contextFor('redemption'),
    settings: { ...contextFor('redemption').settings, rewardTitles: ['Ask the AI'] },
  };

  it('answers nothing with the defaults: no reward is named', () => {
    expect(contextFor('redemption').settings.rewardTitles).toEqual([]);
    expect(
      redemptionTrigger.match(redemption('Ask the AI', 'why?'), contextFor('redemption')),
    ).toBeUndefined();
  });

  it("answers a named reward's redemption with the viewer's input, whatever the title's case and spaces", () => {
    expect(TRIGGERS.redemption).toBe(redemptionTrigger);
    expect(redemptionTrigger.match(redemption(' ask the ai ', 'why is the sky blue'), named)).toEqual({
      kind: 'redemption',
      text: 'why is the sky blue',
    });
  });

  it('leaves other rewards, redemptions without input, and other event types', () => {
    expect(redemptionTrigger.match(redemption('Hydrate', 'drink'), named)).toBeUndefined();
    expect(redemptionTrigger.match(redemption('Ask the AI', '  '), named)).toBeUndefined();
    expect(
      redemptionTrigger.match(makeEvent({ text: 'Ask the AI', meta: { rewardTitle: 'Ask the AI' } }), named),
    ).toBeUndefined();
  });
});
