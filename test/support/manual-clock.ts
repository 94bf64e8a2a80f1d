import type { Clock } from '../../src/core/adapter-kit/clock.js';

/**
 * A virtual clock for the adapters (scheduler, join throttle, supervised connection, watchdog) and
 * the fakes: time moves only when the test calls `advanceToNext` or `advanceBy`, so Twitch's 30 s
 * windows and reconnect backoffs pass in no real time, and the fake, stamping arrivals with the same
 * clock, judges the real 30 s / 1.2 s figures exactly.
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: { at: number; order: number; run: () => void }[] = [];
  private order = 0;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now = (): number => this.current;

  schedule(run: () => void, ms: number): () => void {
    const timer = { at: this.current + Math.max(0, ms), order: this.order++, run };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }

  /** Timers scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running every timer due on the way (also ones they schedule), in order. */
  advanceBy(ms: number): void {
    const until = this.current + ms;
    while (this.timers.some((timer) => timer.at <= until)) this.advanceToNext();
    this.current = until;
  }

  /** Moves time to the earliest timer and runs every timer due then. False when none is pending. */
  advanceToNext(): boolean {
    if (this.timers.length === 0) return false;
    this.current = Math.max(this.current, Math.min(...this.timers.map((timer) => timer.at)));
    const due = this.timers
      .filter((timer) => timer.at <= this.current)
      .sort((a, b) => a.at - b.at || a.order - b.order);
    this.timers = this.timers.filter((timer) => !due.includes(timer));
    for (const timer of due) timer.run();
    return true;
  }
}
