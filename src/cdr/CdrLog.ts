/**
 * Where CDRs live: open records while calls last, closed records for consumers, and the
 * monthly totals. Two implementations: Redis (a Stream consumers read through consumer groups;
 * shared by every app instance) and JSONL files in the data directory (the embedded default).
 */
import type { Cdr, OpenCdr } from './CdrTypes.js';
import type { AggregateDelta, AggregateMetric, MonthTotals } from './MonthlyAggregates.js';

export interface CdrScanRange {
  endedFrom?: number;
  endedTo?: number;
}

export interface CdrLog {
  readonly kind: 'redis' | 'file';
  /** Stores the open record of a starting call (the start, and the instance that carries it). */
  open(rec: OpenCdr): Promise<void>;
  /**
   * Emits the closed CDR and adds its totals, atomically and only while its open record exists.
   * True if this call closed it; false if it was closed already (so it is never written twice).
   */
  closeRecord(cdr: Cdr, delta: AggregateDelta): Promise<boolean>;
  openRecords(): Promise<OpenCdr[]>;
  /** Marks an app instance alive at `at` (ms). */
  heartbeat(instanceId: string, at: number): Promise<void>;
  lastHeartbeat(instanceId: string): Promise<number | undefined>;
  month(month: string): Promise<MonthTotals>;
  /** One running total, e.g. a customer's outbound charges this month. */
  counter(month: string, customerId: string, line: string, metric: AggregateMetric): Promise<number>;
  /** Deletes CDRs closed before `before` (ms); monthly totals stay. Returns how many went. */
  purge(before: number): Promise<number>;
  /** Removes the caller's number from CDRs closed before `before`; returns how many changed. */
  anonymise(before: number): Promise<number>;
  /** Every closed CDR still kept, oldest first (exports; a full scan, not for reports). */
  readAll(): Promise<Cdr[]>;
  /**
   * The closed CDRs that `keep` accepts, oldest first, reading only what can have ended in
   * [endedFrom, endedTo) (ms; either open) and holding only the kept ones (CDR history in the API).
   */
  scan(range: CdrScanRange, keep: (cdr: Cdr) => boolean): Promise<Cdr[]>;
  shutdown(): Promise<void>;
}
