import Holidays from 'date-holidays';
import { OPTIONAL_HOLIDAYS, WEEKDAYS, type OpeningHours, type ScheduleNode } from './nodes/schedule.js';
import { instantOf, wallClock } from './wallClock.js';

/**
 * Opening hours: is the office open at an instant? Pure (the clock is a parameter). Rules, first
 * match wins: a one-off closure; a date exception (its own hours, or closed); a public holiday
 * (plus the plan's optional ones) when holidays close the office; the weekly hours.
 */
export type OpeningSchedule = Pick<ScheduleNode, 'timezone' | 'weekly' | 'holidays' | 'exceptions' | 'closures'>;

/** Holiday dates ('YYYY-MM-DD') per country and year, with date-holidays' type and rule. */
const holidayCache = new Map<string, Array<{ date: string; type: string; rule: string }>>();

function holidaysOf(country: string, year: number): Array<{ date: string; type: string; rule: string }> {
  const key = `${country}:${year}`;
  let list = holidayCache.get(key);
  if (!list) {
    const hd = new Holidays(country);
    list = (hd.getHolidays(year) || []).map((h) => ({ date: h.date.slice(0, 10), type: h.type, rule: h.rule }));
    holidayCache.set(key, list);
  }
  return list;
}

/** True when `date` is a day the schedule's holiday rules close the office. */
export function isHolidayClosed(schedule: Pick<OpeningSchedule, 'holidays'>, date: string): boolean {
  const { country, closed, include } = schedule.holidays;
  if (!closed) return false;
  const optionalRules = new Set<string>(include.map((name) => OPTIONAL_HOLIDAYS[name]));
  return holidaysOf(country, Number(date.slice(0, 4))).some(
    // date-holidays marks Goede Vrijdag and Bevrijdingsdag 'school', not 'public'; the plan opts in.
    (h) => h.date === date && (h.type === 'public' || optionalRules.has(h.rule)),
  );
}

function toMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function withinHours(hours: OpeningHours, minutes: number): boolean {
  // A range includes its opening minute and excludes its closing minute: 09:00-17:30 is open at 17:29.
  return hours.some(([from, to]) => minutes >= toMinutes(from) && minutes < toMinutes(to));
}

/** The hours that apply on a local date, after exceptions and holidays ([] when closed all day). */
export function hoursOn(schedule: OpeningSchedule, date: string, weekday: number): OpeningHours {
  const exception = schedule.exceptions.find((e) => e.date === date);
  if (exception) return exception.closed ? [] : (exception.hours ?? []);
  if (isHolidayClosed(schedule, date)) return [];
  return schedule.weekly[WEEKDAYS[weekday]] ?? [];
}

function inClosure(schedule: OpeningSchedule, at: Date): boolean {
  const t = at.getTime();
  return schedule.closures.some((c) => t >= instantOf(c.from, schedule.timezone).getTime() && t < instantOf(c.to, schedule.timezone).getTime());
}

/** Is the office open at `at`? */
export function isOpen(schedule: OpeningSchedule, at: Date): boolean {
  if (inClosure(schedule, at)) return false;
  const local = wallClock(at, schedule.timezone);
  return withinHours(hoursOn(schedule, local.date, local.weekday), local.minutes);
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function clockAt(date: string, hhmm: string, timeZone: string): Date {
  return hhmm === '24:00' ? instantOf(`${addDays(date, 1)}T00:00`, timeZone) : instantOf(`${date}T${hhmm}`, timeZone);
}

/**
 * The next instant after `at` at which isOpen changes, looking at most `horizonDays` ahead
 * (undefined when it never changes in that window, e.g. no hours at all). Candidates are the
 * only instants a change can happen: range boundaries, local midnights and closure edges.
 */
export function nextChange(schedule: OpeningSchedule, at: Date, horizonDays = 400): Date | undefined {
  const tz = schedule.timezone;
  const now = isOpen(schedule, at);
  const startDate = wallClock(at, tz).date;
  const closureEdges = schedule.closures.flatMap((c) => [instantOf(c.from, tz), instantOf(c.to, tz)]);
  for (let day = 0; day <= horizonDays; day++) {
    const date = addDays(startDate, day);
    const weekday = wallClock(instantOf(`${date}T12:00`, tz), tz).weekday;
    const candidates = [
      instantOf(`${date}T00:00`, tz),
      ...hoursOn(schedule, date, weekday).flatMap(([from, to]) => [clockAt(date, from, tz), clockAt(date, to, tz)]),
      ...closureEdges.filter((e) => wallClock(e, tz).date === date),
    ]
      .filter((c) => c.getTime() > at.getTime())
      .sort((a, b) => a.getTime() - b.getTime());
    for (const c of candidates) if (isOpen(schedule, c) !== now) return c;
  }
  return undefined;
}
