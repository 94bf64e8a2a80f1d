/**
 * The outbound scheduler and the join throttle on vitest's fake timers, at Twitch's real limits:
 * 20 messages per 30 s as a non-moderator (≥ 1.2 s apart in one channel), 100 as a moderator, no
 * identical text to a channel within 30 s, 20 JOINs per 10 s; full, closed and disconnected cases.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JoinThrottle } from '../../../adapters/twitch/join-throttle.js';
import { TWITCH_LIMITS } from '../../../adapters/twitch/limits.js';
import {
  type OutboundMessage,
  OutboundScheduler,
  SchedulerRefusedError,
} from '../../../adapters/twitch/scheduler.js';
import { systemClock } from '../../../src/core/adapter-kit/clock.js';

interface Written extends OutboundMessage {
  at: number;
}

const silentLogger = { warn: () => {}, debug: () => {} };

function scheduler(options: { maxQueued?: number; canSend?: (channel: string) => boolean } = {}) {
  const written: Written[] = [];
  const outbound = new OutboundScheduler({
    transmit: (message) => void written.push({ ...message, at: Date.now() }),
    canSend: options.canSend ?? (() => true),
    limits: TWITCH_LIMITS,
    clock: systemClock,
    maxQueued: options.maxQueued ?? 1_000,
    logger: silentLogger,
  });
  return { outbound, written };
}

/** The most messages in any window of `windowMs` starting at a send. */
function busiest(written: readonly Written[], windowMs: number): number {
  return Math.max(
    0,
    ...written.map((first) => written.filter((w) => w.at >= first.at && w.at < first.at + windowMs).length),
  );
}

function gaps(written: readonly Written[]): number[] {
  return written.slice(1).map((message, index) => message.at - (written[index]?.at ?? 0));
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('outbound scheduler', () => {
  it('a burst of 200 as a non-moderator: ≤ 20 per 30 s, ≥ 1.2 s apart, in order, none lost', async () => {
    const { outbound, written } = scheduler();
    const texts = Array.from({ length: 200 }, (_unused, index) => `reply ${index}`);
    const sent = texts.map((text) => outbound.submit({ channel: 'chan', text, replyParentId: 'p' }));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await Promise.all(sent);
    expect(written.map((message) => message.text)).toEqual(texts);
    expect(busiest(written, 30_000)).toBe(20);
    expect(Math.min(...gaps(written))).toBeGreaterThanOrEqual(1_200);
    const stats = outbound.stats();
    expect(stats).toMatchObject({ sent: 200, queued: 0, refused: 0, givenUp: 0 });
    // 10 windows of 20: the last message waits 9 × 30.5 s + 19 × 1.2 s.
    expect(stats.maxWaitMs).toBe(9 * 30_500 + 19 * 1_200);
  });

  it('as a moderator: up to 100 per 30 s with no per-channel gap', async () => {
    const { outbound, written } = scheduler();
    outbound.setModerator('chan', true);
    for (let index = 0; index < 200; index += 1)
      void outbound.submit({ channel: 'chan', text: `reply ${index}` });
    expect(written).toHaveLength(100);
    await vi.advanceTimersByTimeAsync(30_499);
    expect(written).toHaveLength(100);
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toHaveLength(200);
    expect(busiest(written, 30_000)).toBe(100);
  });

  it('counts non-moderator messages across channels, but spaces only within one', async () => {
    const { outbound, written } = scheduler();
    for (let index = 0; index < 4; index += 1) {
      void outbound.submit({ channel: 'a', text: `a${index}` });
      void outbound.submit({ channel: 'b', text: `b${index}` });
    }
    expect(written.map((m) => m.text)).toEqual(['a0', 'b0']);
    await vi.advanceTimersByTimeAsync(1_200);
    expect(written.map((m) => m.text)).toEqual(['a0', 'b0', 'a1', 'b1']);
  });

  it('varies a text repeated to one channel within 30 s, and holds one that cannot be varied', async () => {
    const { outbound, written } = scheduler();
    outbound.setModerator('chan', true);
    for (let index = 0; index < 3; index += 1) void outbound.submit({ channel: 'chan', text: 'same answer' });
    expect(written.map((m) => m.text)).toEqual([
      'same answer',
      'same answer \u{E0000}',
      'same answer \u{E0000}\u{E0000}',
    ]);
    expect(outbound.stats().varied).toBe(2);

    const full = 'x'.repeat(500); // no room for a suffix
    void outbound.submit({ channel: 'chan', text: full });
    void outbound.submit({ channel: 'chan', text: full });
    expect(written.filter((m) => m.text === full)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_499);
    expect(written.filter((m) => m.text === full)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(written.filter((m) => m.text === full)).toHaveLength(2);
  });

  it('refuses, logs and counts when full; all parts of a reply or none', () => {
    const warn = vi.fn();
    const outbound = new OutboundScheduler({
      transmit: () => {},
      canSend: () => false,
      limits: TWITCH_LIMITS,
      clock: systemClock,
      maxQueued: 3,
      logger: { warn, debug: () => {} },
    });
    outbound.submitAll([
      { channel: 'chan', text: '1' },
      { channel: 'chan', text: '2' },
    ]);
    expect(() =>
      outbound.submitAll([
        { channel: 'chan', text: '3' },
        { channel: 'chan', text: '4' },
      ]),
    ).toThrow(SchedulerRefusedError);
    expect(outbound.stats()).toMatchObject({ queued: 2, refused: 2 });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ reason: 'full' }), 'twitch outbound refused');
  });

  it('waits while it cannot send (offline, channel not joined) and goes on when woken', () => {
    let connected = false;
    const { outbound, written } = scheduler({ canSend: () => connected });
    void outbound.submit({ channel: 'chan', text: 'hello' });
    expect(written).toHaveLength(0);
    connected = true;
    outbound.wake();
    expect(written.map((m) => m.text)).toEqual(['hello']);
  });

  it('retries a write the socket refused', async () => {
    let fail = true;
    const written: string[] = [];
    const outbound = new OutboundScheduler({
      transmit: (message) => {
        if (fail) throw new Error('not connected');
        written.push(message.text);
      },
      canSend: () => true,
      limits: TWITCH_LIMITS,
      clock: systemClock,
      maxQueued: 10,
      logger: silentLogger,
    });
    void outbound.submit({ channel: 'chan', text: 'later' });
    fail = false;
    await vi.advanceTimersByTimeAsync(250);
    expect(written).toEqual(['later']);
  });

  it('at shutdown sends what it can within the grace period, then gives up the rest (rejecting)', async () => {
    const { outbound, written } = scheduler();
    const results = Array.from({ length: 3 }, (_unused, index) =>
      outbound.submit({ channel: 'chan', text: `m${index}` }).then(
        () => 'sent',
        (error: unknown) => (error instanceof SchedulerRefusedError ? 'given up' : 'other'),
      ),
    );
    const drained = outbound.drain(2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    await drained;
    expect(await Promise.all(results)).toEqual(['sent', 'sent', 'given up']);
    expect(written).toHaveLength(2);
    expect(outbound.stats()).toMatchObject({ givenUp: 1, queued: 0 });
    expect(() => outbound.submit({ channel: 'chan', text: 'late' })).toThrow(/closing/);
  });

  it('gives up the messages of a channel it leaves', async () => {
    const { outbound } = scheduler({ canSend: () => false });
    const pending = outbound.submit({ channel: 'gone', text: 'x' });
    outbound.forget('gone');
    await expect(pending).rejects.toThrow(/left #gone/);
  });
});

describe('join throttle', () => {
  it('lets 20 JOINs through per 10 s', async () => {
    const joins = new JoinThrottle(TWITCH_LIMITS, systemClock);
    const at: number[] = [];
    const all = Array.from({ length: 45 }, () => joins.acquire().then(() => void at.push(Date.now())));
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(30_000);
    await Promise.all(all);
    expect(at).toHaveLength(45);
    for (const first of at)
      expect(at.filter((t) => t >= first && t < first + 10_000).length).toBeLessThanOrEqual(20);
  });
});
