import { z } from 'zod';
import { clockTimeSchema, nodeIdSchema, type NodeTarget } from '../fields.js';
import { instantOf } from '../wallClock.js';
import { enterNode, leaveNode } from '../callPath.js';
import { nodeStateId, nodeTarget, type PlanStateConfig } from '../CallMachineTypes.js';
import { isOpen } from '../schedule.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * Days date-holidays does not mark 'public' for NL that offices often close on anyway
 * (matched by date-holidays' rule, which does not depend on the display language).
 */
export const OPTIONAL_HOLIDAYS = { goodfriday: 'easter -2', liberationday: '05-05' } as const;
export type OptionalHoliday = keyof typeof OPTIONAL_HOLIDAYS;

const hoursSchema = z
  .array(z.tuple([clockTimeSchema, clockTimeSchema]))
  .superRefine((ranges, ctx) => {
    ranges.forEach(([from, to], i) => {
      if (from >= to) ctx.addIssue({ code: 'custom', path: [i], message: `opening time ${from} is not before closing time ${to}` });
    });
  });
export type OpeningHours = Array<[string, string]>;

const dateSchema = z.iso.date({ message: 'a date is "YYYY-MM-DD"' });
/** With an offset it is an instant; without one it is wall-clock time in the schedule's timezone. */
const dateTimeSchema = z.iso.datetime({ local: true, offset: true, message: 'a date-time is ISO 8601, e.g. "2026-07-01T12:00" or "2026-07-01T12:00:00+02:00"' });

const exceptionSchema = z
  .strictObject({ date: dateSchema, hours: hoursSchema.optional(), closed: z.literal(true).optional(), reason: z.string().optional() })
  .refine((e) => (e.hours === undefined) !== (e.closed === undefined), 'an exception has either "hours" or "closed: true"');

const closureSchema = z.strictObject({ from: dateTimeSchema, to: dateTimeSchema, reason: z.string().optional() });

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Routes to `open` or `closed` by the time of the call: weekly hours, public holidays (closed
 * unless `holidays.closed` is false), date exceptions (special hours or closed) and one-off
 * closures. Exceptions beat holidays (an office open on a holiday), closures beat everything.
 */
export const scheduleNodeSchema = z.strictObject({
  type: z.literal('schedule'),
  timezone: z.string().refine(isTimeZone, 'not an IANA time zone (e.g. "Europe/Amsterdam")').default('Europe/Amsterdam'),
  weekly: z.partialRecord(z.enum(WEEKDAYS), hoursSchema),
  holidays: z
    .strictObject({
      country: z.string().regex(/^[A-Z]{2}$/, 'a country is an ISO 3166 code like "NL"').default('NL'),
      closed: z.boolean().default(true),
      include: z.array(z.enum(Object.keys(OPTIONAL_HOLIDAYS) as [OptionalHoliday, ...OptionalHoliday[]])).default([]),
    })
    .default({ country: 'NL', closed: true, include: [] }),
  exceptions: z.array(exceptionSchema).default([]),
  closures: z.array(closureSchema).default([]),
  open: nodeIdSchema,
  closed: nodeIdSchema,
}).superRefine((node, ctx) => {
  node.closures.forEach((c, i) => {
    if (instantOf(c.from, node.timezone) >= instantOf(c.to, node.timezone)) {
      ctx.addIssue({ code: 'custom', path: ['closures', i, 'to'], message: `closure ends (${c.to}) before it starts (${c.from})` });
    }
  });
});
export type ScheduleNode = z.infer<typeof scheduleNodeSchema>;

export function scheduleTargets(node: ScheduleNode): NodeTarget[] {
  return [
    { key: 'open', target: node.open },
    { key: 'closed', target: node.closed },
  ];
}

/** Takes no time: decides on entry with the channel's clock. */
export function scheduleState(id: string, node: ScheduleNode): PlanStateConfig {
  return {
    id: nodeStateId(id),
    entry: enterNode(id, 'schedule'),
    always: [
      { guard: ({ context }) => isOpen(node, context.channel.now()), target: nodeTarget(node.open), reenter: true, actions: leaveNode('open') },
      { target: nodeTarget(node.closed), reenter: true, actions: leaveNode('closed') },
    ],
  };
}
