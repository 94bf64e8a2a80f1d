/** One job's run under its time limit, which the queue may also cut short (shutdown, hand-back). */
export interface LimitedRun {
  /**
   * Settles as the runner does, or rejects with the cut's error (the time limit's, or `cut`'s),
   * whichever comes first.
   */
  outcome: Promise<void>;
  /** The runner's own end; never rejects. What a closing queue waits for after cutting a run. */
  settled: Promise<void>;
  /** Aborted by a cut (not by `outer`), with the cut's error as its reason: why the run was cut. */
  cutSignal: AbortSignal;
  /** Rejects `outcome` with `error`, then aborts the runner's signal. Later cuts do nothing. */
  cut(error: Error): void;
  /** Clears the time limit; call once the run is over. */
  dispose(): void;
}

/**
 * Starts `run` with a signal that aborts after `limitMs` (with `timeoutError()`) or on `cut`, or
 * when `outer` aborts (a signal of the queue library's own). Shared by both queue backends.
 *
 * The cut rejects `outcome` before it aborts the signal: a runner that resolves as soon as its
 * signal aborts must not win the race and hide the timeout, the shutdown or the hand-back.
 */
export function startLimitedRun(
  run: (signal: AbortSignal) => Promise<void>,
  limitMs: number,
  timeoutError: () => Error,
  outer?: AbortSignal,
): LimitedRun {
  const controller = new AbortController();
  const signal = outer ? AbortSignal.any([controller.signal, outer]) : controller.signal;
  let reject: (error: Error) => void = () => {};
  const stopped = new Promise<never>((_, fail) => {
    reject = fail;
  });
  const cut = (error: Error) => {
    if (controller.signal.aborted) return;
    reject(error);
    controller.abort(error);
  };
  const timer = setTimeout(() => cut(timeoutError()), limitMs);
  // Async, so that a runner that throws at once rejects instead.
  const running = (async () => run(signal))();
  return {
    outcome: Promise.race([running, stopped]),
    settled: running.catch(() => {}),
    cutSignal: controller.signal,
    cut,
    dispose: () => clearTimeout(timer),
  };
}
