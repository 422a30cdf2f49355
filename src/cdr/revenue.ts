/**
 * Revenue of the 090x numbers (0900, 0906, 0909: the caller pays per minute and the customer
 * receives the outpayment) per day and per month, for the admin's dashboard. Month figures come
 * from the running monthly totals (MonthlyAggregates.ts), so they outlive CDR retention; the days
 * of a month are summed from that month's CDRs with the same increments (aggregateDelta), so a
 * month's days add up to its total while its CDRs are kept.
 */
import type { Cdr } from './CdrTypes.js';
import { aggregateDelta, dayOf, emptyTotals, type MonthTotals, type Totals } from './MonthlyAggregates.js';
import { outpaymentFigures as figures, type OutpaymentLine } from './reports.js';

const PREMIUM_TYPES = new Set(['0900', '0906', '0909']);

/** A 090x service number in E.164 (the monthly totals' line). */
export function isPremiumLine(line: string): boolean {
  return /^\+3190[069]/.test(line);
}

export function isPremiumCdr(cdr: Pick<Cdr, 'direction' | 'calledType'>): boolean {
  return cdr.direction === 'inbound' && PREMIUM_TYPES.has(cdr.calledType);
}

/** The outpayment report's figures: calls, minutes, revenue incl. and excl. VAT, cost, outpayment. */
export type RevenueFigures = Omit<OutpaymentLine, 'number'>;

/** Every day of a month: '2026-10-01' … '2026-10-31'. */
export function daysOfMonth(month: string): string[] {
  const [y, m] = month.split('-').map(Number);
  const count = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/** The `count` months up to and including `month`, oldest first. */
export function monthsUpTo(month: string, count: number): string[] {
  const [y, m] = month.split('-').map(Number);
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - (count - 1 - i), 1));
    return d.toISOString().slice(0, 7);
  });
}

/** Per day of `month` (every day, zero when quiet): the 090x calls of the CDRs given (already scoped). */
export function dailyRevenue(month: string, cdrs: Cdr[]): Array<{ day: string } & RevenueFigures> {
  const days = new Map(daysOfMonth(month).map((d) => [d, emptyTotals()]));
  for (const cdr of cdrs) {
    if (!isPremiumCdr(cdr)) continue;
    const totals = days.get(dayOf(cdr.startedAt));
    if (!totals) continue;
    for (const [metric, n] of aggregateDelta(cdr).increments) totals[metric] += n;
  }
  return [...days].map(([day, t]) => ({ day, ...figures(t) }));
}

/** A month's 090x figures from its running totals, for one customer or all. */
export function monthRevenue(totals: MonthTotals, customerId: string | undefined): RevenueFigures {
  const sum = emptyTotals();
  for (const row of totals.list()) {
    if (!isPremiumLine(row.line) || (customerId !== undefined && row.customerId !== customerId)) continue;
    for (const k of Object.keys(sum) as Array<keyof Totals>) sum[k] += row[k];
  }
  return figures(sum);
}
