import { LRUCache } from 'lru-cache';
import {
  type ChatterLine,
  type ChatterStore,
  type ChatterWindow,
  chatterEnabled,
  type NewChatterLine,
} from '../chatter-store.js';

/** Settings of `MemoryChatterStore`. */
export interface MemoryChatterStoreOptions {
  /** Channels held at once; the least recently used is dropped past it (default 10,000). */
  maxChannels?: number;
  /**
   * Chars held at once over every channel (texts, names and ids), the least recently used
   * channels dropped past it (default 5,000,000: some 10–20 MB of heap), so that callers posting
   * to many channels cannot grow the process without bound.
   */
  maxChars?: number;
  /** ms since the epoch (tests move it); `Date.now` by default. */
  now?: () => number;
}

/**
 * In-process channel chatter: an LRU of channels (bounded in count and in chars), each entry
 * forgotten `maxAgeMs` after its last line (the entry's TTL is set at every write), each holding at
 * most `messages` lines, lines past the window dropped at each write and left out of each read.
 * A timer per channel (unref'd, one at a time) drops its oldest line when that line's window ends,
 * so that nothing is held past its window in a channel that went quiet.
 */
export class MemoryChatterStore implements ChatterStore {
  private readonly cache: LRUCache<string, ChatterLine[]>;
  private readonly now: () => number;
  /** Each channel's pending drop of its oldest line. */
  private readonly sweeps = new Map<string, NodeJS.Timeout>();

  constructor(options: MemoryChatterStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    // `ttl` is given per entry at each write; lru-cache needs a default to track TTLs at all.
    this.cache = new LRUCache({
      max: options.maxChannels ?? 10_000,
      maxSize: options.maxChars ?? 5_000_000,
      sizeCalculation: (lines) => lines.reduce((sum, line) => sum + charsOf(line), 1),
      ttl: 3_600_000,
      // A channel evicted, expired or deleted needs no sweep any more (a write keeps its sweep).
      dispose: (_lines, channel) => this.cancelSweep(channel),
      noDisposeOnSet: true,
    });
  }

  async add(channel: string, line: NewChatterLine, window: ChatterWindow): Promise<void> {
    if (!chatterEnabled(window)) return;
    const now = this.now();
    const kept = [...within(this.cache.get(channel) ?? [], window, now), { ...line, at: now }];
    this.cache.set(channel, kept.slice(-window.messages), { ttl: window.maxAgeMs });
    this.scheduleSweep(channel, window);
  }

  async recent(channel: string, window: ChatterWindow): Promise<ChatterLine[]> {
    if (!chatterEnabled(window)) return [];
    const lines = within(this.cache.get(channel) ?? [], window, this.now());
    return lines.slice(-window.messages).map((line) => ({ ...line }));
  }

  async forget(channel: string, userIds: Iterable<string>): Promise<void> {
    const lines = this.cache.get(channel);
    if (!lines) return;
    const ids = new Set(userIds);
    const kept = lines.filter((line) => !ids.has(line.userId));
    if (kept.length === lines.length) return;
    // The remaining TTL stays: forgetting someone does not make the others' lines live longer.
    if (kept.length === 0) this.cache.delete(channel);
    else this.cache.set(channel, kept, { ttl: Math.max(1, this.cache.getRemainingTTL(channel)) });
  }

  /** Drops the channel's oldest line when its window ends, then waits for the next one's. */
  private scheduleSweep(channel: string, window: ChatterWindow): void {
    if (this.sweeps.has(channel)) return;
    const oldest = this.cache.peek(channel)?.[0];
    if (!oldest) return;
    const delayMs = Math.min(window.maxAgeMs, Math.max(0, oldest.at + window.maxAgeMs - this.now()));
    const timer = setTimeout(() => {
      this.sweeps.delete(channel);
      const lines = this.cache.peek(channel);
      if (!lines) return;
      const kept = within(lines, window, Math.max(this.now(), oldest.at + window.maxAgeMs + 1));
      if (kept.length === lines.length) return this.scheduleSweep(channel, window);
      if (kept.length === 0) return void this.cache.delete(channel);
      const ttl = Math.max(1, this.cache.getRemainingTTL(channel));
      this.cache.set(channel, kept, { ttl });
      this.scheduleSweep(channel, window);
    }, delayMs);
    timer.unref();
    this.sweeps.set(channel, timer);
  }

  private cancelSweep(channel: string): void {
    clearTimeout(this.sweeps.get(channel));
    this.sweeps.delete(channel);
  }
}

/** What one line weighs in the cache, chars. */
function charsOf(line: ChatterLine): number {
  return (
    line.id.length + line.speaker.length + line.userId.length + (line.login?.length ?? 0) + line.text.length
  );
}

/** The lines of `lines` not older than the window at `now`. */
function within(lines: readonly ChatterLine[], window: ChatterWindow, now: number): ChatterLine[] {
  const cutoff = now - window.maxAgeMs;
  return lines.filter((line) => line.at >= cutoff);
}
