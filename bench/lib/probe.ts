/**
 * Self-measurement of a benchmark's child process (chatgate, the fake upstream), over the IPC
 * channel: the child calls `serveProbe()`; the parent calls `probe(child)` and gets the child's
 * RSS, heap and event-loop delay (perf_hooks monitorEventLoopDelay, sampled every 10 ms; reported
 * as the delay beyond that interval) since the last probe that asked for a reset. Figures are the
 * child's own, not the parent's.
 */
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One reading. Memory in bytes; event-loop delay in ms. */
export interface ProbeReading {
  rss: number;
  heapUsed: number;
  eld: { mean: number; p50: number; p99: number; max: number };
}

interface ProbeRequest {
  probe: number;
  reset: boolean;
  gc: boolean;
}

const RESOLUTION_MS = 10;

/** In the child: answers probe requests from the parent. */
export function serveProbe(): void {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  process.on('message', (message: ProbeRequest) => {
    if (typeof message?.probe !== 'number') return;
    if (message.gc) (globalThis as { gc?: () => void }).gc?.();
    // The histogram holds the time between samples, the interval included: report what is beyond it.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const reading: ProbeReading = {
      rss: process.memoryUsage.rss(),
      heapUsed: process.memoryUsage().heapUsed,
      eld: {
        mean: ms(histogram.mean),
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
      },
    };
    if (message.reset) histogram.reset();
    process.send?.({ probe: message.probe, reading });
  });
}

let sequence = 0;

/**
 * In the parent: asks `child` (spawned with an `ipc` stdio slot) for a reading. `reset` starts a
 * new event-loop delay window after this reading; `gc` collects first (when the child has --expose-gc).
 */
export function probe(
  child: ChildProcess,
  options: { reset?: boolean; gc?: boolean } = {},
): Promise<ProbeReading> {
  const id = ++sequence;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('probe: no answer within 30 s')), 30_000);
    const onMessage = (message: { probe?: number; reading?: ProbeReading }) => {
      if (message?.probe !== id || !message.reading) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.reading);
    };
    child.on('message', onMessage);
    child.send({ probe: id, reset: options.reset ?? false, gc: options.gc ?? false } satisfies ProbeRequest);
  });
}
