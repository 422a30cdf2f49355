import { describe, expect, it } from 'vitest';
import { scheduleNodeSchema, type ScheduleNode } from '../../src/plans/nodes/schedule.js';
import { isOpen, nextChange } from '../../src/plans/schedule.js';
import { instantOf } from '../../src/plans/wallClock.js';

const office = (extra: Record<string, unknown> = {}): ScheduleNode =>
  scheduleNodeSchema.parse({
    type: 'schedule',
    weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['09:00', '17:30']]])),
    open: 'open',
    closed: 'closed',
    ...extra,
  });

/** Amsterdam wall-clock time, so the table reads like an office calendar. */
const ams = (local: string): Date => instantOf(local, 'Europe/Amsterdam');

describe('opening hours: Monday to Friday 09:00-17:30 in Europe/Amsterdam', () => {
  const table: Array<[string, string, boolean, Record<string, unknown>?]> = [
    ['winter Monday 08:59 is before opening', '2026-01-12T08:59', false],
    ['winter Monday 09:00 opens', '2026-01-12T09:00', true],
    ['winter Monday 17:29 is still open', '2026-01-12T17:29', true],
    ['winter Monday 17:30 is closed', '2026-01-12T17:30', false],
    ['summer Monday 08:59 is before opening', '2026-07-06T08:59', false],
    ['summer Monday 09:00 opens', '2026-07-06T09:00', true],
    ['summer Monday 17:29 is still open', '2026-07-06T17:29', true],
    ['summer Monday 17:30 is closed', '2026-07-06T17:30', false],
    ['Saturday is closed', '2026-07-04T10:00', false],
    ['Monday after the spring DST change opens at local 09:00', '2026-03-30T09:00', true],
    ['Monday after the spring DST change is closed at local 08:59', '2026-03-30T08:59', false],
    ['Monday after the autumn DST change opens at local 09:00', '2026-10-26T09:00', true],
    ['Monday after the autumn DST change is closed at local 17:30', '2026-10-26T17:30', false],
    ['Christmas (a Friday in 2026) is closed', '2026-12-25T10:00', false],
    ['Tweede kerstdag on a weekday (2025-12-26) is closed', '2025-12-26T10:00', false],
    ['Koningsdag 2026 (Monday 27 April) is closed', '2026-04-27T10:00', false],
    ['Goede Vrijdag is open by default (date-holidays: not a public holiday)', '2026-04-03T10:00', true],
    ['Goede Vrijdag is closed when the plan includes it', '2026-04-03T10:00', false, { holidays: { include: ['goodfriday'] } }],
    ['Bevrijdingsdag is closed when the plan includes it', '2026-05-05T10:00', false, { holidays: { include: ['liberationday'] } }],
    ['Christmas is open when holidays do not close the office', '2026-12-25T10:00', true, { holidays: { closed: false } }],
    ['an exception day has its own hours (open at 12:00)', '2026-12-24T12:00', true, { exceptions: [{ date: '2026-12-24', hours: [['09:00', '13:00']] }] }],
    ['an exception day has its own hours (closed at 13:00)', '2026-12-24T13:00', false, { exceptions: [{ date: '2026-12-24', hours: [['09:00', '13:00']] }] }],
    ['an exception beats a holiday', '2026-12-25T10:00', true, { exceptions: [{ date: '2026-12-25', hours: [['10:00', '12:00']] }] }],
    ['an exception can close a weekday', '2026-07-06T10:00', false, { exceptions: [{ date: '2026-07-06', closed: true }] }],
    ['a one-off closure closes inside its window', '2026-07-07T11:00', false, { closures: [{ from: '2026-07-07T10:30', to: '2026-07-07T12:00', reason: 'verhuizing' }] }],
    ['a one-off closure ends at its "to"', '2026-07-07T12:00', true, { closures: [{ from: '2026-07-07T10:30', to: '2026-07-07T12:00' }] }],
    ['a closure with an offset is an instant (10:00Z = 12:00 summer time)', '2026-07-07T11:59', false, { closures: [{ from: '2026-07-07T08:00:00Z', to: '2026-07-07T10:00:00Z' }] }],
  ];

  it.each(table)('%s', (_what, local, open, extra) => {
    expect(isOpen(office(extra), ams(local))).toBe(open);
  });

  it('the DST weekends shift UTC, not the local hours', () => {
    // Before the spring change 09:00 local is 08:00Z; after it 07:00Z.
    expect(isOpen(office(), new Date('2026-03-27T08:00:00Z'))).toBe(true);
    expect(isOpen(office(), new Date('2026-03-27T07:59:00Z'))).toBe(false);
    expect(isOpen(office(), new Date('2026-03-30T07:00:00Z'))).toBe(true);
    expect(isOpen(office(), new Date('2026-03-30T06:59:00Z'))).toBe(false);
    // And back in October: Friday before is summer time, Monday after is winter time.
    expect(isOpen(office(), new Date('2026-10-23T07:00:00Z'))).toBe(true);
    expect(isOpen(office(), new Date('2026-10-26T07:00:00Z'))).toBe(false);
    expect(isOpen(office(), new Date('2026-10-26T08:00:00Z'))).toBe(true);
  });

  it('hours across the night of a DST change follow the local clock (Sunday 2026-03-29 and 2026-10-25)', () => {
    const sunday = office({ weekly: { sun: [['01:00', '04:00']] } });
    // 02:00-03:00 does not exist on 29 March; 01:30 local = 00:30Z, 03:30 local = 01:30Z.
    expect(isOpen(sunday, new Date('2026-03-29T00:30:00Z'))).toBe(true);
    expect(isOpen(sunday, new Date('2026-03-29T01:30:00Z'))).toBe(true);
    expect(isOpen(sunday, new Date('2026-03-29T02:00:00Z'))).toBe(false);
    // 02:00-03:00 happens twice on 25 October; 03:59 local (winter) = 02:59Z.
    expect(isOpen(sunday, new Date('2026-10-25T02:59:00Z'))).toBe(true);
    expect(isOpen(sunday, new Date('2026-10-25T03:00:00Z'))).toBe(false);
  });
});

describe('nextChange', () => {
  it('a Friday evening opens again on Monday 09:00 local', () => {
    expect(nextChange(office(), ams('2026-07-03T18:00'))).toEqual(ams('2026-07-06T09:00'));
  });
  it('an open Monday closes at 17:30 local', () => {
    expect(nextChange(office(), ams('2026-01-12T10:00'))).toEqual(ams('2026-01-12T17:30'));
  });
  it('Christmas Eve evening skips both Christmas days (and the weekend) to Monday 28 December', () => {
    expect(nextChange(office(), ams('2026-12-24T18:00'))).toEqual(ams('2026-12-28T09:00'));
  });
  it('a closure ends a change early', () => {
    const s = office({ closures: [{ from: '2026-07-07T10:30', to: '2026-07-07T12:00' }] });
    expect(nextChange(s, ams('2026-07-07T10:00'))).toEqual(ams('2026-07-07T10:30'));
    expect(nextChange(s, ams('2026-07-07T11:00'))).toEqual(ams('2026-07-07T12:00'));
  });
  it('a schedule that never opens has no next change', () => {
    expect(nextChange(office({ weekly: {} }), ams('2026-07-07T10:00'), 30)).toBeUndefined();
  });
});
