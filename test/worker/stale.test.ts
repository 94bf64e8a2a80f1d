import { afterEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { chatEvent } from '../support/events.js';
import { testApp, testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

describe('stale interactions', () => {
  let services: Services | undefined;
  afterEach(async () => {
    await services?.close();
    services = undefined;
  });

  it('drops an event older than replyMaxAgeMs when its turn comes, with reason stale', async () => {
    ({ services } = await testApp(testConfig({ ai: { mode: 'local' }, queue: { replyMaxAgeMs: 60_000 } })));
    const old = chatEvent({ text: '@chatgate are you there?', receivedAt: Date.now() - 5 * 60_000 });
    const fresh = chatEvent({ text: '@chatgate are you there?', user: { id: 'u2' } });
    const oldAck = await services.router.ingest(old);
    const freshAck = await services.router.ingest(fresh);
    const dropped = await waitFor(async () => {
      const found = await services?.interactions.get(oldAck.interactionId);
      return found?.status === 'ignored' ? found : undefined;
    });
    expect(dropped).toMatchObject({ reason: 'stale' });
    expect(dropped.reply).toBeUndefined();
    const answered = await waitFor(async () => {
      const found = await services?.interactions.get(freshAck.interactionId);
      return found?.status === 'done' ? found : undefined;
    });
    expect(answered.reply?.text).toBeTruthy();
    expect(
      await services.metrics.registry.getSingleMetricAsString('chatgate_events_ignored_total'),
    ).toContain('reason="stale"} 1');
  });

  it('counts the age of a question that waited for a human from the end of its wait', async () => {
    // The wait (5 s) is longer than replyMaxAgeMs (4 s): counted from the event, it would be stale;
    // counted from the end of the wait, the job has 4 s to start (a loaded machine took over 1 s).
    ({ services } = await testApp(
      testConfig({
        ai: { mode: 'local' },
        queue: { replyMaxAgeMs: 4000 },
        triggers: {
          kinds: {
            question: { probability: 1, userCooldownMs: 0, channelCooldownMs: 0, humanGraceMs: 5000 },
          },
        },
      }),
    ));
    const question = chatEvent({ text: 'what is on today?', messageId: 'm-1' });
    const ack = await services.router.ingest(question);
    expect(ack).toMatchObject({ status: 'queued', trigger: 'question', waitMs: 5000 });
    const answered = await waitFor(
      async () => {
        const found = await services?.interactions.get(ack.interactionId);
        return found && !['queued', 'running'].includes(found.status) ? found : undefined;
      },
      20_000,
      'the waited question to be answered',
    );
    expect(answered).toMatchObject({ status: 'done' });
  }, 30_000);
});
