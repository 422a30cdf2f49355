/**
 * Pro rata ("naar rato"): a monthly price for the days a service was active in the month.
 * Days are Dutch calendar dates, both ends inclusive; a service active from the 16th of a
 * 30-day month pays 15/30. Amount = monthly × days / daysInMonth, rounded half up to a cent,
 * once per line (February has 28 or 29 days, so a day there costs more than in March).
 */

/** Days in 'YYYY-MM' (leap years included). */
export function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function firstDay(month: string): string {
  return `${month}-01`;
}

export function lastDay(month: string): string {
  return `${month}-${String(daysInMonth(month)).padStart(2, '0')}`;
}

export interface ActivePeriod {
  /** 'YYYY-MM-DD', inclusive */
  from: string;
  /** 'YYYY-MM-DD', inclusive */
  to: string;
  days: number;
}

/** The part of [startOn, endOn] (inclusive; endOn unset = open) inside `month`, or undefined. */
export function activeIn(month: string, startOn: string, endOn?: string): ActivePeriod | undefined {
  const from = startOn > firstDay(month) ? startOn : firstDay(month);
  const to = endOn !== undefined && endOn < lastDay(month) ? endOn : lastDay(month);
  if (from > to) return undefined;
  return { from, to, days: Number(to.slice(8, 10)) - Number(from.slice(8, 10)) + 1 };
}

/** monthly × days / daysInMonth, half up, in cents (monthly ≥ 0). */
export function proRataCents(monthlyCents: number, days: number, monthDays: number): number {
  if (days >= monthDays) return monthlyCents;
  return Math.floor((2 * monthlyCents * days + monthDays) / (2 * monthDays));
}
