/** The human-grace store's contract, on each backend: waiting questions by message and by asker, and the figures. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { GRACE_SAMPLES, type WaitingQuestion } from '../../../src/router/human-grace/grace-store.js';
import { describeNeeding } from '../../support/requirements.js';
import { waitFor } from '../../support/wait-for.js';
import { GRACE_BACKENDS, type GraceInstance } from './backends.js';

let sequence = 0;

/** A question by ann in `lobby` of `twitch:channel:1`, waiting a minute. */
function question(overrides: Partial<WaitingQuestion> = {}): WaitingQuestion {
  sequence++;
  return {
    interactionId: `int-${sequence}`,
    communityId: 'twitch:channel:1',
    channelId: 'lobby',
    messageId: `msg-${sequence}`,
    askerId: 'u-ann',
    askerNames: ['ann', 'annie'],
    askedAt: Date.now(),
    expiresAt: Date.now() + 60_000,
    ...overrides,
  };
}

for (const backend of GRACE_BACKENDS) {
  describeNeeding(backend.needs, `HumanGraceStore (${backend.name})`, () => {
    let one: GraceInstance;
    let other: GraceInstance;
    let close: () => Promise<void>;
    beforeEach(async () => {
      const opened = await backend.open();
      [one, other] = opened.instances;
      close = opened.close;
    });
    afterEach(() => close());

    it('finds a waiting question by its message in its channel only, from either instance', async () => {
      const asked = question();
      await one.store.add(asked);
      expect(await other.store.byMessage(asked.communityId, 'lobby', asked.messageId)).toEqual(asked);
      expect(
        await other.store.byMessage(asked.communityId, 'other-channel', asked.messageId),
      ).toBeUndefined();
      expect(await other.store.byMessage('twitch:channel:2', 'lobby', asked.messageId)).toBeUndefined();
    });

    it("finds an asker's waiting questions by each of their names", async () => {
      const first = question();
      const second = question();
      const someoneElse = question({ askerId: 'u-bob', askerNames: ['bob'] });
      for (const asked of [first, second, someoneElse]) await one.store.add(asked);
      const byLogin = await other.store.byAsker('twitch:channel:1', 'lobby', 'ann');
      expect(byLogin.map((found) => found.interactionId).sort()).toEqual(
        [first.interactionId, second.interactionId].sort(),
      );
      expect(await other.store.byAsker('twitch:channel:1', 'lobby', 'annie')).toHaveLength(2);
      expect(await other.store.byAsker('twitch:channel:1', 'elsewhere', 'ann')).toEqual([]);
    });

    it('forgets a question after its expiresAt', async () => {
      const asked = question({ expiresAt: Date.now() + 50 });
      await one.store.add(asked);
      await waitFor(
        async () =>
          (await other.store.byMessage(asked.communityId, 'lobby', asked.messageId)) === undefined &&
          (await other.store.byAsker(asked.communityId, 'lobby', 'ann')).length === 0,
        5000,
        'the question to be forgotten',
      );
    });

    it('counts outcomes per community, with the median of the human answer times', async () => {
      await one.store.count('c1', 'waited');
      await other.store.count('c1', 'waited');
      await one.store.count('c1', 'waited');
      await one.store.count('c1', 'human', 100);
      await other.store.count('c1', 'human', 400);
      await one.store.count('c1', 'ai');
      await other.store.count('c2', 'waited');
      expect(await one.store.summaries()).toEqual({
        c1: { waited: 3, answeredByHuman: 2, answeredByAi: 1, medianFirstHumanAnswerMs: 250 },
        c2: { waited: 1, answeredByHuman: 0, answeredByAi: 0, medianFirstHumanAnswerMs: null },
      });
    });

    it(`keeps the last ${GRACE_SAMPLES} human answer times for the median`, async () => {
      // 50 slow answers, then GRACE_SAMPLES fast ones: the slow ones have left the sample.
      for (let i = 0; i < 50; i++) await one.store.count('c1', 'human', 90_000);
      for (let i = 0; i < GRACE_SAMPLES; i++) await one.store.count('c1', 'human', 1000 + i);
      const summary = (await other.store.summaries()).c1;
      expect(summary?.answeredByHuman).toBe(50 + GRACE_SAMPLES);
      expect(summary?.medianFirstHumanAnswerMs).toBe(1000 + Math.round((GRACE_SAMPLES - 1) / 2));
    });
  });
}
