/**
 * Measures, in a fresh process (run with --expose-gc), what `BENCH_CONVERSATIONS` conversations of
 * 10 turns cost in chatgate's in-process context store: RSS and heap after a full GC, before (the
 * empty process with the store built: the baseline) and after filling. Prints one JSON line.
 */
import { MemoryContextStore } from '../../src/stores/memory/memory-context-store.js';
import { fill } from './conversation.js';

const conversations = Number(process.env.BENCH_CONVERSATIONS ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

/** RSS and heap after collecting twice (the second pass frees what the first finalized). */
async function settle() {
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc?.();
  return { rss: process.memoryUsage.rss(), heapUsed: process.memoryUsage().heapUsed };
}

const store = new MemoryContextStore({ maxTurns: 10, ttlMs: 3_600_000, maxConversations: conversations });
const keys = Array.from({ length: conversations }, (_, i) => `twitch:channel:1|chan|user-${i}`);
const empty = await settle();
await fill(store, keys, 1000);
const full = await settle();
process.stdout.write(`${JSON.stringify({ empty, full, held: await store.size() })}\n`);
