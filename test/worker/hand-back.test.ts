import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AiRequest } from '../../src/ai/ai-service.js';
import type { InteractionJob } from '../../src/queue/interaction-queue.js';
import { RunCut } from '../../src/queue/limited-run.js';
import type { Services } from '../../src/services.js';
import { createInteractionRunner } from '../../src/worker/worker.js';
import { chatEvent } from '../support/events.js';
import { testConfig, testServices } from '../support/services.js';

describe('the interaction runner at shutdown', () => {
  let services: Services | undefined;
  afterEach(async () => {
    await services?.close();
    services = undefined;
  });

  /** Services whose AI call waits until its signal aborts; a queued interaction; the runner. */
  async function setUp() {
    services = await testServices(testConfig({ ai: { mode: 'local' } }));
    const aiStarted = vi.fn();
    vi.spyOn(services.ai, 'complete').mockImplementation(
      ({ signal }: AiRequest) =>
        new Promise((_, reject) => {
          aiStarted();
          signal?.addEventListener('abort', () => reject(new Error('the request was aborted')));
        }),
    );
    const deliver = vi.spyOn(services.delivery, 'deliver');
    const event = chatEvent({ text: '@chatgate still there?' });
    const job: InteractionJob = {
      interactionId: `int-${event.id}`,
      event,
      trigger: 'mention',
      text: 'still there?',
    };
    await services.interactions.add({
      id: job.interactionId,
      event,
      status: 'queued',
      trigger: job.trigger,
      createdAt: Date.now(),
    });
    const runner = createInteractionRunner(services);
    return { services, runner, job, deliver, aiStarted };
  }

  it('when the queue hands the run back, rethrows the cut, records no failure and delivers nothing', async () => {
    const { services, runner, job, deliver, aiStarted } = await setUp();
    const controller = new AbortController();
    const running = runner(job, controller.signal);
    await vi.waitFor(() => expect(aiStarted).toHaveBeenCalled());
    const reason = new RunCut('hand_back', 'handed back to the queue at shutdown');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    const stored = await services.interactions.get(job.interactionId);
    expect(stored?.status).toBe('running');
    expect(stored?.reason).toBeUndefined();
    expect(deliver).not.toHaveBeenCalled();
    expect(
      await services.metrics.registry.getSingleMetricAsString('chatgate_interactions_total'),
    ).not.toContain('status="failed"');
  });

  it('when a shutdown cuts the run, the queue ends it: failed as shutdown, told once, counted', async () => {
    const { services: running, job, deliver, aiStarted } = await setUp();
    running.queue.enqueue(job);
    await vi.waitFor(() => expect(aiStarted).toHaveBeenCalled());
    await running.close({ graceMs: 0 });
    services = undefined;
    expect(await running.interactions.get(job.interactionId)).toMatchObject({
      status: 'failed',
      reason: 'shutdown',
    });
    expect(deliver).toHaveBeenCalledTimes(1);
    expect(deliver).toHaveBeenCalledWith(job, expect.objectContaining({ ok: false, error: 'shutdown' }));
    expect(await running.queue.failures(10)).toMatchObject({
      count: 1,
      recent: [{ interactionId: job.interactionId, reason: 'shutdown' }],
    });
  });
});
