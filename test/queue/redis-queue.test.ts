import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { QueueFullError, ShuttingDownError } from '../../src/core/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { jobIdForEvent } from '../../src/queue/bullmq/job-id.js';
import type { InteractionJob, JobRunner, QueueFailureListener } from '../../src/queue/interaction-queue.js';
import { RunCut } from '../../src/queue/limited-run.js';
import { RedisInteractionQueue, type RedisQueueOptions } from '../../src/queue/redis-queue.js';
import {
  deleteByPrefix,
  freePort,
  type RedisServer,
  startRedisServer,
  TEST_REDIS_URL,
} from '../stores/redis/support.js';
import { describeNeeding } from '../support/requirements.js';
import { waitFor } from '../support/wait-for.js';

const SUITE = 'RedisInteractionQueue';

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

/** Event ids a collector or a platform could hand us that are not plain printable ASCII. */
const HOSTILE_EVENT_IDS = [
  'api:x\ud800y',
  'api:x\udc00',
  'api:a\u0000b',
  'api:emoji-😀',
  'api:ünïcode',
  'api:sp ace\n',
];

describe('jobIdForEvent', () => {
  it('gives BullMQ-safe, distinct ids', () => {
    expect(jobIdForEvent('twitch:abc')).toBe('evt-twitch%3Aabc');
    expect(jobIdForEvent('a:b')).not.toBe(jobIdForEvent('a%3Ab'));
    expect(jobIdForEvent('12345')).toBe('evt-12345');
    expect(jobIdForEvent('x'.repeat(300))).toMatch(/^evt-sha256-[0-9a-f]{64}$/);
  });
  it('hashes ids that are not printable ASCII: the same each time, distinct per event id', () => {
    const ids = HOSTILE_EVENT_IDS.map(jobIdForEvent);
    for (const id of ids) expect(id).toMatch(/^evt-sha256-[0-9a-f]{64}$/);
    expect(new Set(ids).size).toBe(HOSTILE_EVENT_IDS.length);
    expect(jobIdForEvent('api:x\ud800y')).toBe(ids[0]);
    // Two lone surrogates that UTF-8 would both turn into U+FFFD still make two jobs.
    expect(jobIdForEvent('api:x\ud800y')).not.toBe(jobIdForEvent('api:x\ud801y'));
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
      onFailed: () => {},
      startTimeoutMs: 300,
      logger: createLogger('silent'),
    });
    await expect(started).rejects.toThrow(/did not start within 300 ms/);
  });
});

describeNeeding(['redis'], SUITE, () => {
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
      onFailed: () => {},
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

  /** Two instances on one fresh queue name: one that runs jobs with `runner`, one that only adds. */
  async function consumerAndProducer(
    runner: JobRunner,
    options: Partial<RedisQueueOptions> = {},
  ): Promise<{ consumer: RedisInteractionQueue; producer: RedisInteractionQueue }> {
    const queueName = `q${++queueCount}`;
    const consumer = await start(runner, { queueName, ...options });
    const producer = await start(async () => {}, { queueName, consume: false, ...options });
    return { consumer, producer };
  }

  /**
   * Enqueues `event` through `through[0]`, the same event under each of `copyIds` (another
   * interaction id, as another collector would) through `through[1…]`, then a job of another event
   * (bob's) through the last instance; returns that other job.
   */
  function enqueueRace(
    event: InteractionJob,
    copyIds: string[],
    through: RedisInteractionQueue[],
  ): InteractionJob {
    through[0]?.enqueue(event);
    copyIds.forEach((interactionId, index) => {
      through[index + 1]?.enqueue({ ...event, interactionId });
    });
    const other = job('bob');
    through.at(-1)?.enqueue(other);
    return other;
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
    // The queue adds what a run needs to know: first run or not, and the runs left after it.
    expect(seen[0]).toEqual({ ...sent, event: eventWithoutRaw, rerun: false, attemptsLeft: 2 });
    expect(seen[0]?.event).not.toHaveProperty('raw');
  });

  it('makes one job of one event id, enqueued twice here and once by another instance', async () => {
    const runs: string[] = [];
    const { consumer, producer } = await consumerAndProducer(async (received) => {
      runs.push(received.interactionId);
      await sleep(50);
    });
    const first = job('ann', 'twitch:same-message');
    const second = enqueueRace(first, ['other-1', 'other-2'], [consumer, consumer, producer, producer]);
    await waitFor(() => runs.length >= 2, 5000, 'both events to run');
    await sleep(300);
    // One run per event id. Which of the three adds of `first` lands first is a race between the
    // two instances' connections, so the run carries any of their interaction ids.
    expect(runs).toHaveLength(2);
    expect(runs).toContain(second.interactionId);
    const firstRun = runs.find((id) => id !== second.interactionId);
    expect([first.interactionId, 'other-1', 'other-2']).toContain(firstRun);
  });

  it('names the interactions that lost the race for an event id, and only those', async () => {
    const runs: string[] = [];
    const duplicates: string[] = [];
    const onDuplicate = (lost: InteractionJob) => duplicates.push(lost.interactionId);
    const { consumer, producer } = await consumerAndProducer(
      async (received) => {
        runs.push(received.interactionId);
      },
      { onDuplicate },
    );
    const first = job('ann', 'twitch:raced-message');
    const other = enqueueRace(first, ['copy-1', 'copy-2'], [consumer, producer, consumer, producer]);
    await waitFor(() => runs.length >= 2 && duplicates.length >= 2, 5000, 'runs and duplicates');
    await sleep(200);
    const ran = runs.find((id) => id !== other.interactionId);
    // The one that ran is never reported; the other two copies are, once each.
    expect(duplicates.sort()).toEqual(
      [first.interactionId, 'copy-1', 'copy-2'].filter((id) => id !== ran).sort(),
    );
    expect(duplicates).not.toContain(other.interactionId);
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
      { jobTimeoutMs: 200, onFailed: (_job, failure) => errors.push(failure.reason) },
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

  it('holds a job with a runAt among the delayed jobs, in no slot: another job runs meanwhile', async () => {
    const runs: string[] = [];
    const queue = await start(
      async (received) => {
        runs.push(received.interactionId);
      },
      { concurrency: 1 },
    );
    const waiting = { ...job('una'), runAt: Date.now() + 60_000 };
    const other = job('vic');
    queue.enqueue(waiting);
    queue.enqueue(other);
    await waitFor(() => runs.length === 1, 5000, 'the other job to run');
    expect(runs).toEqual([other.interactionId]);
    expect(queue.running).toBe(0);
    expect(await queue.queue.getDelayedCount()).toBe(1);
  });

  it('runs a job with a runAt no earlier than it', async () => {
    const started: number[] = [];
    const queue = await start(async () => {
      started.push(Date.now());
    });
    const runAt = Date.now() + 300;
    queue.enqueue({ ...job('wes'), runAt });
    await waitFor(() => started.length === 1, 5000, 'the delayed job to run');
    expect(started[0]).toBeGreaterThanOrEqual(runAt);
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
      { attempts: 3, backoffMs: 10, onFailed: (_job, failure) => errors.push(failure.reason) },
    );
    queue.enqueue(job());
    await waitFor(() => errors.length === 1, 5000, 'the final failure');
    await expect.poll(() => queue.queue.getFailedCount(), { timeout: 2000 }).toBe(1);
    expect(runs).toBe(3);
    await sleep(100);
    expect(errors).toHaveLength(1);
  });

  it('keeps a run its runner ended as failed among the failed jobs, without running it again or reporting it', async () => {
    let runs = 0;
    const errors: unknown[] = [];
    const queue = await start(
      async () => {
        runs++;
        return { failed: 'every provider failed' };
      },
      { attempts: 3, backoffMs: 10, onFailed: (_job, failure) => errors.push(failure.reason) },
    );
    queue.enqueue(job());
    await expect.poll(() => queue.queue.getFailedCount(), { timeout: 5000 }).toBe(1);
    expect((await queue.failures(1)).recent[0]?.reason).toBe('every provider failed');
    expect(runs).toBe(1);
    expect(errors).toEqual([]);
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

  it('hands a job still running after the grace back to Redis; another instance completes it', async () => {
    const queueName = `q${++queueCount}`;
    const errors: unknown[] = [];
    const reasons: unknown[] = [];
    let runs = 0;
    let finished = 0;
    const reruns: (boolean | undefined)[] = [];
    // The first run honours its signal (as the worker's runner does); the second completes.
    const runner: JobRunner = async (received, signal) => {
      runs++;
      reruns.push(received.rerun);
      if (runs === 1) {
        await new Promise<never>((_, reject) => {
          signal.addEventListener('abort', () => {
            reasons.push(signal.reason);
            reject(signal.reason);
          });
        });
      }
      finished++;
    };
    const onFailed: QueueFailureListener = (_job, failure) => errors.push(failure.reason);
    const first = await start(runner, { queueName, onFailed });
    const sent = job();
    first.enqueue(sent);
    await waitFor(() => runs === 1, 5000, 'the first instance to start the job');
    const second = await start(runner, { queueName, onFailed });

    const started = performance.now();
    await first.close({ graceMs: 150 });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(140);
    // Well under the 1 s margin: the hand-back and the disconnects went through, nothing was cut.
    expect(took).toBeLessThan(800);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(RunCut);
    expect(reasons[0]).toMatchObject({ why: 'hand_back' });

    const jobId = jobIdForEvent(sent.event.id);
    await expect.poll(() => second.queue.getJobState(jobId), { timeout: 5000 }).toBe('completed');
    expect(runs).toBe(2);
    // The second run knows it is one: the runner then checks the reply queue before asking the model.
    expect(reruns).toEqual([false, true]);
    expect(finished).toBe(1);
    expect(errors).toEqual([]);
    expect(await second.queue.getFailedCount()).toBe(0);
    // The handed-back run was not counted as an attempt.
    expect((await second.queue.getJob(jobId))?.attemptsMade).toBe(1);
  });

  it('hands back a job whose runner ignores its signal, and still closes in time', async () => {
    const queueName = `q${++queueCount}`;
    let release = (): void => {};
    const ignored = new Promise<void>((resolve) => {
      release = resolve;
    });
    let runs = 0;
    const runner: JobRunner = async () => {
      runs++;
      if (runs === 1) await ignored;
    };
    const errors: unknown[] = [];
    const first = await start(runner, {
      queueName,
      onFailed: (_job, failure) => errors.push(failure.reason),
    });
    const sent = job();
    first.enqueue(sent);
    await waitFor(() => runs === 1, 5000, 'the job to start');
    const started = performance.now();
    await first.close({ graceMs: 50 });
    expect(performance.now() - started).toBeLessThan(1050);
    const second = await start(runner, { queueName });
    await expect
      .poll(() => second.queue.getJobState(jobIdForEvent(sent.event.id)), { timeout: 5000 })
      .toBe('completed');
    expect(runs).toBe(2);
    expect(errors).toEqual([]);
    release();
  });

  it('lets a job that finishes within the grace complete, and closes as soon as it has', async () => {
    let runs = 0;
    const queue = await start(async () => {
      runs++;
      await sleep(100);
    });
    const sent = job();
    queue.enqueue(sent);
    await waitFor(() => queue.running === 1, 5000, 'the job to start');
    const started = performance.now();
    await queue.close({ graceMs: 5000 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(runs).toBe(1);
    const reader = await start(async () => {}, { queueName: queue.queue.name, consume: false });
    expect(await reader.queue.getJobState(jobIdForEvent(sent.event.id))).toBe('completed');
  });

  it('lists failed jobs, newest first, with their reason and attempts', async () => {
    const queue = await start(
      async (received) => {
        throw new Error(`runner broke on ${received.interactionId}`);
      },
      { attempts: 2, backoffMs: 10 },
    );
    expect(await queue.failures(10)).toEqual({ count: 0, recent: [] });
    const [older, newer] = [job('ann'), job('bob')];
    queue.enqueue(older);
    await expect.poll(() => queue.queue.getFailedCount(), { timeout: 5000 }).toBe(1);
    queue.enqueue(newer);
    await expect.poll(() => queue.queue.getFailedCount(), { timeout: 5000 }).toBe(2);
    const failures = await queue.failures(10);
    expect(failures.count).toBe(2);
    expect(failures.recent).toEqual([
      {
        interactionId: newer.interactionId,
        eventId: newer.event.id,
        reason: `runner broke on ${newer.interactionId}`,
        failedAt: expect.any(Number),
        attempts: 2,
      },
      {
        interactionId: older.interactionId,
        eventId: older.event.id,
        reason: `runner broke on ${older.interactionId}`,
        failedAt: expect.any(Number),
        attempts: 2,
      },
    ]);
    expect(Math.abs((failures.recent[0]?.failedAt ?? 0) - Date.now())).toBeLessThan(5000);
    const one = await queue.failures(1);
    expect(one.count).toBe(2);
    expect(one.recent.map((failure) => failure.interactionId)).toEqual([newer.interactionId]);
  });
  it.each(HOSTILE_EVENT_IDS)('runs the job of event %j once, and it ends completed', async (eventId) => {
    const runs: string[] = [];
    const failed: string[] = [];
    const queue = await start(
      async (received) => {
        runs.push(received.event.id);
      },
      {
        concurrency: 1,
        onFailed: (lost) => failed.push(lost.interactionId),
        // Stalled jobs are looked for every 200 ms: a job left without its key would soon run again.
        stalledIntervalMs: 200,
      },
    );
    queue.enqueue(job('ann', eventId));
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

describeNeeding(['redis-server'], `${SUITE} with a hung Redis`, () => {
  let server: RedisServer | undefined;

  afterEach(async () => {
    await server?.kill('SIGCONT');
    await server?.kill();
    server = undefined;
  });

  it('closes within the grace plus a second when Redis stops answering', async () => {
    server = await startRedisServer(await freePort());
    let runs = 0;
    const queue = await RedisInteractionQueue.start({
      redisUrl: `redis://127.0.0.1:${server.port}`,
      runner: (_job, signal) =>
        new Promise<void>((_, reject) => {
          runs++;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      concurrency: 1,
      maxSize: 10,
      jobTimeoutMs: 10_000,
      onFailed: () => {},
      prefix: PREFIX,
      logger: createLogger('silent'),
    });
    queue.enqueue(job());
    await waitFor(() => runs === 1, 5000, 'the job to start');
    // SIGSTOP: the connections stay open but nothing answers.
    await server.kill('SIGSTOP');
    const started = performance.now();
    await queue.close({ graceMs: 200 });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(190);
    // The grace, then the 1 s margin, then the connections are dropped: it does not wait for a
    // Redis that never answers. The bound is loose (a loaded 2-core machine took 2.5 s): what it
    // catches is a close that hangs on the stopped server, not a slow one.
    expect(took).toBeLessThan(6000);
  }, 15_000);
});
