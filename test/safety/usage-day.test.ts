import { describe, expect, it } from 'vitest';
import { utcDay } from '../../src/safety/usage/usage-day.js';

describe('utcDay', () => {
  it('gives the UTC day of each instant, across midnight either way (the kept last day never leaks)', () => {
    const midnight = Date.parse('2026-12-05T00:00:00.000Z');
    expect(utcDay(midnight - 1)).toBe('2026-12-04');
    expect(utcDay(midnight)).toBe('2026-12-05');
    expect(utcDay(midnight + 86_399_999)).toBe('2026-12-05');
    expect(utcDay(midnight + 86_400_000)).toBe('2026-12-06');
    expect(utcDay(midnight - 1)).toBe('2026-12-04');
    expect(utcDay(-1)).toBe('1969-12-31');
    expect(utcDay(0)).toBe('1970-01-01');
  });
});
