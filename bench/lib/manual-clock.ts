import type { Clock } from '../../adapters/twitch/limits.js';

/**
 * A virtual clock for the Twitch adapter (scheduler, join throttle, watchdog) and the fake Twitch
 * server: time moves only when `advanceToNext` is called, so Twitch's 30 s windows pass in no real
 * time while the fake, stamping arrivals with the same clock, judges the real 30 s figures exactly.
 * (The same approach as the adapter's delivery tests.) Starts at the real time, so that events
 * stamped with it are not taken for stale by the worker.
 */
export class ManualClock implements Clock {
  private current = Date.now();
  private timers: { at: number; order: number; run: () => void }[] = [];
  private order = 0;

  now = (): number => this.current;

  schedule(run: () => void, ms: number): () => void {
    const timer = { at: this.current + Math.max(0, ms), order: this.order++, run };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
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
