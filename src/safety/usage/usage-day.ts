/** UTC days, the unit of every budget and usage total. */

const DAY_MS = 86_400_000;

/** The UTC day of `ms` (ms since the epoch), `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
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
