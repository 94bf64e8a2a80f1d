/** Trends of a series sampled over time, for the soak: is a figure flat, or does it grow? */

/** One sample: `t` in ms since the start, `value` in the figure's unit. */
export interface Sample {
  t: number;
  value: number;
}

/**
 * The least-squares slope of `samples`, in the value's unit per hour (0 for fewer than two samples
 * or samples all at one time).
 */
export function slopePerHour(samples: readonly Sample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanT = samples.reduce((sum, s) => sum + s.t, 0) / n;
  const meanV = samples.reduce((sum, s) => sum + s.value, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.t - meanT) * (s.value - meanV);
    variance += (s.t - meanT) ** 2;
  }
  return variance === 0 ? 0 : (covariance / variance) * 3_600_000;
}
