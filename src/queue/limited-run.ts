/**
 * Why a queue cut a run short: its time limit (`timeout`), a shutdown whose grace is over
 * (`shutdown`: the job fails, memory backend), or a hand-back to the shared queue (`hand_back`:
 * another instance runs it, redis backend). The run's signal aborts with it as its reason; the
 * message is the failure reason recorded for `timeout` and `shutdown`.
 */
export class RunCut extends Error {
  override readonly name = 'RunCut';
  constructor(
    readonly why: 'timeout' | 'shutdown' | 'hand_back',
    message: string,
  ) {
    super(message);
  }
}

/** One job's run under its time limit, which the queue may also cut short (shutdown, hand-back). */
export interface LimitedRun<T = void> {
  /**
   * Settles as the runner does, or rejects with the cut's error (the time limit's, or `cut`'s),
   * whichever comes first.
   */
  outcome: Promise<T>;
  /** The runner's own end; never rejects. What a closing queue waits for after cutting a run. */
  settled: Promise<void>;
  /** Why the run was cut, once it was (not set when only `outer` aborted). */
  readonly cutBy: RunCut | undefined;
  /** Rejects `outcome` with `cut`, then aborts the runner's signal with it. Later cuts do nothing. */
  cut(cut: RunCut): void;
  /** Clears the time limit; call once the run is over. */
  dispose(): void;
}

/**
 * Starts `run` with a signal that aborts after `limitMs` (with a `timeout` cut) or on `cut`, or
 * when `outer` aborts (a signal of the queue library's own). Shared by both queue backends.
 *
 * The cut rejects `outcome` before it aborts the signal: a runner that resolves as soon as its
 * signal aborts must not win the race and hide the timeout, the shutdown or the hand-back.
 */
export function startLimitedRun<T>(
  run: (signal: AbortSignal) => Promise<T>,
  limitMs: number,
  outer?: AbortSignal,
): LimitedRun<T> {
  const controller = new AbortController();
  const signal = outer ? AbortSignal.any([controller.signal, outer]) : controller.signal;
  let reject: (error: Error) => void = () => {};
  const stopped = new Promise<never>((_, fail) => {
    reject = fail;
  });
  let cutBy: RunCut | undefined;
  const cut = (by: RunCut) => {
    if (cutBy) return;
    cutBy = by;
    reject(by);
    controller.abort(by);
  };
  const timer = setTimeout(
    () => cut(new RunCut('timeout', `interaction timed out after ${limitMs} ms`)),
    limitMs,
  );
  // Async, so that a runner that throws at once rejects instead.
  const running = (async () => run(signal))();
  return {
    outcome: Promise.race([running, stopped]),
    settled: running.then(
      () => {},
      () => {},
    ),
    get cutBy() {
      return cutBy;
    },
    cut,
    dispose: () => clearTimeout(timer),
  };
}
