import { type Child, spawnChild } from './spawn-child.js';

/**
 * Starts `fake-upstream.ts` (a fake OpenAI-compatible server) in a child process; `env` sets its
 * behaviour (FAKE_REPLY, FAKE_LATENCY_MS, FAKE_CHUNK_DELAY_MS, FAKE_MODELS).
 */
export function spawnFakeUpstream(env: Record<string, string> = {}): Promise<Child> {
  return spawnChild('fake-upstream.ts', env);
}
