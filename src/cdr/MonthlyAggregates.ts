/**
 * Running monthly totals per customer and per line (a service number's E.164, or 'outbound' /
 * 'extension' for calls from phones), updated as each CDR closes, so a month's report reads a
 * few hundred counters instead of rescanning a million records. Totals outlive CDR retention.
 *
 * Months and days are Dutch local time (Europe/Amsterdam), the way customers read their bills.
 * A call belongs to the month it started in.
 */
import type { Cdr } from './CdrTypes.js';

export const AGGREGATE_METRICS = [
  /** every CDR: answered or not, refused too */
  'attempts',
  'answered',
  /** calls with billable seconds (the caller paid, or an outbound call was charged) */
  'calls',
  'billableSeconds',
  'revenueInclCents',
  'revenueExclMilliCents',
  'costMilliCents',
  'outpaymentMilliCents',
] as const;
export type AggregateMetric = (typeof AGGREGATE_METRICS)[number];
export type Totals = Record<AggregateMetric, number>;

export interface AggregateRow extends Totals {
  customerId: string;
  /** '+319091234567', 'outbound' or 'extension'. */
  line: string;
}

/** The increments one closed CDR adds: the month and `<customerId>|<line>|<metric>` → amount. */
export interface AggregateDelta {
  month: string;
  customerId: string;
  line: string;
  increments: Array<[AggregateMetric, number]>;
}

const HOUR = 3_600_000;

/** EU summer time (Directive 2000/84/EC): from the last Sunday of March to the last Sunday of October, 01:00 UTC. */
function lastSundayUtc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
}

const dstCache = new Map<number, [number, number]>();

/** ms since the epoch → Dutch wall-clock time as a UTC Date (CET +1, CEST +2). */
export function dutchWallClock(ms: number): Date {
  const year = new Date(ms).getUTCFullYear();
  let dst = dstCache.get(year);
  if (!dst) {
    dst = [lastSundayUtc(year, 2), lastSundayUtc(year, 9)];
    dstCache.set(year, dst);
  }
  const offset = ms >= dst[0] && ms < dst[1] ? 2 * HOUR : HOUR;
  return new Date(ms + offset);
}

/** '2026-10' for a moment in October 2026, Dutch time. */
export function monthOf(ms: number): string {
  return dutchWallClock(ms).toISOString().slice(0, 7);
}

/** '2026-10-05' for a moment on that day, Dutch time. */
export function dayOf(ms: number): string {
  return dutchWallClock(ms).toISOString().slice(0, 10);
}

/** Where a CDR is counted: the service number called, or the kind of phone call. */
export function lineOf(cdr: Pick<Cdr, 'direction' | 'called'>): string {
  return cdr.direction === 'inbound' ? cdr.called : cdr.direction;
}

/** What one closed CDR adds to its month. */
export function aggregateDelta(cdr: Cdr): AggregateDelta {
  const increments: Array<[AggregateMetric, number]> = [['attempts', 1]];
  if (cdr.disposition === 'answered') increments.push(['answered', 1]);
  if (cdr.billableSeconds > 0 && (cdr.chargeInclVatCents > 0 || cdr.chargeExclVatMilliCents > 0 || cdr.costMilliCents > 0)) {
    increments.push(['calls', 1]);
  }
  const money: Array<[AggregateMetric, number]> = [
    ['billableSeconds', cdr.billableSeconds],
    ['revenueInclCents', cdr.chargeInclVatCents],
    ['revenueExclMilliCents', cdr.chargeExclVatMilliCents],
    ['costMilliCents', cdr.costMilliCents],
    ['outpaymentMilliCents', cdr.outpaymentMilliCents],
  ];
  for (const m of money) if (m[1] !== 0) increments.push(m);
  return { month: monthOf(cdr.startedAt), customerId: cdr.customerId ?? '-', line: lineOf(cdr), increments };
}

/** Field name in a month's hash (Redis) or map (file): ids and E.164 numbers never hold '|'. */
export function aggregateField(customerId: string, line: string, metric: AggregateMetric): string {
  return `${customerId}|${line}|${metric}`;
}

export function emptyTotals(): Totals {
  return Object.fromEntries(AGGREGATE_METRICS.map((m) => [m, 0])) as Totals;
}

/** One month's totals, built from deltas or from stored `field → value` pairs. */
export class MonthTotals {
  private readonly rows = new Map<string, AggregateRow>();

  add(delta: Pick<AggregateDelta, 'customerId' | 'line' | 'increments'>): void {
    const row = this.row(delta.customerId, delta.line);
    for (const [metric, n] of delta.increments) row[metric] += n;
  }

  /** Adds one stored counter ('<customer>|<line>|<metric>' → value); unknown metrics are skipped. */
  addField(field: string, value: number): void {
    const parts = field.split('|');
    if (parts.length !== 3 || !(AGGREGATE_METRICS as readonly string[]).includes(parts[2])) return;
    this.row(parts[0], parts[1])[parts[2] as AggregateMetric] += value;
  }

  /** Every counter as stored fields (for the file backend's snapshot). */
  fields(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.rows.values()) {
      for (const m of AGGREGATE_METRICS) if (r[m] !== 0) out[aggregateField(r.customerId, r.line, m)] = r[m];
    }
    return out;
  }

  get(customerId: string, line: string): AggregateRow | undefined {
    return this.rows.get(`${customerId}|${line}`);
  }

  list(): AggregateRow[] {
    return [...this.rows.values()].sort((a, b) => a.customerId.localeCompare(b.customerId) || a.line.localeCompare(b.line));
  }

  private row(customerId: string, line: string): AggregateRow {
    const key = `${customerId}|${line}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { customerId, line, ...emptyTotals() };
      this.rows.set(key, row);
    }
    return row;
  }
}
