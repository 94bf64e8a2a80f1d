/**
 * `HumanAnswers` on each backend, with two instances sharing their state: the one that saw the
 * question holds it back when the other saw a human answer, and the bot's turn and a human answer
 * settle a question once between them.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CommunitySettings } from '../../../src/community/community-settings.js';
import type { IngestAck } from '../../../src/core/adapter.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import type { InteractionJob } from '../../../src/queue/interaction-queue.js';
import { HumanAnswers, mentionedNames } from '../../../src/router/human-grace/human-answers.js';
import { type ChatEventOverrides, chatEvent } from '../../support/events.js';
import { describeNeeding } from '../../support/requirements.js';
import { GRACE_BACKENDS, type GraceInstance } from './backends.js';

const WAIT_MS = 5000;
/** Not read by the observer: it decides on the event and the ack. */
const community = {} as CommunitySettings;

let sequence = 0;

function observer(instance: GraceInstance): HumanAnswers {
  return new HumanAnswers({
    store: instance.store,
    keys: instance.keys,
    metrics: new Metrics(),
    logger: createLogger('silent'),
    marginMs: 60_000,
  });
}

/** A line in `general` of `api:test` with a message id; `ack` is what the router answered. */
async function observe(
  instance: HumanAnswers,
  overrides: ChatEventOverrides,
  ack: Partial<IngestAck> = {},
): Promise<{ event: ChatEvent; job: InteractionJob }> {
  sequence++;
  const event = chatEvent({ messageId: `m-${sequence}`, ...overrides });
  const full: IngestAck = {
    interactionId: `int-${sequence}`,
    status: 'ignored',
    reason: 'no_trigger',
    ...ack,
  };
  await instance.observe({ event, ack: full, community });
  const job: InteractionJob = {
    interactionId: full.interactionId,
    event,
    trigger: 'question',
    text: event.text,
    runAt: Date.now() + WAIT_MS,
  };
  return { event, job };
}

const asked = { status: 'queued', trigger: 'question', waitMs: WAIT_MS } as const;
const ann = { id: 'u-ann', login: 'ann', displayName: 'Ann' };
const bob = { id: 'u-bob', login: 'bob', displayName: 'Bob' };

for (const backend of GRACE_BACKENDS) {
  describeNeeding(backend.needs, `HumanAnswers (${backend.name}, two instances)`, () => {
    let one: GraceInstance;
    let other: GraceInstance;
    let close: () => Promise<void>;
    beforeEach(async () => {
      const opened = await backend.open();
      [one, other] = opened.instances;
      close = opened.close;
    });
    afterEach(() => close());

    it('holds back a question a human answered through another instance, and counts it once', async () => {
      const here = observer(one);
      const there = observer(other);
      const { event, job } = await observe(here, { text: 'what is the song?', user: ann }, asked);
      await observe(there, {
        text: 'it is "Intro"',
        user: bob,
        replyTo: { messageId: event.messageId as string, isBot: false },
      });
      // A second answer changes nothing.
      await observe(there, { text: '@ann yes, Intro', user: { id: 'u-cy', login: 'cy' } });
      expect(await here.holdBack(job)).toBe('answered_by_human');
      expect(await there.holdBack(job)).toBe('answered_by_human');
      const figures = (await one.store.summaries())['api:test'];
      expect(figures).toMatchObject({ waited: 1, answeredByHuman: 1, answeredByAi: 0 });
      expect(figures?.medianFirstHumanAnswerMs).toBeGreaterThanOrEqual(0);
    });

    it('lets the bot answer once its turn came first; a later human answer is not counted', async () => {
      const here = observer(one);
      const there = observer(other);
      const { event, job } = await observe(here, { text: 'who won?', user: ann }, asked);
      expect(await here.holdBack(job)).toBeUndefined();
      // The worker asks again before delivering: the same run is let through again.
      expect(await here.holdBack(job)).toBeUndefined();
      await observe(there, {
        text: 'team blue',
        user: bob,
        replyTo: { messageId: event.messageId as string, isBot: false },
      });
      expect(await one.store.summaries()).toMatchObject({
        'api:test': { waited: 1, answeredByHuman: 0, answeredByAi: 1 },
      });
    });

    it('does not count the asker answering themself, a bot, or a reply in another channel', async () => {
      const here = observer(one);
      const there = observer(other);
      const { event, job } = await observe(here, { text: 'when is the break?', user: ann }, asked);
      const replyTo = { messageId: event.messageId as string, isBot: false };
      await observe(there, { text: 'found it', user: ann, replyTo });
      await observe(there, { text: '@ann at nine', user: ann });
      await observe(there, { text: 'at nine', user: { ...bob, isBot: true }, replyTo });
      await observe(there, { text: '@ann at nine', user: { ...bob, isBot: true } });
      await observe(there, { text: 'at nine', user: bob, replyTo, channelId: 'other' });
      expect(await here.holdBack(job)).toBeUndefined();
    });

    it('counts an @mention of the asker by their display name', async () => {
      const here = observer(one);
      const { job } = await observe(
        here,
        { text: 'how long is the stream?', user: { id: 'u-d', login: 'd_99', displayName: 'Dee' } },
        asked,
      );
      await observe(observer(other), { text: '@Dee about three hours.', user: bob });
      expect(await here.holdBack(job)).toBe('answered_by_human');
    });

    it('lets through jobs that did not wait (no runAt) and notices', async () => {
      const here = observer(one);
      const { job } = await observe(here, { text: 'is it live?', user: ann }, asked);
      await observe(observer(other), { text: '@ann yes', user: bob });
      expect(await here.holdBack({ ...job, runAt: undefined })).toBeUndefined();
      expect(await here.holdBack({ ...job, notice: 'paused' })).toBeUndefined();
      expect(await here.holdBack(job)).toBe('answered_by_human');
    });
  });
}

it('reads @mentions as lower-case names, without trailing dots or dashes, ten at most', () => {
  expect(mentionedNames('@Ann, @bob. and @cy-- hi @ann')).toEqual(['ann', 'bob', 'cy']);
  expect(mentionedNames('mail me at a@b')).toEqual(['b']);
  expect(mentionedNames(Array.from({ length: 20 }, (_, i) => `@u${i}`).join(' '))).toHaveLength(10);
});
