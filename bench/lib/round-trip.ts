import { performance } from 'node:perf_hooks';
import { createOllamaProvider } from '../../src/ai/providers/ollama/ollama-provider.js';
import { percentile, ratio } from './stats.js';

/**
 * Resolves when `check()` holds, polling every 1 ms (finer than the round trips measured).
 * @throws Error after `timeoutMs` (default 10,000 ms) without it.
 */
export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * The round-trip benches' baseline: `count` calls to the fake Ollama at `host` straight from this
 * process, the way the worker calls it (one short message), ms each.
 */
export async function modelBaseline(host: string, count: number): Promise<number[]> {
  const provider = createOllamaProvider({ host });
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await provider.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] });
    times.push(performance.now() - started);
  }
  return times;
}

/** A table row: `name`, p50 and p99 of `times` (ms), and the p50 as a ratio of the baseline's p50. */
export function latencyRow(name: string, times: number[], baseline: number[]): string[] {
  return [
    name,
    percentile(times, 50).toFixed(2),
    percentile(times, 99).toFixed(2),
    ratio(percentile(times, 50), percentile(baseline, 50)),
  ];
}
