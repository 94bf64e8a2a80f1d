import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { QueueFullError, ShuttingDownError } from '../../src/core/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { jobIdForEvent } from '../../src/queue/bullmq/job-id.js';
import type { InteractionJob, JobRunner } from '../../src/queue/interaction-queue.js';
import { RedisInteractionQueue, type RedisQueueOptions } from '../../src/queue/redis-queue.js';
import {
  deleteByPrefix,
  redisAnswers,
  skipWithoutRedis,
  TEST_REDIS_URL,
  waitFor,
} from '../stores/redis/support.js';

const SUITE = 'RedisInteractionQueue';
const up = await redisAnswers(TEST_REDIS_URL);

/** One BullMQ key prefix for this run; every test uses its own queue name under it. */
const PREFIX = `chatgate-test-rq-${randomUUID()}`;
let sequence = 0;

/** A Twitch message event with a `raw` payload that must never reach Redis. */
function job(user = 'ann', id = `twitch:msg-${++sequence}`): InteractionJob {
  const event: ChatEvent = {
    id,
    platform: 'twitch',
    type: 'message',
    communityId: 'twitch:channel:100',
    channelId: 'lobby',
    text: `@bot question ${sequence}`,
    user: { id: user, login: user, displayName: user, isBot: false, roles: [] },
    isDirect: false,
    mentionsBot: true,
    meta: { bits: 5 },
    receivedAt: Date.now(),
    raw: { secret: 'platform payload' },
  };
  return { interactionId: `int-${sequence}`, event, trigger: 'mention', text: `question ${sequence}` };
}

describe('jobIdForEvent', () => {
  it('gives BullMQ-safe, distinct ids', () => {
    expect(jobIdForEvent('twitch:abc')).toBe('evt-twitch%3Aabc');
    expect(jobIdForEvent('a:b')).not.toBe(jobIdForEvent('a%3Ab'));
    expect(jobIdForEvent('12345')).toBe('evt-12345');
    expect(jobIdForEvent('x'.repeat(300))).toMatch(/^evt-sha256-[0-9a-f]{64}$/);
  });
});

describe('RedisInteractionQueue.start', () => {
  it('gives up when Redis does not answer within startTimeoutMs', async () => {
    const started = RedisInteractionQueue.start({
      redisUrl: 'redis://127.0.0.1:1',
      runner: async () => {},
      concurrency: 1,
      maxSize: 1,
      jobTimeoutMs: 1000,
      onError: () => {},
      startTimeoutMs: 300,
      logger: createLogger('silent'),
    });
    await expect(started).rejects.toThrow(/did not start within 300 ms/);
  });
});

if (!up) {
  skipWithoutRedis(SUITE, `no Redis answers at ${TEST_REDIS_URL}`);
} else {
  describe(SUITE, () => {
    const opened: RedisInteractionQueue[] = [];
    let queueCount = 0;

    /** Starts a queue on a fresh queue name unless `queueName` is given (to share one). */
    async function start(
      runner: JobRunner,
      options: Partial<RedisQueueOptions> = {},
    ): Promise<RedisInteractionQueue> {
      const queue = await RedisInteractionQueue.start({
        redisUrl: TEST_REDIS_URL,
        runner,
        concurrency: 2,
        maxSize: 100,
        jobTimeoutMs: 5000,
        onError: () => {},
        prefix: PREFIX,
        queueName: `q${++queueCount}`,
        backoffMs: 10,
        sizeRefreshMs: 100,
        logger: createLogger('silent'),
        ...options,
      });
      opened.push(queue);
      return queue;
    }

    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((queue) => queue.close()));
    });

    afterAll(async () => {
      const client = new Redis(TEST_REDIS_URL);
      await deleteByPrefix(client, `${PREFIX}:`);
      await client.quit();
    });

    it('runs a job through the runner with its event minus raw', async () => {
      const seen: InteractionJob[] = [];
      const queue = await start(async (received) => {
        seen.push(received);
      });
      const sent = job();
      queue.enqueue(sent);
      await waitFor(() => seen.length === 1, 5000, 'the job to run');
      const { raw: _raw, ...eventWithoutRaw } = sent.event;
      expect(seen[0]).toEqual({ ...sent, event: eventWithoutRaw });
      expect(seen[0]?.event).not.toHaveProperty('raw');
    });

    it('makes one job of one event id, enqueued twice here and once by another instance', async () => {
      const runs: string[] = [];
      const queueName = `q${++queueCount}`;
      const consumer = await start(
        async (received) => {
          runs.push(received.interactionId);
          await sleep(50);
        },
        { queueName },
      );
      const producer = await start(async () => {}, { queueName, consume: false });
      const first = job('ann', 'twitch:same-message');
      consumer.enqueue(first);
      consumer.enqueue({ ...first, interactionId: 'other-1' });
      producer.enqueue({ ...first, interactionId: 'other-2' });
      const second = job('bob');
      producer.enqueue(second);
      await waitFor(() => runs.length >= 2, 5000, 'both events to run');
      await sleep(300);
      expect(runs.sort()).toEqual([first.interactionId, second.interactionId].sort());
    });

    it('never runs more jobs at once than its concurrency', async () => {
      let now = 0;
      let most = 0;
      let done = 0;
      const queue = await start(
        async () => {
          now++;
          most = Math.max(most, now);
          await sleep(80);
          now--;
          done++;
        },
        { concurrency: 2 },
      );
      for (let i = 0; i < 6; i++) queue.enqueue(job(`user-${i}`));
      await waitFor(() => queue.running >= 2, 5000, 'two jobs running');
      await waitFor(() => done === 6, 5000, 'all six jobs');
      expect(most).toBe(2);
      expect(queue.running).toBe(0);
    });

    it('caps jobs running at once across instances at globalConcurrency', async () => {
      const queueName = `q${++queueCount}`;
      let now = 0;
      let most = 0;
      let done = 0;
      const runner: JobRunner = async () => {
        now++;
        most = Math.max(most, now);
        await sleep(40);
        now--;
        done++;
      };
      const first = await start(runner, { queueName, concurrency: 2, globalConcurrency: 1 });
      await start(runner, { queueName, concurrency: 2, globalConcurrency: 1 });
      for (let i = 0; i < 6; i++) first.enqueue(job(`user-${i}`));
      await waitFor(() => done === 6, 5000, 'all six jobs');
      expect(most).toBe(1);
      expect(await first.queue.getGlobalConcurrency()).toBe(1);
    });

    it('aborts the signal of a job past its time limit and reports it, without retrying', async () => {
      const errors: unknown[] = [];
      let runs = 0;
      let aborted = false;
      const queue = await start(
        (_job, signal) => {
          runs++;
          return new Promise<void>((resolve) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve();
            });
          });
        },
        { jobTimeoutMs: 200, onError: (_job, error) => errors.push(error) },
      );
      queue.enqueue(job());
      await waitFor(() => errors.length === 1, 5000, 'the timeout to be reported');
      expect(aborted).toBe(true);
      expect(String(errors[0])).toMatch(/timed out after 200 ms/);
      await waitFor(() => queue.running === 0, 5000, 'the slot to be freed');
      // `running` drops before BullMQ has moved the job to the failed set: poll for it.
      await expect.poll(() => queue.queue.getFailedCount(), { timeout: 2000 }).toBe(1);
      await sleep(100);
      expect(runs).toBe(1);
    });

    it('keeps jobs in Redis when an instance closes before they ran; a new instance runs them', async () => {
      const queueName = `q${++queueCount}`;
      const producer = await start(async () => {}, { queueName, consume: false });
      const sent = [job('a'), job('b'), job('c')];
      for (const item of sent) producer.enqueue(item);
      await producer.close();
      const ran: string[] = [];
      const restarted = await start(
        async (received) => {
          ran.push(received.interactionId);
        },
        { queueName },
      );
      await waitFor(() => ran.length === 3, 5000, 'the restarted instance to run the jobs');
      expect(ran.sort()).toEqual(sent.map((item) => item.interactionId).sort());
      expect(restarted.size).toBe(0);
    });

    it('waits in close() for a running job, and refuses new jobs meanwhile', async () => {
      let release = (): void => {};
      let finished = false;
      const queue = await start(async () => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        finished = true;
      });
      queue.enqueue(job());
      await waitFor(() => queue.running === 1, 5000, 'the job to start');
      let closed = false;
      const closing = queue.close().then(() => {
        closed = true;
      });
      expect(() => queue.enqueue(job())).toThrow(ShuttingDownError);
      await sleep(150);
      expect(closed).toBe(false);
      release();
      await closing;
      expect(finished).toBe(true);
    });

    it('retries a job whose runner throws, then leaves it failed after the attempts', async () => {
      let runs = 0;
      const errors: unknown[] = [];
      const queue = await start(
        async () => {
          runs++;
          throw new Error('runner broke');
        },
        { attempts: 3, backoffMs: 10, onError: (_job, error) => errors.push(error) },
      );
      queue.enqueue(job());
      await waitFor(() => errors.length === 1, 5000, 'the final failure');
      await expect.poll(() => queue.queue.getFailedCount(), { timeout: 2000 }).toBe(1);
      expect(runs).toBe(3);
      await sleep(100);
      expect(errors).toHaveLength(1);
    });

    it('refuses a job at once when the backlog is at maxSize', async () => {
      const queue = await start(async () => {}, { consume: false, maxSize: 2 });
      queue.enqueue(job());
      queue.enqueue(job());
      expect(queue.isFull).toBe(true);
      expect(() => queue.enqueue(job())).toThrow(QueueFullError);
      await sleep(250);
      expect(queue.size).toBe(2);
    });
  });
}
