import { LRUCache } from 'lru-cache';

/** How a "typing…" indicator is started: returns its stop function (the adapter's `typing`). */
export type StartTyping = () => () => void;

/** Interactions remembered as ended, so that a late start (see `TypingIndicators.start`) is ignored. */
const ENDED_REMEMBERED = 10_000;

/**
 * The "typing…" indicators of the interactions in flight, one per interaction: started when the
 * interaction is queued (or, when it first waited for a human, when it runs), stopped when it ends
 * or its reply starts to show. A start for an interaction that already ended (its end can come
 * before the caller of `enqueue` hears of the ack) is ignored; an indicator left running (an
 * interaction ended where nobody told us) stops by itself after `maxMs`.
 */
export class TypingIndicators {
  private readonly running = new Map<string, { stop: () => void; timer: NodeJS.Timeout }>();
  private readonly ended: LRUCache<string, true>;

  /** @param maxMs the longest an indicator runs, ms (an interaction's age limit plus its time limit). */
  constructor(private readonly maxMs: number) {
    this.ended = new LRUCache({ max: ENDED_REMEMBERED, ttl: Math.max(maxMs, 1) });
  }

  /** Starts the indicator of `interactionId` with `start`, unless it runs already or the interaction ended. */
  start(interactionId: string, start: StartTyping): void {
    if (this.running.has(interactionId) || this.ended.has(interactionId)) return;
    const stop = start();
    const timer = setTimeout(() => this.stop(interactionId), this.maxMs);
    timer.unref();
    this.running.set(interactionId, { stop, timer });
  }

  /** Stops the indicator of `interactionId` (if any); `ended` also ignores any later start. */
  stop(interactionId: string, ended = false): void {
    if (ended) this.ended.set(interactionId, true);
    const indicator = this.running.get(interactionId);
    if (!indicator) return;
    this.running.delete(interactionId);
    clearTimeout(indicator.timer);
    indicator.stop();
  }

  /** How many indicators run (for tests and status). */
  get size(): number {
    return this.running.size;
  }

  /** Stops them all (shutdown). */
  stopAll(): void {
    for (const id of [...this.running.keys()]) this.stop(id);
  }
}
