/**
 * The outpayment date: the 10th working day of the month after the statement's month. Working
 * days are the inventory's (src/inventory/tariffChanges.ts: Monday–Friday, not an NL public
 * holiday per date-holidays, Europe/Amsterdam dates): one implementation for both.
 */
import { addWorkingDays } from '../inventory/tariffChanges.js';
import { lastDay } from './proRata.js';

export const OUTPAYMENT_WORKING_DAY = 10;

/** 'YYYY-MM' → the n-th working day of the next month. */
export function nthWorkingDayOfNextMonth(month: string, n: number = OUTPAYMENT_WORKING_DAY): string {
  return addWorkingDays(lastDay(month), n);
}
