import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { QueueFullError, ShuttingDownError } from '../../src/core/errors.js';
import type { InteractionJob, JobRunner, QueueFailureListener } from '../../src/queue/interaction-queue.js';
import { RunCut } from '../../src/queue/limited-run.js';
import { MemoryInteractionQueue, type MemoryQueueOptions } from '../../src/queue/memory-queue.js';

let sequence = 0;

/** A job from `user` in `channel` of `community`; the three together make the conversation. */
function job(user: string, channel = 'lobby', community = 'twitch:channel:100'): InteractionJob {
  sequence++;
  const event: ChatEvent = {
    id: `twitch:msg-${sequence}`,
    platform: 'twitch',
    type: 'message',
    communityId: community,
    channelId: channel,
    text: `@bot question ${sequence}`,
    user: { id: user, login: user, displayName: user, isBot: false, roles: [] },
    isDirect: false,
    mentionsBot: true,
    meta: {},
    receivedAt: Date.now(),
  };
  return { interactionId: `int-${sequence}`, event, trigger: 'mention', text: `question ${sequence}` };
}

function queue(runner: JobRunner, options: Partial<MemoryQueueOptions> = {}): MemoryInteractionQueue {
  return new MemoryInteractionQueue(runner, {
    concurrency: 2,
    maxSize: 100,
    jobTimeoutMs: 5000,
    onFailed: () => {},
    ...options,
  });
}

/** A promise with its resolve, to hold a job running until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 3000, interval: 2 });

describe('MemoryInteractionQueue: concurrency', () => {
  it('never runs more than `concurrency` jobs at once, and does fill every slot', async () => {
    let running = 0;
    let maxRunning = 0;
    const done: string[] = [];
    const q = queue(
      async (j) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(10);
        running--;
        done.push(j.interactionId);
      },
      { concurrency: 3 },
    );
    const jobs = Array.from({ length: 10 }, (_, i) => job(`user-${i}`));
    for (const j of jobs) q.enqueue(j);
    await q.close();
    expect(maxRunning).toBe(3);
    expect(done).toHaveLength(10);
    expect(new Set(done)).toEqual(new Set(jobs.map((j) => j.interactionId)));
  });

  it('reports the running jobs and the waiting ones', async () => {
    const gates = new Map<string, ReturnType<typeof gate>>();
    const q = queue(
      async (j) => {
        const g = gate();
        gates.set(j.interactionId, g);
        await g.promise;
      },
      { concurrency: 2 },
    );
    const jobs = [job('a'), job('b'), job('c'), job('d')];
    for (const j of jobs) q.enqueue(j);
    await waitFor(() => expect(gates.size).toBe(2));
    expect(q.running).toBe(2);
    expect(q.size).toBe(2);

    gates.get(jobs[0]!.interactionId)?.open();
    await waitFor(() => expect(gates.size).toBe(3));
    expect(q.running).toBe(2);
    expect(q.size).toBe(1);

    for (const j of jobs) {
      await waitFor(() => expect(gates.has(j.interactionId)).toBe(true));
      gates.get(j.interactionId)?.open();
    }
    await q.close();
    expect(q.running).toBe(0);
    expect(q.size).toBe(0);
  });
});

describe('MemoryInteractionQueue: conversations', () => {
  it('runs one conversation strictly in order, one at a time, even with free slots', async () => {
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const q = queue(
      async (j) => {
        started.push(j.interactionId);
        const g = gate();
        gates.set(j.interactionId, g);
        await g.promise;
      },
      { concurrency: 4 },
    );
    const [x1, x2, x3] = [job('alice'), job('alice'), job('alice')];
    const y1 = job('bob');
    for (const j of [x1!, x2!, x3!, y1]) q.enqueue(j);

    // alice's first and bob's job run side by side; alice's next ones wait although two slots are free.
    await waitFor(() => expect(started).toHaveLength(2));
    await sleep(20);
    expect(started).toEqual([x1!.interactionId, y1.interactionId]);
    expect(q.running).toBe(2);
    expect(q.size).toBe(2);

    gates.get(x1!.interactionId)?.open();
    await waitFor(() => expect(started).toHaveLength(3));
    await sleep(20);
    expect(started.at(-1)).toBe(x2!.interactionId);
    expect(started).toHaveLength(3);

    gates.get(x2!.interactionId)?.open();
    await waitFor(() => expect(started).toHaveLength(4));
    expect(started.at(-1)).toBe(x3!.interactionId);

    gates.get(x3!.interactionId)?.open();
    gates.get(y1.interactionId)?.open();
    await q.close();
  });

  it('runs the same user in another channel or community as a conversation of its own', async () => {
    const release = gate();
    const started: string[] = [];
    const q = queue(
      async (j) => {
        started.push(j.interactionId);
        await release.promise;
      },
      { concurrency: 4 },
    );
    const jobs = [
      job('alice', 'lobby', 'twitch:channel:100'),
      job('alice', 'other-room', 'twitch:channel:100'),
      job('alice', 'lobby', 'twitch:channel:200'),
      job('bob', 'lobby', 'twitch:channel:100'),
    ];
    for (const j of jobs) q.enqueue(j);
    await waitFor(() => expect(started).toHaveLength(4));
    expect(q.running).toBe(4);
    expect(q.size).toBe(0);
    release.open();
    await q.close();
  });

  it('keeps every conversation in order and never overlaps it, across many jobs', async () => {
    const conversations = [
      { user: 'alice', channel: 'lobby', community: 'twitch:channel:100' },
      { user: 'alice', channel: 'other-room', community: 'twitch:channel:100' },
      { user: 'alice', channel: 'lobby', community: 'twitch:channel:200' },
      { user: 'bob', channel: 'lobby', community: 'twitch:channel:100' },
    ];
    const key = (j: InteractionJob) => `${j.event.communityId}|${j.event.channelId}|${j.event.user.id}`;
    const active = new Map<string, number>();
    const order = new Map<string, string[]>();
    let overlaps = 0;
    let running = 0;
    let maxRunning = 0;
    const q = queue(
      async (j) => {
        const k = key(j);
        const now = (active.get(k) ?? 0) + 1;
        active.set(k, now);
        if (now > 1) overlaps++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        order.set(k, [...(order.get(k) ?? []), j.interactionId]);
        await sleep(1 + (Number(j.interactionId.replace(/\D/g, '')) % 4));
        running--;
        active.set(k, (active.get(k) ?? 1) - 1);
      },
      { concurrency: 3 },
    );
    const expected = new Map<string, string[]>();
    for (let round = 0; round < 5; round++) {
      for (const c of conversations) {
        const j = job(c.user, c.channel, c.community);
        expected.set(key(j), [...(expected.get(key(j)) ?? []), j.interactionId]);
        q.enqueue(j);
      }
    }
    await q.close();
    expect(overlaps).toBe(0);
    expect(maxRunning).toBe(3);
    expect(order.size).toBe(4);
    expect(order).toEqual(expected);
  });
});

describe('MemoryInteractionQueue: bounds', () => {
  it('refuses a job with QueueFullError once maxSize jobs wait', async () => {
    const first = gate();
    const q = queue(() => first.promise, { concurrency: 1, maxSize: 2 });
    q.enqueue(job('a'));
    await waitFor(() => expect(q.running).toBe(1));
    expect(q.size).toBe(0);

    q.enqueue(job('b'));
    expect(q.size).toBe(1);
    expect(q.isFull).toBe(false);
    q.enqueue(job('c'));
    expect(q.size).toBe(2);
    expect(q.isFull).toBe(true);

    let refused: unknown;
    try {
      q.enqueue(job('d'));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(QueueFullError);
    const full = refused as QueueFullError;
    expect(full.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(full.retryAfterSeconds)).toBe(true);
    expect(full).toMatchObject({ code: 'queue_full', status: 503 });
    expect(q.size).toBe(2);

    first.open();
    await q.close();
    expect(q.size).toBe(0);
  });

  it('accepts again once a waiting job has started', async () => {
    const ran: string[] = [];
    let release = gate();
    const q = queue(
      async (j) => {
        ran.push(j.interactionId);
        await release.promise;
      },
      { concurrency: 1, maxSize: 1 },
    );
    const [a, b, c] = [job('a'), job('b'), job('c')];
    q.enqueue(a);
    await waitFor(() => expect(ran).toHaveLength(1));
    q.enqueue(b);
    expect(() => q.enqueue(c)).toThrow(QueueFullError);

    const firstGate = release;
    release = gate();
    firstGate.open();
    await waitFor(() => expect(ran).toHaveLength(2));
    expect(q.size).toBe(0);
    q.enqueue(c);
    expect(q.size).toBe(1);

    release.open();
    await q.close();
    expect(ran).toEqual([a.interactionId, b.interactionId, c.interactionId]);
  });
});

describe('MemoryInteractionQueue: failures and timeouts', () => {
  it('aborts a job that exceeds jobTimeoutMs, reports it, and frees its slot', async () => {
    const stuck = gate();
    const signals = new Map<string, AbortSignal>();
    const started: string[] = [];
    const onFailed = vi.fn<QueueFailureListener>();
    const q = queue(
      async (j, signal) => {
        started.push(j.interactionId);
        signals.set(j.interactionId, signal);
        // The first job ignores its signal: the queue must free the slot anyway.
        if (started.length === 1) await stuck.promise;
      },
      { concurrency: 1, jobTimeoutMs: 50, onFailed },
    );
    const slow = job('slow');
    const next = job('next');
    q.enqueue(slow);
    q.enqueue(next);

    await waitFor(() => expect(started).toEqual([slow.interactionId, next.interactionId]));
    expect(signals.get(slow.interactionId)?.aborted).toBe(true);
    expect(onFailed).toHaveBeenCalledTimes(1);
    const [failedJob, failure] = onFailed.mock.calls[0]!;
    expect(failedJob).toBe(slow);
    expect(failure).toMatchObject({ started: true });
    expect(failure.reason).toContain('timed out');
    expect(signals.get(slow.interactionId)?.reason).toMatchObject({
      why: 'timeout',
      message: failure.reason,
    });

    await q.close();
    expect(signals.get(next.interactionId)?.aborted).toBe(false);
    expect(onFailed).toHaveBeenCalledTimes(1);
    stuck.open();
  });

  it('lets the next job of the same conversation run after a timeout', async () => {
    const stuck = gate();
    const started: string[] = [];
    const onFailed = vi.fn<QueueFailureListener>();
    const q = queue(
      async (j) => {
        started.push(j.interactionId);
        if (started.length === 1) await stuck.promise;
      },
      { concurrency: 2, jobTimeoutMs: 50, onFailed },
    );
    const [first, second] = [job('carol'), job('carol')];
    q.enqueue(first!);
    q.enqueue(second!);
    await q.close();
    expect(started).toEqual([first!.interactionId, second!.interactionId]);
    expect(onFailed).toHaveBeenCalledTimes(1);
    stuck.open();
  });

  it('counts a run its runner ended as failed, without reporting it again', async () => {
    const onFailed = vi.fn<QueueFailureListener>();
    const q = queue(async (j) => (j.text === 'no model' ? { failed: 'every provider failed' } : undefined), {
      concurrency: 1,
      onFailed,
    });
    const failing = { ...job('erin'), text: 'no model' };
    q.enqueue(failing);
    q.enqueue(job('erin'));
    await q.close();
    expect(onFailed).not.toHaveBeenCalled();
    expect(await q.failures(10)).toMatchObject({
      count: 1,
      recent: [{ interactionId: failing.interactionId, reason: 'every provider failed', attempts: 1 }],
    });
  });

  it('reports a failing job to onFailed and keeps running the others', async () => {
    const onFailed = vi.fn<QueueFailureListener>();
    const done: string[] = [];
    const q = queue(
      async (j) => {
        if (j.text === 'boom') throw new Error('runner exploded');
        done.push(j.interactionId);
      },
      { concurrency: 1, onFailed },
    );
    const bad = { ...job('dave'), text: 'boom' };
    const good = job('dave');
    q.enqueue(bad);
    q.enqueue(good);
    await q.close();
    expect(onFailed).toHaveBeenCalledTimes(1);
    expect(onFailed.mock.calls[0]?.[0]).toBe(bad);
    expect(onFailed.mock.calls[0]?.[1]).toMatchObject({ reason: 'runner exploded', started: true });
    expect(done).toEqual([good.interactionId]);
  });
});

describe('MemoryInteractionQueue: close', () => {
  it('waits for every accepted job, also those queued behind their conversation', async () => {
    const release = gate();
    const finished: string[] = [];
    const q = queue(
      async (j) => {
        await release.promise;
        finished.push(j.interactionId);
      },
      { concurrency: 1 },
    );
    const jobs = [job('erin'), job('erin'), job('frank'), job('erin')];
    for (const j of jobs) q.enqueue(j);

    let closed = false;
    const closing = q.close().then(() => {
      closed = true;
    });
    await waitFor(() => expect(q.running).toBe(1));
    await sleep(20);
    expect(closed).toBe(false);
    expect(finished).toHaveLength(0);

    release.open();
    await closing;
    expect(finished).toHaveLength(4);
    expect(new Set(finished)).toEqual(new Set(jobs.map((j) => j.interactionId)));
    expect(q.size).toBe(0);
    expect(q.running).toBe(0);
  });

  it('refuses new jobs with ShuttingDownError once close() began', async () => {
    const release = gate();
    const ran: string[] = [];
    const q = queue(async (j) => {
      ran.push(j.interactionId);
      await release.promise;
    });
    const accepted = job('gina');
    q.enqueue(accepted);
    const closing = q.close();
    expect(() => q.enqueue(job('henry'))).toThrow(ShuttingDownError);

    release.open();
    await closing;
    expect(ran).toEqual([accepted.interactionId]);
    let late: unknown;
    try {
      q.enqueue(job('ivan'));
    } catch (error) {
      late = error;
    }
    expect(late).toBeInstanceOf(ShuttingDownError);
    expect(late).toMatchObject({ code: 'shutting_down', status: 503 });
  });

  it('closes at once when nothing was accepted', async () => {
    const runner = vi.fn<JobRunner>(async () => {});
    const q = queue(runner);
    await q.close();
    expect(runner).not.toHaveBeenCalled();
    expect(() => q.enqueue(job('jack'))).toThrow(ShuttingDownError);
  });
});

/** A runner that waits for its signal, then rejects with the signal's reason. */
const untilAborted: JobRunner = (_job, signal) =>
  new Promise<void>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason));
  });

describe('MemoryInteractionQueue: close with a grace period', () => {
  it('lets running and waiting jobs finish within the grace, and resolves as soon as they have', async () => {
    const finished: string[] = [];
    const onFailed = vi.fn<QueueFailureListener>();
    const q = queue(
      async (j) => {
        await sleep(20);
        finished.push(j.interactionId);
      },
      { concurrency: 1, onFailed },
    );
    const jobs = [job('kim'), job('kim'), job('lee')];
    for (const j of jobs) q.enqueue(j);
    const started = performance.now();
    await q.close({ graceMs: 5000 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(new Set(finished)).toEqual(new Set(jobs.map((j) => j.interactionId)));
    expect(onFailed).not.toHaveBeenCalled();
    expect(await q.failures(10)).toEqual({ count: 0, recent: [] });
  });

  it('at the deadline aborts running jobs and fails the ones not started as shutdown, in time', async () => {
    const runs: string[] = [];
    const signals: AbortSignal[] = [];
    const onFailed = vi.fn<QueueFailureListener>();
    const q = queue(
      (j, signal) => {
        runs.push(j.interactionId);
        signals.push(signal);
        return untilAborted(j, signal);
      },
      { concurrency: 2, onFailed },
    );
    // Two run (mona, nick); mona's second waits behind her first, otto's for a slot.
    const jobs = [job('mona'), job('nick'), job('mona'), job('otto')];
    for (const j of jobs) q.enqueue(j);
    await waitFor(() => expect(q.running).toBe(2));
    const started = performance.now();
    await q.close({ graceMs: 100 });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(95);
    expect(took).toBeLessThan(600);

    expect(runs).toEqual([jobs[0]!.interactionId, jobs[1]!.interactionId]);
    expect(
      signals.every((signal) => signal.reason instanceof RunCut && signal.reason.why === 'shutdown'),
    ).toBe(true);
    expect(onFailed).toHaveBeenCalledTimes(4);
    const reported = new Map(onFailed.mock.calls.map(([j, failure]) => [j.interactionId, failure]));
    expect(new Set(reported.keys())).toEqual(new Set(jobs.map((j) => j.interactionId)));
    for (const [index, j] of jobs.entries()) {
      expect(reported.get(j.interactionId)).toMatchObject({ reason: 'shutdown', started: index < 2 });
    }
    expect(q.size).toBe(0);
    expect(q.running).toBe(0);

    const failures = await q.failures(10);
    expect(failures.count).toBe(4);
    expect(failures.recent.map((failure) => failure.reason)).toEqual(Array(4).fill('shutdown'));
    expect(failures.recent.map((failure) => failure.attempts).sort()).toEqual([0, 0, 1, 1]);
    expect(() => q.enqueue(job('pat'))).toThrow(ShuttingDownError);
  });

  it('resolves within the grace plus a second when a runner ignores its signal', async () => {
    const stuck = gate();
    const onFailed = vi.fn<QueueFailureListener>();
    const q = queue(() => stuck.promise, { concurrency: 1, onFailed });
    const jobs = [job('quinn'), job('quinn')];
    for (const j of jobs) q.enqueue(j);
    await waitFor(() => expect(q.running).toBe(1));
    const started = performance.now();
    await q.close({ graceMs: 50 });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(onFailed).toHaveBeenCalledTimes(2);
    expect(onFailed.mock.calls.map(([, failure]) => failure.started)).toEqual([true, false]);
    stuck.open();
  });

  it('with graceMs 0 runs nothing more and reports everything at once', async () => {
    const runner = vi.fn<JobRunner>(untilAborted);
    const onFailed = vi.fn<QueueFailureListener>();
    const q = queue(runner, { concurrency: 1, onFailed });
    q.enqueue(job('rita'));
    q.enqueue(job('sam'));
    await q.close({ graceMs: 0 });
    expect(runner.mock.calls.length).toBeLessThanOrEqual(1);
    expect(onFailed).toHaveBeenCalledTimes(2);
  });

  it('lets a later close without grace wait for the same drain', async () => {
    const q = queue(untilAborted, { concurrency: 1 });
    q.enqueue(job('tom'));
    await waitFor(() => expect(q.running).toBe(1));
    const graced = q.close({ graceMs: 30 });
    await Promise.all([graced, q.close()]);
    expect(q.running).toBe(0);
  });
});

describe('MemoryInteractionQueue: failures', () => {
  it('remembers failed jobs, newest first, up to failureHistory, and counts them all', async () => {
    const q = queue(
      async (j) => {
        if (j.text.endsWith('slow')) await sleep(200);
        else throw new Error(`broke on ${j.interactionId}`);
      },
      { concurrency: 1, jobTimeoutMs: 50, failureHistory: 2 },
    );
    const jobs = [job('uma'), job('uma'), { ...job('uma'), text: 'slow' }];
    for (const j of jobs) q.enqueue(j);
    await q.close();
    const failures = await q.failures(10);
    expect(failures.count).toBe(3);
    expect(failures.recent).toHaveLength(2);
    expect(failures.recent[0]).toMatchObject({
      interactionId: jobs[2]!.interactionId,
      eventId: jobs[2]!.event.id,
      reason: 'interaction timed out after 50 ms',
      attempts: 1,
    });
    expect(failures.recent[1]).toMatchObject({
      interactionId: jobs[1]!.interactionId,
      reason: `broke on ${jobs[1]!.interactionId}`,
    });
    expect(Math.abs(failures.recent[0]!.failedAt - Date.now())).toBeLessThan(5000);
    expect((await q.failures(1)).recent).toHaveLength(1);
  });

  it('cuts a long reason to 500 characters', async () => {
    const q = queue(async () => {
      throw new Error('x'.repeat(2000));
    });
    q.enqueue(job('vera'));
    await q.close();
    const [failure] = (await q.failures(1)).recent;
    expect(failure?.reason).toHaveLength(500);
  });
});

describe('MemoryInteractionQueue: jobs with a runAt', () => {
  it('holds a waiting job in no slot: another job runs meanwhile with concurrency 1', async () => {
    const runs: string[] = [];
    const onFailed = vi.fn<QueueFailureListener>();
    const q = queue(
      async (j) => {
        runs.push(j.interactionId);
      },
      { concurrency: 1, onFailed },
    );
    const waiting = { ...job('una'), runAt: Date.now() + 60_000 };
    const other = job('vic');
    q.enqueue(waiting);
    q.enqueue(other);
    await waitFor(() => expect(runs).toEqual([other.interactionId]));
    expect(q.running).toBe(0);
    // Accepted and not started: it counts in the backlog.
    expect(q.size).toBe(1);
    // A shutdown whose grace is over ends it as it ends every job not started, without running it.
    await q.close({ graceMs: 0 });
    expect(runs).toEqual([other.interactionId]);
    expect(onFailed).toHaveBeenCalledTimes(1);
    expect(onFailed.mock.calls[0]?.[0].interactionId).toBe(waiting.interactionId);
    expect(onFailed.mock.calls[0]?.[1]).toMatchObject({ reason: 'shutdown', started: false });
    expect(q.size).toBe(0);
  });

  it('runs a waiting job no earlier than its runAt, and close() without grace waits for it', async () => {
    const started: number[] = [];
    const q = queue(async () => {
      started.push(Date.now());
    });
    const runAt = Date.now() + 200;
    q.enqueue({ ...job('wes'), runAt });
    await q.close();
    expect(started).toHaveLength(1);
    expect(started[0]).toBeGreaterThanOrEqual(runAt);
  });

  it('runs a job whose runAt has passed at its turn', async () => {
    const runs: string[] = [];
    const q = queue(async (j) => {
      runs.push(j.interactionId);
    });
    const past = { ...job('xia'), runAt: Date.now() - 1000 };
    q.enqueue(past);
    await waitFor(() => expect(runs).toEqual([past.interactionId]));
    await q.close();
  });
});
