/**
 * Monthly reports from the running totals (MonthlyAggregates): the outpayment per customer and
 * per service number, and the usage (attempts, minutes) per number. Reading a month costs a few
 * hundred counters however many CDRs it had. Amounts stay integers (cents, milli-cents) in JSON;
 * CSV shows euros with two decimals, each figure rounded half up on its own.
 */
import type { Cdr } from './CdrTypes.js';
import { shownCaller } from './callerIdentity.js';
import type { AggregateRow, MonthTotals, Totals } from './MonthlyAggregates.js';
import { emptyTotals, monthOf } from './MonthlyAggregates.js';

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface OutpaymentLine {
  number: string;
  calls: number;
  billableSeconds: number;
  /** billable minutes, two decimals */
  minutes: string;
  revenueInclVatCents: number;
  revenueExclVatMilliCents: number;
  costMilliCents: number;
  outpaymentMilliCents: number;
}

export interface OutpaymentCustomer {
  customerId: string;
  customerName?: string;
  numbers: OutpaymentLine[];
  total: Omit<OutpaymentLine, 'number'>;
}

export interface OutpaymentReport {
  month: string;
  customers: OutpaymentCustomer[];
  total: Omit<OutpaymentLine, 'number'>;
}

export interface UsageLine {
  customerId: string;
  customerName?: string;
  /** a service number (E.164), or 'outbound' / 'extension' for calls from phones */
  line: string;
  attempts: number;
  answered: number;
  billableSeconds: number;
  minutes: string;
  /** outbound: charges excl. VAT (against the credit limit) */
  chargesExclVatMilliCents: number;
}

export interface UsageReport {
  month: string;
  lines: UsageLine[];
}

/** Seconds as minutes with two decimals ('10.00', '0.02'), rounded half up. */
export function minutesText(seconds: number): string {
  const hundredths = Math.floor((seconds * 100 + 30) / 60);
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

/** Cents as euros with two decimals ('6425.02', '-0.10'). */
export function euroText(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Milli-cents to whole cents, half away from zero. */
export function milliToCents(milli: number): number {
  return Math.sign(milli) * Math.floor((Math.abs(milli) + 500) / 1000);
}

export function outpaymentFigures(t: Totals): Omit<OutpaymentLine, 'number'> {
  return {
    calls: t.calls,
    billableSeconds: t.billableSeconds,
    minutes: minutesText(t.billableSeconds),
    revenueInclVatCents: t.revenueInclCents,
    revenueExclVatMilliCents: t.revenueExclMilliCents,
    costMilliCents: t.costMilliCents,
    outpaymentMilliCents: t.outpaymentMilliCents,
  };
}

function addInto(into: Totals, row: Totals): void {
  for (const k of Object.keys(into) as Array<keyof Totals>) into[k] += row[k];
}

export interface ReportScope {
  /** Only this customer (a beheerder's own); unset: all customers (platform). */
  customerId?: string;
  /** Customer names for the report, by id. */
  names?: ReadonlyMap<string, string>;
}

function inScope(row: AggregateRow, scope: ReportScope): boolean {
  return scope.customerId === undefined || row.customerId === scope.customerId;
}

/** Outpayment per customer and per service number (calls to our numbers only). */
export function outpaymentReport(month: string, totals: MonthTotals, scope: ReportScope = {}): OutpaymentReport {
  const byCustomer = new Map<string, { lines: OutpaymentLine[]; sum: Totals }>();
  const grand = emptyTotals();
  for (const row of totals.list()) {
    // '-': calls to numbers we do not have (no customer); they appear in the usage report only.
    if (!row.line.startsWith('+') || row.customerId === '-' || !inScope(row, scope)) continue;
    let c = byCustomer.get(row.customerId);
    if (!c) {
      c = { lines: [], sum: emptyTotals() };
      byCustomer.set(row.customerId, c);
    }
    c.lines.push({ number: row.line, ...outpaymentFigures(row) });
    addInto(c.sum, row);
    addInto(grand, row);
  }
  const customers = [...byCustomer].map(([customerId, c]) => ({
    customerId,
    ...(scope.names?.get(customerId) !== undefined ? { customerName: scope.names.get(customerId)! } : {}),
    numbers: c.lines,
    total: outpaymentFigures(c.sum),
  }));
  return { month, customers, total: outpaymentFigures(grand) };
}

/** Attempts and minutes per line, every kind of call. */
export function usageReport(month: string, totals: MonthTotals, scope: ReportScope = {}): UsageReport {
  const lines = totals
    .list()
    .filter((row) => inScope(row, scope))
    .map((row) => ({
      customerId: row.customerId,
      ...(scope.names?.get(row.customerId) !== undefined ? { customerName: scope.names.get(row.customerId)! } : {}),
      line: row.line,
      attempts: row.attempts,
      answered: row.answered,
      billableSeconds: row.billableSeconds,
      minutes: minutesText(row.billableSeconds),
      chargesExclVatMilliCents: row.line === 'outbound' ? row.revenueExclMilliCents : 0,
    }));
  return { month, lines };
}

/** RFC 4180: quote fields holding a comma, quote or line break; a leading =,+,-,@ is defused for spreadsheets. */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(s) && !/^[+-]?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(rows: Array<Array<string | number>>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function outpaymentCsv(report: OutpaymentReport): string {
  const header = ['month', 'customer_id', 'customer', 'number', 'calls', 'minutes', 'revenue_incl_vat_eur', 'revenue_excl_vat_eur', 'costs_eur', 'outpayment_eur'];
  const figures = (f: Omit<OutpaymentLine, 'number'>): Array<string | number> => [
    f.calls,
    f.minutes,
    euroText(f.revenueInclVatCents),
    euroText(milliToCents(f.revenueExclVatMilliCents)),
    euroText(milliToCents(f.costMilliCents)),
    euroText(milliToCents(f.outpaymentMilliCents)),
  ];
  const rows: Array<Array<string | number>> = [header];
  for (const c of report.customers) {
    for (const n of c.numbers) rows.push([report.month, c.customerId, c.customerName ?? '', n.number, ...figures(n)]);
    rows.push([report.month, c.customerId, c.customerName ?? '', 'total', ...figures(c.total)]);
  }
  rows.push([report.month, '', '', 'total', ...figures(report.total)]);
  return csv(rows);
}

export function usageCsv(report: UsageReport): string {
  const rows: Array<Array<string | number>> = [['month', 'customer_id', 'customer', 'line', 'attempts', 'answered', 'minutes', 'outbound_charges_excl_vat_eur']];
  for (const l of report.lines) {
    rows.push([report.month, l.customerId, l.customerName ?? '', l.line, l.attempts, l.answered, l.minutes, euroText(milliToCents(l.chargesExclVatMilliCents))]);
  }
  return csv(rows);
}

/**
 * The CDRs of a month (started in it) as CSV, one line per call. Restricted callers show as
 * 'anonymous'; the stored number never leaves through an export.
 */
export function cdrCsv(month: string, cdrs: Cdr[], scope: ReportScope = {}): string {
  return cdrListCsv(cdrs.filter((c) => monthOf(c.startedAt) === month && (scope.customerId === undefined || c.customerId === scope.customerId)));
}

/** The given CDRs as CSV, one line per call, in the order given; restricted callers as 'anonymous'. */
export function cdrListCsv(cdrs: Cdr[]): string {
  const rows: Array<Array<string | number>> = [
    ['id', 'call_id', 'customer_id', 'direction', 'called', 'called_type', 'caller', 'started_at', 'answered_at', 'ended_at', 'duration_s', 'billable_s', 'disposition', 'answered_by', 'charge_incl_vat_eur', 'charge_excl_vat_eur', 'cost_eur', 'outpayment_eur'],
  ];
  const iso = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString());
  for (const c of cdrs) {
    const by = c.answeredBy ? (c.answeredBy.account ?? c.answeredBy.number ?? (c.answeredBy.plan ? 'plan' : '')) : '';
    rows.push([
      c.id, c.callId, c.customerId ?? '', c.direction, c.called, c.calledType, shownCaller(c.caller),
      iso(c.startedAt), iso(c.answeredAt), iso(c.endedAt), c.durationSeconds, c.billableSeconds, c.disposition, by,
      euroText(c.chargeInclVatCents), euroText(milliToCents(c.chargeExclVatMilliCents)), euroText(milliToCents(c.costMilliCents)), euroText(milliToCents(c.outpaymentMilliCents)),
    ]);
  }
  return csv(rows);
}
