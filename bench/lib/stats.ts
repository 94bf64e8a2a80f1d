/** Percentile `p` (0–100) of `values` (ms), nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Prints rows as a fixed-width table. */
export function printTable(title: string, rows: string[][]): void {
  console.log(title);
  for (const row of rows) console.log(row.map((cell) => cell.padEnd(18)).join(''));
}

export const ratio = (value: number, baseline: number) =>
  baseline > 0 ? (value / baseline).toFixed(2) : 'n/a';
