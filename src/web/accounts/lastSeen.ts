/**
 * "Laatst gezien" of a phone: how long ago its latest REGISTER was accepted, in the largest unit
 * that fits ("3 minuten geleden", "2 hours ago"). Pure: the caller gives the time now.
 */
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

export function timeAgo(at: number, now: number, lang: 'nl' | 'en'): string {
  const format = new Intl.RelativeTimeFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', { numeric: 'auto' });
  // A clock a little ahead of the browser's still reads as "now", never as "in 2 seconds".
  const elapsed = Math.max(0, now - at);
  for (const [unit, ms] of UNITS) {
    if (elapsed >= ms || unit === 'second') return format.format(-Math.floor(elapsed / ms), unit);
  }
  return format.format(0, 'second');
}
