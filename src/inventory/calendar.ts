/**
 * Calendar dates ('YYYY-MM-DD') in Europe/Amsterdam, the zone contracts and tariff changes are
 * written in. Pure; arithmetic on dates is done in UTC so DST never shifts a day.
 */
import { instantOf, wallClock } from '../plans/wallClock.js';

export const CONTRACT_TIME_ZONE = 'Europe/Amsterdam';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The Amsterdam calendar date of an instant. */
export function amsterdamDate(at: number): string {
  return wallClock(new Date(at), CONTRACT_TIME_ZONE).date;
}

/** 'YYYY-MM' of an Amsterdam date or instant. */
export function monthOf(dateOrAt: string | number): string {
  return (typeof dateOrAt === 'number' ? amsterdamDate(dateOrAt) : dateOrAt).slice(0, 7);
}

/** 00:00 Amsterdam on `date`, in ms. */
export function startOfDay(date: string): number {
  return instantOf(`${date}T00:00`, CONTRACT_TIME_ZONE).getTime();
}

/** True for a real calendar date ('2025-02-29' is not one). */
export function isCalendarDate(date: string): boolean {
  const m = DATE.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function parts(date: string): [number, number, number] {
  const m = DATE.exec(date);
  if (!m) throw new Error(`"${date}" is not a date (YYYY-MM-DD)`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function format(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = parts(date);
  return format(new Date(Date.UTC(y, m - 1, d + days)));
}

/** 0 = Monday … 6 = Sunday. */
export function weekdayOf(date: string): number {
  const [y, m, d] = parts(date);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

function daysInMonth(year: number, month1: number): number {
  return new Date(Date.UTC(year, month1, 0)).getUTCDate();
}

/**
 * The same day `months` later; when that month is too short (31 Jan + 1 month, 29 Feb + 12
 * months) the anniversary is the first day of the month after it.
 */
export function anniversary(date: string, months: number): string {
  const [y, m, d] = parts(date);
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month1 = (total % 12) + 1;
  if (d > daysInMonth(year, month1)) return format(new Date(Date.UTC(year, month1, 1)));
  return format(new Date(Date.UTC(year, month1 - 1, d)));
}

/** The last day (inclusive) of a period of `months` months that starts on `date`: the day before its anniversary. */
export function periodEnd(date: string, months: number): string {
  return addDays(anniversary(date, months), -1);
}
