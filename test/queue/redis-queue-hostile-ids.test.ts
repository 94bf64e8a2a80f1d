import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { jobIdForEvent } from '../../src/queue/bullmq/job-id.js';
import type { InteractionJob } from '../../src/queue/interaction-queue.js';
import { RedisInteractionQueue } from '../../src/queue/redis-queue.js';
import { deleteByPrefix, TEST_REDIS_URL } from '../stores/redis/support.js';
import { chatEvent } from '../support/events.js';
import { describeNeeding } from '../support/requirements.js';
import { waitFor } from '../support/wait-for.js';

/** Event ids a collector or a platform could hand us that are not plain ASCII. */
const HOSTILE_IDS = [
  'api:x\ud800y',
  'api:x\udc00',
  'api:a\u0000b',
  'api:emoji-😀',
  'api:ünïcode',
  'api:sp ace\n',
];

describe('jobIdForEvent with ids that are not plain ASCII', () => {
  it('derives a printable ASCII id, distinct per event id and the same each time', () => {
    const ids = HOSTILE_IDS.map(jobIdForEvent);
    for (const id of ids) expect(id).toMatch(/^evt-sha256-[0-9a-f]{64}$/);
    expect(new Set(ids).size).toBe(HOSTILE_IDS.length);
    expect(jobIdForEvent('api:x\ud800y')).toBe(ids[0]);
    // Two lone surrogates that UTF-8 would both turn into U+FFFD still make two jobs.
    expect(jobIdForEvent('api:x\ud800y')).not.toBe(jobIdForEvent('api:x\ud801y'));
  });
});

describeNeeding(['redis'], 'RedisInteractionQueue with event ids that are not plain ASCII', () => {
  const prefix = `chatgate-test-rq-ids-${randomUUID()}`;
  const opened: RedisInteractionQueue[] = [];

  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((queue) => queue.close()));
  });
  afterAll(async () => {
    const client = new Redis(TEST_REDIS_URL);
    await deleteByPrefix(client, `${prefix}:`);
    await client.quit();
  });

  it.each(HOSTILE_IDS)('runs the job of event %j once, and it ends completed', async (eventId) => {
    const runs: string[] = [];
    const failed: string[] = [];
    const queue = await RedisInteractionQueue.start({
      redisUrl: TEST_REDIS_URL,
      runner: async (received) => {
        runs.push(received.event.id);
      },
      concurrency: 1,
      maxSize: 10,
      jobTimeoutMs: 2000,
      onFailed: (job) => failed.push(job.interactionId),
      prefix,
      queueName: `ids-${randomUUID()}`,
      // Stalled jobs are looked for every 200 ms: a job left without its key would run again soon.
      stalledIntervalMs: 200,
      backoffMs: 10,
      logger: createLogger('silent'),
    });
    opened.push(queue);
    const job: InteractionJob = {
      interactionId: `int-${randomUUID()}`,
      event: chatEvent({ id: eventId }),
      trigger: 'mention',
      text: 'hi',
    };
    queue.enqueue(job);
    await waitFor(() => runs.length >= 1, 5000, 'the job to run');
    await waitFor(
      async () => (await queue.queue.getJobState(jobIdForEvent(eventId))) === 'completed',
      5000,
      'the job to end completed',
    );
    await sleep(1000);
    expect(runs).toEqual([eventId]);
    expect(failed).toEqual([]);
  });
});
