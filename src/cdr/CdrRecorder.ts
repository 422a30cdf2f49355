/**
 * Where a CDR is born: `open()` when a call starts (the record is stored at once, so a crash
 * mid-call leaves it open), `close()` when it ends (rated, emitted and added to the monthly
 * totals, exactly once). On start the recorder closes what a crashed run left open: its own
 * instance's records at once, another instance's when that instance's heartbeat has stopped.
 * A call cut off by a crash is closed as 'failed' with `recovered: true` and is not charged:
 * the platform, not the caller, ended it, and nothing proves how long it lasted.
 */
import { randomUUID } from 'node:crypto';
import { defineCounter } from '../http/metrics.js';
import type { Logger } from '../logger.js';
import type { NumberType } from '../numbers/NumberTypes.js';
import type { PathEntry } from '../plans/CallMachineTypes.js';
import type { CdrLog } from './CdrLog.js';
import type { AnsweredBy, Cdr, CdrRating, CdrStart, Disposition } from './CdrTypes.js';
import { aggregateDelta, monthOf } from './MonthlyAggregates.js';
import { rateServiceCall } from './Outpayment.js';
import { billedSeconds } from './rating.js';
import { rateOutboundCall, type RateTables } from './rates.js';

/** How a call ended, as the call code knows it. */
export interface CdrEnd {
  endedAt: number;
  answeredAt?: number;
  disposition: Disposition;
  sipStatus?: number;
  answeredBy?: AnsweredBy;
  planSource?: string;
  path?: PathEntry[];
  tariffAnnouncementEndedAt?: number;
  recovered?: true;
}

export interface CdrRecorderOptions {
  log: CdrLog;
  rates: RateTables;
  logger: Logger;
  /** This app instance (CDR_INSTANCE_ID); a restart under the same id closes its own open records at once. */
  instanceId: string;
  now?: () => number;
  /** How often this instance says it is alive (default 10 s). */
  heartbeatMs?: number;
  /** Another instance silent this long has crashed; its open records are closed (default 60 s). */
  staleMs?: number;
}

const records = defineCounter({ name: 'cdr_records_total', help: 'CDRs closed, by direction and disposition', labelNames: ['direction', 'disposition'] });
const failures = defineCounter({ name: 'cdr_write_failures_total', help: 'CDR opens or closes that failed to reach the CDR log', labelNames: ['step'] });

/** Whole seconds between two moments, every started second counted. */
function seconds(from: number | undefined, to: number): number {
  return billedSeconds(from, to);
}

/** The rating of one call, by direction (pure; see rating.ts and rates.ts for the rules). */
export function rateCall(start: CdrStart, end: CdrEnd, rates: RateTables): CdrRating {
  if (end.recovered) return { billableSeconds: 0, chargeInclVatCents: 0, chargeExclVatMilliCents: 0, costMilliCents: 0, outpaymentMilliCents: 0 };
  if (start.direction === 'outbound') {
    const answered = end.disposition === 'answered' ? end.answeredAt : undefined;
    return rateOutboundCall(rates.outbound, start.called, start.calledType === 'emergency', answered, end.endedAt);
  }
  if (start.direction === 'extension') {
    const talk = end.disposition === 'answered' ? seconds(end.answeredAt, end.endedAt) : 0;
    return { billableSeconds: talk, chargeInclVatCents: 0, chargeExclVatMilliCents: 0, costMilliCents: 0, outpaymentMilliCents: 0 };
  }
  // ACM: with a tariff, charging starts when the tariff announcement has ended; never before it.
  const from = start.tariff ? end.tariffAnnouncementEndedAt : end.answeredAt;
  return rateServiceCall(start.calledType as NumberType, start.tariff, seconds(from, end.endedAt), rates.operatorCosts);
}

/** The closed CDR: start, end, durations and rating together (no spreads: this runs per call, see bench:cdr). */
export function buildCdr(start: CdrStart, end: CdrEnd, rates: RateTables): Cdr {
  const endedAt = Math.max(end.endedAt, start.startedAt);
  const rating = rateCall(start, endedAt === end.endedAt ? end : { ...end, endedAt }, rates);
  const cdr: Cdr = Object.assign({}, start) as Cdr;
  if (end.answeredAt !== undefined) cdr.answeredAt = end.answeredAt;
  cdr.endedAt = endedAt;
  cdr.durationSeconds = seconds(start.startedAt, endedAt);
  cdr.talkSeconds = end.answeredAt !== undefined ? seconds(end.answeredAt, endedAt) : 0;
  cdr.disposition = end.disposition;
  if (end.sipStatus !== undefined) cdr.sipStatus = end.sipStatus;
  if (end.planSource !== undefined) cdr.planSource = end.planSource;
  if (end.path) cdr.path = end.path;
  if (end.answeredBy) cdr.answeredBy = end.answeredBy;
  if (end.tariffAnnouncementEndedAt !== undefined) cdr.tariffAnnouncementEndedAt = end.tariffAnnouncementEndedAt;
  cdr.billableSeconds = rating.billableSeconds;
  cdr.chargeInclVatCents = rating.chargeInclVatCents;
  cdr.chargeExclVatMilliCents = rating.chargeExclVatMilliCents;
  cdr.costMilliCents = rating.costMilliCents;
  cdr.outpaymentMilliCents = rating.outpaymentMilliCents;
  if (end.recovered) cdr.recovered = true;
  return cdr;
}

export class CdrRecorder {
  readonly log: CdrLog;
  readonly rates: RateTables;
  private readonly logger: Logger;
  private readonly instanceId: string;
  private readonly now: () => number;
  private readonly staleMs: number;
  private timer?: NodeJS.Timeout;
  /** Opens still being written: a close waits for its open, so the record exists when it closes. */
  private readonly opening = new Map<string, Promise<void>>();
  private readonly closing = new Set<Promise<unknown>>();
  private previousRunSeenAt: number | undefined;
  /** Closes that failed (log unreachable): retried with every heartbeat, with the figures they had. */
  private readonly retries = new Map<string, { start: CdrStart; end: CdrEnd }>();
  /** Records this run opened and has not closed. */
  private readonly live = new Set<string>();

  private constructor(opts: CdrRecorderOptions) {
    this.log = opts.log;
    this.rates = opts.rates;
    this.logger = opts.logger.child({ component: 'cdr' });
    this.instanceId = opts.instanceId;
    this.now = opts.now ?? Date.now;
    this.staleMs = opts.staleMs ?? 60_000;
  }

  /** Starts recording: closes what a crash left open and starts the heartbeat. */
  static async start(opts: CdrRecorderOptions): Promise<CdrRecorder> {
    const r = new CdrRecorder(opts);
    // The previous run's last sign of life: when its open calls ended at the latest.
    r.previousRunSeenAt = await r.log.lastHeartbeat(r.instanceId);
    await r.log.heartbeat(r.instanceId, r.now());
    await r.recover({ ownToo: true });
    const heartbeatMs = opts.heartbeatMs ?? 10_000;
    r.timer = setInterval(() => {
      void r.log.heartbeat(r.instanceId, r.now()).then(
        () => r.retryFailedCloses().then(() => r.recover()),
        (err: Error) => r.logger.warn({ err: err.message }, 'cdr heartbeat failed'),
      );
    }, heartbeatMs);
    r.timer.unref();
    return r;
  }

  /** Records a starting call; returns its CDR id. Never throws: a failed write is logged and counted. */
  open(start: Omit<CdrStart, 'id'>): CdrStart {
    const full: CdrStart = { id: randomUUID(), ...start };
    this.live.add(full.id);
    const written = this.log.open({ start: full, instanceId: this.instanceId }).catch((err: Error) => {
      failures.inc({ step: 'open' });
      this.logger.error({ err: err.message, id: full.id, callId: full.callId }, 'cdr open failed');
    });
    this.opening.set(full.id, written);
    void written.finally(() => this.opening.delete(full.id));
    return full;
  }

  /** Rates and emits the CDR of a call that ended; undefined when it was closed already. */
  close(start: CdrStart, end: CdrEnd): Promise<Cdr | undefined> {
    const closing = this.closeNow(start, end);
    this.closing.add(closing);
    void closing.finally(() => this.closing.delete(closing));
    return closing;
  }

  private async closeNow(start: CdrStart, end: CdrEnd): Promise<Cdr | undefined> {
    await this.opening.get(start.id);
    const cdr = buildCdr(start, end, this.rates);
    try {
      const closed = await this.log.closeRecord(cdr, aggregateDelta(cdr));
      this.live.delete(start.id);
      if (!closed) return undefined;
      records.inc({ direction: cdr.direction, disposition: cdr.disposition });
      this.logger.info(
        { id: cdr.id, callId: cdr.callId, disposition: cdr.disposition, billableSeconds: cdr.billableSeconds, chargeInclVatCents: cdr.chargeInclVatCents },
        'cdr closed',
      );
      return cdr;
    } catch (err) {
      failures.inc({ step: 'close' });
      this.retries.set(start.id, { start, end });
      this.logger.error({ err: (err as Error).message, id: cdr.id, callId: cdr.callId }, 'cdr close failed; retrying with the next heartbeat');
      return undefined;
    }
  }

  private async retryFailedCloses(): Promise<void> {
    const due = [...this.retries.values()];
    this.retries.clear();
    for (const { start, end } of due) await this.close(start, end);
  }

  /** A customer's charges excl. VAT (milli-cents) for outbound calls this month. */
  outboundSpendMilliCents(customerId: string): Promise<number> {
    return this.log.counter(monthOf(this.now()), customerId, 'outbound', 'revenueExclMilliCents');
  }

  /**
   * Closes open records left by a crash: this instance's from before this start (the file log
   * belongs to one instance, so all of them), and any instance's that stopped its heartbeat.
   */
  async recover(opts: { ownToo?: boolean } = {}): Promise<number> {
    let closed = 0;
    const now = this.now();
    for (const rec of await this.log.openRecords()) {
      // Calls of this run are alive; a record of ours not among them is a previous run's.
      if (this.live.has(rec.start.id)) continue;
      const own = rec.instanceId === this.instanceId || this.log.kind === 'file';
      // Our own previous run's records are closed once, at start; later passes look only at
      // instances whose heartbeat stopped (CDR_INSTANCE_ID must be unique per running instance).
      if (own && !opts.ownToo) continue;
      const seen = own ? this.previousRunSeenAt : await this.log.lastHeartbeat(rec.instanceId);
      if (!own && seen !== undefined && now - seen < this.staleMs) continue;
      const endedAt = Math.max(rec.start.startedAt, seen ?? rec.start.startedAt);
      const cdr = await this.close(rec.start, { endedAt, disposition: 'failed', recovered: true });
      if (cdr) {
        closed++;
        this.logger.warn({ id: cdr.id, callId: cdr.callId, instance: rec.instanceId }, 'closed a cdr left open by a crash');
      }
    }
    return closed;
  }

  /**
   * Stops the heartbeat and waits for writes under way. `drainMs`: first wait up to this long for
   * calls being hung up at shutdown to close (their records stay open otherwise, for recovery).
   */
  async stop(opts: { drainMs?: number } = {}): Promise<void> {
    clearInterval(this.timer);
    const until = Date.now() + (opts.drainMs ?? 0);
    while (this.live.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    // A log that does not answer (Redis down) must not hold up a shutdown: what is not written
    // stays open and is closed by the next start.
    const written = Promise.all([...this.opening.values(), ...this.closing]);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([written.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 5000)))]);
    clearTimeout(timer);
    if (gaveUp) this.logger.warn({ pending: this.opening.size + this.closing.size }, 'cdr writes still pending at stop; their records stay open for recovery');
  }
}
