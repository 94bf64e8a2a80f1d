/**
 * A benchmark child with `cost-probe.ts` preloaded (any script that prints its URL: chatgate from
 * any checkout, the bare proxy, the fake upstream), and the cost windows it answers over IPC: the
 * child's own CPU time, heap allocation and garbage collections between a window's start and end.
 * Used by gateway-cpu.ts (closed loop, CPU per request) and gateway-gc.ts (paced load, GC pauses).
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CostReading, CostRequest } from './cost-probe.js';
import { type Child, spawnChild } from './spawn-child.js';

const COST_PROBE = fileURLToPath(new URL('./cost-probe.ts', import.meta.url));

/** A started child (see spawn-child.ts) and the name its figures go under. */
export interface ProbedChild extends Child {
  name: string;
}

/**
 * Starts `script` (a path) with tsx and the cost probe preloaded, in `cwd` with `env` on top of
 * ours, and resolves once it prints its URL. `nodeOptions` go before the script (e.g. `--cpu-prof`).
 * @throws when the child exits before it printed its URL.
 */
export async function startProbed(
  name: string,
  script: string,
  cwd: string,
  env: Record<string, string>,
  nodeOptions: string[] = [],
): Promise<ProbedChild> {
  const child = await spawnChild(script, env, nodeOptions, { cwd, imports: [COST_PROBE] });
  return { name, ...child };
}

let sequence = 0;
/**
 * Opens (`start`) or closes a cost window in `child`; a close resolves with its reading.
 * @throws when the child does not answer within 30 s.
 */
export function costWindow(child: ChildProcess, start: boolean): Promise<CostReading | undefined> {
  const id = ++sequence;
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('cost probe: no answer within 30 s')), 30_000);
    const onMessage = (message: { cost?: number; reading?: CostReading }) => {
      if (message?.cost !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      done(message.reading);
    };
    child.on('message', onMessage);
    child.send({ cost: id, start } satisfies CostRequest);
  });
}

/** The key every gateway bench request carries: chatgate's configured caller key. */
export const BENCH_KEY = 'bench-key';

/**
 * The environment of `chatgate-child.ts` as the gateway benches run it: provider `openai` on the
 * fake upstream at `upstreamV1` (its base URL including `/v1`), an API key on every request (so
 * auth and the per-key rate limit do their work, with a limit no bench reaches), and the log
 * level `logLevel` (one info line per request, as `npm start` writes it, into /dev/null).
 */
export function gatewayChatgateEnv(upstreamV1: string, logLevel: string): Record<string, string> {
  return {
    CHATGATE_BENCH_CONFIG: JSON.stringify({
      ai: { provider: 'openai', openai: { baseUrl: upstreamV1, model: 'bench-model' } },
      openaiApi: { rateLimitPerMinute: 10_000_000 },
      auth: { apiKeys: [BENCH_KEY] },
    }),
    CHATGATE_BENCH_LOG: logLevel,
  };
}
