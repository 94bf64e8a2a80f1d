/** UTC days, the unit of every budget and usage total. */

const DAY_MS = 86_400_000;

/** The last day `utcDay` formatted, as [its first ms, its end ms (exclusive), `YYYY-MM-DD`]. */
let lastDay: [start: number, end: number, day: string] = [0, 0, ''];

/**
 * The UTC day of `ms` (ms since the epoch), `YYYY-MM-DD`. The last day formatted is kept: every
 * metered request asks for today's (a Date and an ISO string each, seen in the gateway's profile).
 */
export function utcDay(ms: number): string {
  if (ms >= lastDay[0] && ms < lastDay[1]) return lastDay[2];
  const day = new Date(ms).toISOString().slice(0, 10);
  const start = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
  lastDay = [start, start + DAY_MS, day];
  return day;
}

/** ms from `ms` to the next UTC midnight (1 … 86,400,000). */
export function msToNextUtcMidnight(ms: number): number {
  return DAY_MS - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

/** Whole seconds from `ms` to the next UTC midnight, at least 1 (a `retry-after`). */
export function secondsToNextUtcMidnight(ms: number): number {
  return Math.max(1, Math.ceil(msToNextUtcMidnight(ms) / 1000));
}

/** `day` (`YYYY-MM-DD`) moved by `days`. */
export function addDays(day: string, days: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}
