/** UTC calendar days as `YYYY-MM-DD`, the unit of `GET /api/v1/usage` (its days are UTC). */

const DAY_MS = 86_400_000;

/** Today's UTC day. */
export function utcToday(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** `day` moved by `count` days (negative: back). */
export function addDays(day: string, count: number): string {
  return utcToday(Date.parse(`${day}T00:00:00Z`) + count * DAY_MS);
}

/** Days from `from` to `to`, both included (0 when `to` is before `from`). */
export function daySpan(from: string, to: string): number {
  return Math.max(
    0,
    Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1,
  );
}

/** Every day from `from` to `to`, both included, oldest first (empty when `to` is before `from`). */
export function daysBetween(from: string, to: string): string[] {
  return Array.from({ length: daySpan(from, to) }, (_, index) => addDays(from, index));
}
