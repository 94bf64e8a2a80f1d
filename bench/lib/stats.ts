/** Percentile `p` (0–100) of `values` (ms), nearest rank. */
export function percentile(values: number[], p: number): number {
  return percentileOfSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** Percentile `p` (0–100) of values already sorted ascending, nearest rank. */
export function percentileOfSorted(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Prints rows as a fixed-width table, each column as wide as its widest cell. */
export function printTable(title: string, rows: string[][]): void {
  const widths: number[] = [];
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  console.log(title);
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd((widths[i] ?? 0) + 2))
        .join('')
        .trimEnd(),
    );
}

/** `value / baseline` with two decimals, or `n/a` without a baseline. */
export const ratio = (value: number, baseline: number) =>
  baseline > 0 ? (value / baseline).toFixed(2) : 'n/a';

/** The mean of `values`. */
export const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Adds `value` (ms, rounded to µs) to the list under `key`. */
export function record(groups: Record<string, number[]>, key: string, value: number): void {
  const list = groups[key] ?? [];
  list.push(Math.round(value * 1000) / 1000);
  groups[key] = list;
}
