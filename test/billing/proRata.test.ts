import { describe, expect, it } from 'vitest';
import { activeIn, daysInMonth, proRataCents } from '../../src/billing/proRata.js';

/** monthly price, month, start, end → days active and amount (half up per line). */
const cases: Array<[string, number, string, string, string | undefined, number, number]> = [
  ['a whole month', 2500, '2026-10', '2026-01-01', undefined, 31, 2500],
  ['starting mid-month pays from the start day', 2500, '2026-10', '2026-10-16', undefined, 16, 1290],
  ['ending mid-month pays to the end day (inclusive)', 2500, '2026-10', '2025-03-01', '2026-10-10', 10, 806],
  ['starting and ending in the same month', 2500, '2026-10', '2026-10-05', '2026-10-20', 16, 1290],
  ['a single day', 2500, '2026-10', '2026-10-31', undefined, 1, 81],
  ['February 2026 has 28 days: half of it is half the price', 2500, '2026-02', '2026-02-15', undefined, 14, 1250],
  ['a half cent rounds up (6.95 × 14/28 = 3.475)', 695, '2026-02', '2026-02-15', undefined, 14, 348],
  ['leap February 2028 has 29 days', 2500, '2028-02', '2028-02-15', undefined, 15, 1293],
  ['29 February alone in a leap year', 2500, '2028-02', '2028-02-29', '2028-02-29', 1, 86],
  ['ending on the last day of February is the whole month', 695, '2026-02', '2025-12-01', '2026-02-28', 28, 695],
];

describe('pro rata', () => {
  it.each(cases)('%s', (_name, monthly, month, startOn, endOn, days, cents) => {
    const p = activeIn(month, startOn, endOn);
    expect(p?.days).toBe(days);
    expect(proRataCents(monthly, p!.days, daysInMonth(month))).toBe(cents);
  });

  it('a service that starts after the month or ended before it is not in the month', () => {
    expect(activeIn('2026-10', '2026-11-01')).toBeUndefined();
    expect(activeIn('2026-10', '2026-01-01', '2026-09-30')).toBeUndefined();
  });

  it('knows the month lengths, leap years included', () => {
    expect([daysInMonth('2026-02'), daysInMonth('2028-02'), daysInMonth('2100-02'), daysInMonth('2000-02'), daysInMonth('2026-04')]).toEqual([28, 29, 28, 29, 30]);
  });
});
