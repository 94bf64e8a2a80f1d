import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { type StreamTiming, timeStream } from './sse-client.js';

/** What a crowd of concurrent streams saw. */
export interface CrowdResult {
  timings: StreamTiming[];
  /** The most streams open at once. */
  peakOpen: number;
  /** From the first request to the last stream's end, ms. */
  wallMs: number;
  /** The first few distinct failure messages. */
  errors: string[];
}

/**
 * Opens `count` streamed completions to `url`, `batch` at a time every `everyMs` (a ramp, so the
 * listen backlog is not flooded), each on its own connection (no keep-alive: idle sockets would
 * hold file descriptors), and waits for all to end. `onTick` runs every 250 ms while they run.
 */
export async function streamCrowd(options: {
  url: string;
  body: string;
  count: number;
  batch: number;
  everyMs: number;
  onTick?: () => void;
}): Promise<CrowdResult> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  let open = 0;
  let peakOpen = 0;
  const started = performance.now();
  const ticker = setInterval(() => options.onTick?.(), 250);
  const all: Promise<StreamTiming>[] = [];
  for (let i = 0; i < options.count; i += options.batch) {
    for (let j = i; j < Math.min(options.count, i + options.batch); j++) {
      open++;
      peakOpen = Math.max(peakOpen, open);
      all.push(
        timeStream(options.url, options.body, agent).finally(() => {
          open--;
        }),
      );
    }
    if (i + options.batch < options.count)
      await new Promise((resolve) => setTimeout(resolve, options.everyMs));
  }
  const timings = await Promise.all(all);
  clearInterval(ticker);
  agent.destroy();
  const errors = [...new Set(timings.flatMap((timing) => (timing.ok ? [] : [timing.error ?? 'failed'])))];
  return { timings, peakOpen, wallMs: performance.now() - started, errors: errors.slice(0, 5) };
}
