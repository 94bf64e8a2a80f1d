/**
 * Time for the adapter kit and the adapters, injectable so that tests run backoff delays, traffic
 * watchdogs and Twitch's 30 s rate windows on a virtual clock instead of waiting.
 */

/** A source of time and of delayed runs. */
export interface Clock {
  /** ms since the epoch. */
  now(): number;
  /** Runs `run` after `ms`; returns a function that cancels it (a no-op once it ran). */
  schedule(run: () => void, ms: number): () => void;
}

/** The process clock. Looks `setTimeout` up at call time, so vitest's fake timers apply. */
export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(run, ms) {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/**
 * True when `work` settles (resolves or rejects) within `ms` on `clock`, false when the time runs
 * out first. Never rejects; the timer is cancelled either way.
 *
 * @example
 * const closed = await settlesOn(clock, socket.close(), 5_000);
 */
export function settlesOn(clock: Clock, work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = clock.schedule(() => resolve(false), Math.max(0, ms));
    const settled = (): void => {
      cancel();
      resolve(true);
    };
    work.then(settled, settled);
  });
}
