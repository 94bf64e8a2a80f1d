/**
 * Durability of the `redis` queue: an `api` process queues 1,000 interactions; the `worker`
 * process running them is killed with SIGKILL mid-run; a new worker takes over, the jobs of the
 * dead one included (BullMQ's stalled-job check). Every interaction is answered; none twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChatgateProcess } from '../support/chatgate-process.js';
import { describeNeeding } from '../support/requirements.js';
import { waitFor } from '../support/wait-for.js';
import { type ScaleBackends, startScaleBackends } from './backends.js';
import { mapLimit, mentionBody, postInteraction } from './support.js';

const EVENTS = 1000;
const CONCURRENCY = 20;
/** Worker settings: 20 at a time; a dead worker's jobs are taken over after 1 s (default 30 s). */
const WORKER = {
  CHATGATE_ROLE: 'worker',
  MAX_CONCURRENT_REQUESTS: String(CONCURRENCY),
  QUEUE_STALLED_INTERVAL_MS: '1000',
};

describeNeeding(['redis-server', 'postgres'], 'a worker killed with SIGKILL mid-run', () => {
  let backends: ScaleBackends;
  let api: ChatgateProcess;

  beforeAll(async () => {
    backends = await startScaleBackends('scale_durability');
    // 20 at a time, 50 ms each: about 400 replies/s, so the run lasts a few seconds.
    backends.ollama.behave({ latencyMs: 50 });
    api = await backends.start({ CHATGATE_ROLE: 'api' });
  }, 60_000);
  afterAll(() => backends?.close(), 30_000);

  it('loses none of 1,000 interactions and answers none twice', async () => {
    const ids = Array.from({ length: EVENTS }, (_, index) => `dur-${index}`);
    const statuses = await mapLimit(ids, 50, (id) =>
      postInteraction(api.url, mentionBody(id, backends.receiver.url, `user-${id}`)),
    );
    expect(statuses.every((status) => status === 'queued')).toBe(true);

    const first = await backends.start(WORKER);
    await waitFor(() => (backends.receiver.received.length >= 200 ? true : undefined), 30_000);
    await first.stop('SIGKILL');
    const killedAt = Date.now();
    const answeredBeforeKill = backends.receiver.distinct().size;
    expect(answeredBeforeKill).toBeLessThan(EVENTS);

    await backends.start(WORKER);
    await waitFor(() => (backends.receiver.distinct().size >= EVENTS ? true : undefined), 60_000);
    const recoveredAt =
      backends.receiver.received.find((callback) => callback.at > killedAt)?.at ?? Date.now();
    // A repeat would come from a job re-run; give one more stalled interval for it to show.
    await new Promise((done) => setTimeout(done, 1500));

    const distinct = backends.receiver.distinct();
    expect(distinct.size).toBe(EVENTS);
    expect(new Set([...distinct.values()].map((callback) => callback.body.event_id)).size).toBe(EVENTS);
    expect([...distinct.values()].every((callback) => callback.body.success)).toBe(true);
    // A job that ran again after the kill found its reply already in the reply queue and skipped it:
    // no callback came twice. (The last hop is at least once, so callbacks carry an
    // Idempotency-Key; the api process sending them was not killed here.)
    const repeats = backends.receiver.received.length - distinct.size;
    expect(repeats).toBe(0);
    expect(
      backends.receiver.received.every(
        (callback) => callback.idempotencyKey === callback.body.interaction_id,
      ),
    ).toBe(true);
    console.info(
      `durability: ${answeredBeforeKill} answered before SIGKILL; first reply after it ${recoveredAt - killedAt} ms later (new worker start included); ${repeats} repeated callbacks`,
    );
  }, 120_000);
});
