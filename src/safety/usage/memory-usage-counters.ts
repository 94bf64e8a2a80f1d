import {
  type ReserveRequest,
  type ReserveResult,
  type ScopeCounts,
  type UsageCounters,
  type UsedFigures,
  ZERO_COUNTS,
} from './usage-counters.js';
import { addDays } from './usage-day.js';

/** A reservation still held: where, and how much. */
interface Held {
  day: string;
  scopes: string[];
  tokens: number;
  usd: number;
  /** ms since the epoch after which it is forgotten. */
  expiresAt: number;
}

/**
 * `UsageCounters` in this process (no `REDIS_URL`, or Redis down): one map entry per day and
 * scope. Each call runs to its end without awaiting, so a reservation's check and charge are one
 * step. Days before yesterday are dropped when a new day is first counted.
 */
export class MemoryUsageCounters implements UsageCounters {
  private readonly counts = new Map<string, ScopeCounts>();
  private readonly held = new Map<string, Held>();
  private latestDay = '';
  private lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    this.forgetExpired();
    if (this.held.has(request.id)) return { ok: true };
    for (const limit of request.limits) {
      const counts = this.peek(request.day, limit.scope);
      if (limit.tokens !== undefined && counts.budgetTokens >= limit.tokens)
        return { ok: false, scope: limit.scope };
      if (limit.usd !== undefined && counts.budgetUsd >= limit.usd) return { ok: false, scope: limit.scope };
    }
    const scopes = request.limits.map((limit) => limit.scope);
    for (const scope of scopes) {
      const counts = this.entry(request.day, scope);
      counts.budgetTokens += request.tokens;
      counts.budgetUsd += request.usd;
    }
    this.held.set(request.id, {
      day: request.day,
      scopes,
      tokens: request.tokens,
      usd: request.usd,
      expiresAt: this.now() + request.ttlMs,
    });
    return { ok: true };
  }

  async release(id: string): Promise<void> {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    for (const scope of held.scopes) {
      const counts = this.counts.get(entryKey(held.day, scope));
      if (!counts) continue;
      counts.budgetTokens -= held.tokens;
      counts.budgetUsd -= held.usd;
    }
  }

  async add(day: string, scopes: readonly string[], used: UsedFigures): Promise<void> {
    const tokens = used.promptTokens + used.completionTokens;
    for (const scope of scopes) {
      const counts = this.entry(day, scope);
      counts.requests += used.requests;
      counts.promptTokens += used.promptTokens;
      counts.completionTokens += used.completionTokens;
      counts.costUsd += used.costUsd;
      counts.budgetTokens += tokens;
      counts.budgetUsd += used.costUsd;
    }
  }

  async read(day: string, scope: string): Promise<ScopeCounts> {
    return { ...this.peek(day, scope) };
  }

  private peek(day: string, scope: string): ScopeCounts {
    return this.counts.get(entryKey(day, scope)) ?? ZERO_COUNTS;
  }

  private entry(day: string, scope: string): ScopeCounts {
    if (day > this.latestDay) this.dropBefore(day);
    const key = entryKey(day, scope);
    let counts = this.counts.get(key);
    if (!counts) {
      counts = { ...ZERO_COUNTS };
      this.counts.set(key, counts);
    }
    return counts;
  }

  /** Keeps `day` and the day before (an interaction running across midnight settles on its own day). */
  private dropBefore(day: string): void {
    this.latestDay = day;
    const keep = addDays(day, -1);
    for (const key of this.counts.keys()) if (key.slice(0, 10) < keep) this.counts.delete(key);
  }

  /** Forgets expired reservations, at most once a second (a walk over every held one). */
  private forgetExpired(): void {
    const now = this.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [id, held] of this.held) if (held.expiresAt <= now) this.held.delete(id);
  }
}

const entryKey = (day: string, scope: string) => `${day}|${scope}`;
