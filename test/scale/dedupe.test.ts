/**
 * Three chatgate processes (role `all`, queue backend `redis`) share one Redis. Every event is sent
 * to two of them, picked at random, as two collectors watching the same chat would: each event
 * is answered exactly once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChatgateProcess } from '../support/chatgate-process.js';
import { describeNeeding } from '../support/requirements.js';
import { waitFor } from '../support/wait-for.js';
import { type ScaleBackends, startScaleBackends } from './backends.js';
import { mapLimit, mentionBody, postInteraction } from './support.js';

const EVENTS = 1000;

describeNeeding(['redis-server', 'postgres'], 'three instances sharing Redis', () => {
  let backends: ScaleBackends;
  let instances: ChatgateProcess[] = [];

  beforeAll(async () => {
    backends = await startScaleBackends('scale_dedupe');
    backends.ollama.behave({ latencyMs: 20, reply: (body) => `answer ${JSON.stringify(body).length}` });
    instances = await Promise.all([1, 2, 3].map(() => backends.start({ MAX_CONCURRENT_REQUESTS: '20' })));
  }, 60_000);
  afterAll(() => backends?.close(), 30_000);

  it('answers 1,000 events each sent to two of them exactly once', async () => {
    const ids = Array.from({ length: EVENTS }, (_, index) => `evt-${index}`);
    const statuses = await mapLimit(ids, 50, async (id) => {
      const first = Math.floor(Math.random() * 3);
      const second = (first + 1 + Math.floor(Math.random() * 2)) % 3;
      const body = mentionBody(id, backends.receiver.url, `user-${id}`);
      return Promise.all(
        [first, second].map((index) => postInteraction((instances[index] as ChatgateProcess).url, body)),
      );
    });
    // One copy is queued and the other is a duplicate. When a loaded machine makes a Redis call
    // time out, the router's dedupe answers from memory and both copies are queued; the queue
    // (one job id per event) still runs one of them.
    const pairs = statuses.map((pair) => [...pair].sort().join('+'));
    expect(pairs.every((pair) => pair === 'ignored+queued' || pair === 'queued+queued')).toBe(true);
    const bothQueued = pairs.filter((pair) => pair === 'queued+queued').length;

    await waitFor(() => (backends.receiver.received.length >= EVENTS ? true : undefined), 60_000);
    // Settle: a duplicate would arrive within the job time, well under a second here.
    await new Promise((done) => setTimeout(done, 1000));
    const answered = backends.receiver.received.map((callback) => callback.body.event_id);
    expect(backends.receiver.received).toHaveLength(EVENTS);
    expect(new Set(answered).size).toBe(EVENTS);
    expect(backends.receiver.received.every((callback) => callback.body.success)).toBe(true);
    // Work was spread: every instance ran some of it (the queue is shared, not the sender's own).
    const served = await Promise.all(
      instances.map(async (instance) => {
        const metrics = await (await fetch(`${instance.url}/metrics`)).text();
        const done = metrics.match(/^chatgate_interactions_total\{status="done"[^}]*\} (\d+)/m);
        return Number(done?.[1] ?? 0);
      }),
    );
    expect(served.reduce((sum, count) => sum + count, 0)).toBe(EVENTS);
    expect(served.every((count) => count > 0)).toBe(true);
    console.info(`dedupe: replies per instance ${served.join(' / ')}; ${bothQueued} events queued by both`);
  }, 120_000);
});
