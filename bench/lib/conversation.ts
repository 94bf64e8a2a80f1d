import type { ContextMessage, ContextStore } from '../../src/stores/context-store.js';

/** Turns per stored conversation in the benchmarks (chatgate's default `context.maxTurns`). */
export const TURNS = 10;

/** One turn as it would arrive: a chat line of ~80 chars and a reply of ~250, flat strings. */
export function turn(n: number): ContextMessage[] {
  const question = `@chatgate what do you think about the boss fight in chapter ${n % 40}? asking for a friend`;
  const answer = `Honestly, chapter ${n % 40}'s boss is mostly about patience: learn the second-phase sweep, keep your stamina for the dodge, and save the heavy hits for the short window after the slam. You've got this, and your friend does too!`;
  // Through JSON, so that the strings are flat copies, as parsed from a request, not shared constants.
  return JSON.parse(
    JSON.stringify([
      { role: 'user', content: question, at: Date.now() },
      { role: 'assistant', content: answer, at: Date.now() },
    ]),
  ) as ContextMessage[];
}

/** Bytes of one full conversation as JSON: the payload the stores hold. */
export const conversationBytes = () =>
  Buffer.byteLength(JSON.stringify(Array.from({ length: TURNS }, (_, t) => turn(t)).flat()));

/** Fills one conversation of TURNS turns under each key, `parallel` appends in flight. */
export async function fill(store: ContextStore, keys: string[], parallel: number): Promise<void> {
  const messages = (n: number) => Array.from({ length: TURNS }, (_, t) => turn(n + t)).flat();
  for (let i = 0; i < keys.length; i += parallel) {
    await Promise.all(keys.slice(i, i + parallel).map((key, j) => store.append(key, messages(i + j))));
  }
}
