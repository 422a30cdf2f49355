/**
 * CDR history for the admin: which CDRs a query and a role select, newest first, one page at a
 * time, and how a CDR is shown (a restricted caller as 'anonymous', never the stored number).
 * Periods are Dutch calendar days and months, like the monthly totals (MonthlyAggregates.ts).
 */
import type { CdrScanRange } from './CdrLog.js';
import type { Cdr, Disposition } from './CdrTypes.js';
import { shownCaller } from './callerIdentity.js';
import { dayOf, monthOf } from './MonthlyAggregates.js';

export interface CdrQuery {
  /** 'YYYY-MM': calls started in that month. */
  month?: string;
  /** 'YYYY-MM-DD', inclusive: calls started on or after that day. */
  from?: string;
  /** 'YYYY-MM-DD', inclusive: calls started on or before that day. */
  to?: string;
  /** A number the call was to or from (the called number, or the caller's shown number); digits match anywhere. */
  number?: string;
  disposition?: Disposition;
  /** Only this customer's calls (a beheerder's own). */
  customerId?: string;
  /** Only calls made by or answered by this account (a gebruiker's own). */
  accountId?: string;
}

const DAY_MS = 86_400_000;
/** Longest call (NumberCall's default maximum is 4 h) plus margin: a call started in the period can end this much later. */
const LONGEST_CALL_MS = 2 * DAY_MS;

/** The UTC instant a Dutch day or month string starts, found without a timezone database (±1 day is enough for reading files). */
function roughStart(day: string): number {
  return Date.parse(`${day.length === 7 ? `${day}-01` : day}T00:00:00Z`);
}

/** Which closed CDRs can hold calls started in the query's period (by their end time). */
export function scanRangeOf(q: Pick<CdrQuery, 'month' | 'from' | 'to'>): CdrScanRange {
  const starts = [q.month !== undefined ? roughStart(q.month) : undefined, q.from !== undefined ? roughStart(q.from) : undefined].filter((n): n is number => n !== undefined);
  const ends: number[] = [];
  if (q.month !== undefined) {
    const [y, m] = q.month.split('-').map(Number);
    ends.push(Date.UTC(y, m, 1));
  }
  if (q.to !== undefined) ends.push(roughStart(q.to) + DAY_MS);
  return {
    ...(starts.length > 0 ? { endedFrom: Math.max(...starts) - DAY_MS } : {}),
    ...(ends.length > 0 ? { endedTo: Math.min(...ends) + LONGEST_CALL_MS } : {}),
  };
}

/** Whether a CDR is one the query asks for. */
export function matchesQuery(cdr: Cdr, q: CdrQuery): boolean {
  if (q.customerId !== undefined && cdr.customerId !== q.customerId) return false;
  if (q.accountId !== undefined && cdr.accountId !== q.accountId && cdr.answeredBy?.account !== q.accountId) return false;
  if (q.disposition !== undefined && cdr.disposition !== q.disposition) return false;
  if (q.month !== undefined && monthOf(cdr.startedAt) !== q.month) return false;
  if (q.from !== undefined || q.to !== undefined) {
    const day = dayOf(cdr.startedAt);
    if ((q.from !== undefined && day < q.from) || (q.to !== undefined && day > q.to)) return false;
  }
  if (q.number !== undefined) {
    const digits = q.number.replace(/\D/g, '');
    const shown = shownCaller(cdr.caller);
    if (digits === '' || !(cdr.called.replace(/\D/g, '').includes(digits) || shown.replace(/\D/g, '').includes(digits))) return false;
  }
  return true;
}

/** A CDR as the admin sees it: times as ISO strings, the caller as shown. */
export interface CdrView {
  id: string;
  callId: string;
  customerId?: string;
  direction: Cdr['direction'];
  called: string;
  calledType: string;
  caller: string;
  startedAt: string;
  answeredAt?: string;
  endedAt: string;
  durationSeconds: number;
  billableSeconds: number;
  disposition: Disposition;
  answeredBy?: string;
  chargeInclVatCents: number;
  outpaymentMilliCents: number;
}

export function cdrView(c: Cdr): CdrView {
  const by = c.answeredBy ? (c.answeredBy.account ?? c.answeredBy.number ?? (c.answeredBy.plan ? 'plan' : undefined)) : undefined;
  return {
    id: c.id,
    callId: c.callId,
    ...(c.customerId !== undefined ? { customerId: c.customerId } : {}),
    direction: c.direction,
    called: c.called,
    calledType: c.calledType,
    caller: shownCaller(c.caller),
    startedAt: new Date(c.startedAt).toISOString(),
    ...(c.answeredAt !== undefined ? { answeredAt: new Date(c.answeredAt).toISOString() } : {}),
    endedAt: new Date(c.endedAt).toISOString(),
    durationSeconds: c.durationSeconds,
    billableSeconds: c.billableSeconds,
    disposition: c.disposition,
    ...(by !== undefined ? { answeredBy: by } : {}),
    chargeInclVatCents: c.chargeInclVatCents,
    outpaymentMilliCents: c.outpaymentMilliCents,
  };
}

/** Newest first, then one page (1-based). */
export function pageOf<T extends Pick<Cdr, 'startedAt' | 'id'>>(cdrs: T[], page: number, pageSize: number): { total: number; items: T[] } {
  const sorted = [...cdrs].sort((a, b) => b.startedAt - a.startedAt || a.id.localeCompare(b.id));
  return { total: sorted.length, items: sorted.slice((page - 1) * pageSize, page * pageSize) };
}
