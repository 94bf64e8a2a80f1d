import { describe, expect, it } from 'vitest';
import { OutboundThrottle, type ThrottleLimits } from '../../../adapters/telegram/throttle.js';

const OPEN: ThrottleLimits = {
  perChatIntervalMs: 0,
  groupLimit: 1000,
  groupWindowMs: 1000,
  globalLimit: 1000,
  globalWindowMs: 1000,
};

/** Takes `n` slots for `chat` one after another; the times they were granted, ms from the start. */
async function slots(
  throttle: OutboundThrottle,
  chat: string,
  isGroup: boolean,
  n: number,
): Promise<number[]> {
  const start = Date.now();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    await throttle.slot(chat, isGroup);
    times.push(Date.now() - start);
  }
  return times;
}

describe('OutboundThrottle', () => {
  it('spaces messages in one chat by the per-chat interval', async () => {
    const times = await slots(new OutboundThrottle({ ...OPEN, perChatIntervalMs: 60 }), 'a', false, 3);
    expect(times[0]).toBeLessThan(30);
    expect(times[1]).toBeGreaterThanOrEqual(55);
    expect(times[2]).toBeGreaterThanOrEqual(115);
  });

  it('counts the per-chat interval from the end of the last send (Telegram sees arrivals)', async () => {
    const throttle = new OutboundThrottle({ ...OPEN, perChatIntervalMs: 60 });
    await throttle.slot('a', false);
    // A send that spent 80 ms in transit: the next one still waits a whole interval after it.
    await new Promise((resolve) => setTimeout(resolve, 80));
    throttle.sent('a');
    const ended = Date.now();
    await throttle.slot('a', false);
    expect(Date.now() - ended).toBeGreaterThanOrEqual(55);
  });

  it('does not hold one chat back for another', async () => {
    const throttle = new OutboundThrottle({ ...OPEN, perChatIntervalMs: 200 });
    await throttle.slot('a', false);
    const start = Date.now();
    await throttle.slot('b', false);
    expect(Date.now() - start).toBeLessThan(50);
  });

  it('caps a group at groupLimit per window, but not a private chat', async () => {
    const limits = { ...OPEN, groupLimit: 2, groupWindowMs: 120 };
    const group = await slots(new OutboundThrottle(limits), '-1', true, 3);
    expect(group[1]).toBeLessThan(30);
    expect(group[2]).toBeGreaterThanOrEqual(110);
    const direct = await slots(new OutboundThrottle(limits), '1', false, 3);
    expect(direct[2]).toBeLessThan(30);
  });

  it('caps all chats together at globalLimit per window', async () => {
    const throttle = new OutboundThrottle({ ...OPEN, globalLimit: 2, globalWindowMs: 100 });
    const start = Date.now();
    await Promise.all(['a', 'b', 'c'].map((chat) => throttle.slot(chat, false)));
    expect(Date.now() - start).toBeGreaterThanOrEqual(95);
  });

  it('runs the tasks of one chat in order, one at a time, even when one fails', async () => {
    const throttle = new OutboundThrottle(OPEN);
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`${name}>`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        log.push(`<${name}`);
        if (fail) throw new Error(name);
      };
    const results = await Promise.allSettled([
      throttle.serial('a', task('1', 30, true)),
      throttle.serial('a', task('2', 5)),
      throttle.serial('b', task('x', 5)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('<1')).toBeLessThan(log.indexOf('2>'));
    expect(log.indexOf('x>')).toBeLessThan(log.indexOf('<1'));
    await throttle.idle();
  });
});
