/**
 * Wall-clock time in an IANA time zone, from Intl (the runtime's tz database): no hand-made DST
 * tables. Used by schedule evaluation; pure functions.
 */

export interface WallClock {
  /** 'YYYY-MM-DD' */
  date: string;
  /** 0 = Monday … 6 = Sunday */
  weekday: number;
  /** minutes since local midnight */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

function parts(at: Date, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(at)) out[p.type] = p.value;
  return out;
}

/** The local date, weekday and minute of `at` in `timeZone`. */
export function wallClock(at: Date, timeZone: string): WallClock {
  const p = parts(at, timeZone);
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    weekday: WEEKDAY_INDEX[p.weekday],
    minutes: Number(p.hour) * 60 + Number(p.minute),
  };
}

/** The offset of `timeZone` from UTC at instant `at`, in milliseconds (+2 h in Dutch summer). */
function offsetMs(at: Date, timeZone: string): number {
  const p = parts(at, timeZone);
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant of an ISO date-time: as given when it carries an offset or 'Z', otherwise read as
 * wall-clock time in `timeZone`. A wall-clock time skipped by a DST change maps to the instant
 * one hour later; a repeated one to its first occurrence.
 */
export function instantOf(isoDateTime: string, timeZone: string): Date {
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(isoDateTime)) return new Date(isoDateTime);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(isoDateTime);
  if (!m) return new Date(Number.NaN);
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  // Two passes settle on the offset in force at the resulting instant (DST boundaries).
  const first = asUtc - offsetMs(new Date(asUtc), timeZone);
  const second = asUtc - offsetMs(new Date(first), timeZone);
  return new Date(second);
}
