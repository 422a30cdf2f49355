/**
 * The monthly credit limit on outbound calls ("belegtegoed"): a customer whose outbound usage
 * this month (excl. VAT) has reached Customer.creditLimitCents may not start new calls through
 * the trunk. Usage is the closed calls' charges (the running monthly totals) plus what the
 * customer's calls in progress have cost so far: each answered outbound call counts at its
 * destination's rate from its answer up to now (rateOutboundCall, the same rating its CDR will
 * get), so ten long calls started just under the limit cannot all run up the bill unseen.
 * Calls in progress are those of this app instance; another instance's count once they close.
 * Emergency calls (112) never reach this check, calls in progress are not cut off, and calls
 * to the customer's numbers keep working.
 *
 * The refusal is answer–play–hang up on a media endpoint rather than early media (183): every
 * phone plays the audio of an answered call, while many desk phones ignore early media and
 * would show only an error code. The CDR still says 'refused-credit-limit' and charges nothing.
 */
import type Srf from 'drachtio-srf';
import { defineCounter } from '../http/metrics.js';
import type { Logger } from '../logger.js';
import type { MediaServer } from '../media/MediaTypes.js';
import type { Store } from '../store/StoreTypes.js';
import type { CdrRecorder } from './CdrRecorder.js';
import { rateOutboundCall, type OutboundRate } from './rates.js';

/** "Uw belegtegoed voor deze maand is op." (scripts/make-prompts.sh) */
export const CREDIT_LIMIT_PROMPT = 'nl/belegtegoed-op';
export const DEFAULT_CREDIT_LIMIT_CENTS = 10_000;

const refusals = defineCounter({
  name: 'cdr_credit_limit_refusals_total',
  help: 'Outbound calls refused because the customer reached its monthly credit limit',
  labelNames: ['customer'],
});

/** An answered outbound call still in progress. */
export interface LiveOutboundCall {
  called: string;
  answeredAt: number;
}

/**
 * The rule, pure: usage = closed calls' charges + the running cost of the calls in progress
 * (per-second from the answer, set-up fee included, as their CDRs will be rated); a new call
 * may go out while usage is below the limit. All amounts in milli-cents excl. VAT.
 */
export function creditStanding(
  limitMilliCents: number,
  closedMilliCents: number,
  live: Iterable<LiveOutboundCall>,
  rates: OutboundRate[],
  now: number,
): { allowed: boolean; usedMilliCents: number; runningMilliCents: number } {
  let running = 0;
  for (const c of live) running += rateOutboundCall(rates, c.called, false, c.answeredAt, Math.max(now, c.answeredAt)).chargeExclVatMilliCents;
  const used = closedMilliCents + running;
  return { allowed: used < limitMilliCents, usedMilliCents: used, runningMilliCents: running };
}

export interface CreditLimitDeps {
  store: Store;
  recorder: CdrRecorder;
  logger: Logger;
  /** Plays the announcement; without it the refusal is a bare 403. */
  media?: MediaServer;
  /** The clock for the running cost of calls in progress (default Date.now). */
  now?: () => number;
}

export class CreditLimit {
  private readonly logger: Logger;
  /** Per customer, its answered outbound calls in progress on this instance. */
  private readonly live = new Map<string, Set<LiveOutboundCall>>();

  constructor(private readonly deps: CreditLimitDeps) {
    this.logger = deps.logger.child({ component: 'credit' });
  }

  /**
   * An outbound call of the customer was answered: it counts at its running cost until the
   * returned function is called (when it ends; its CDR then carries the charge).
   */
  callAnswered(customerId: string, called: string, answeredAt: number): () => void {
    const call: LiveOutboundCall = { called, answeredAt };
    let calls = this.live.get(customerId);
    if (!calls) this.live.set(customerId, (calls = new Set()));
    calls.add(call);
    return () => {
      calls.delete(call);
      if (calls.size === 0 && this.live.get(customerId) === calls) this.live.delete(customerId);
    };
  }

  /** True while the customer's outbound usage this month, calls in progress included, is below its credit limit. */
  async allows(customerId: string): Promise<boolean> {
    const customer = await this.deps.store.customers.get(customerId);
    const limitMilliCents = (customer?.creditLimitCents ?? DEFAULT_CREDIT_LIMIT_CENTS) * 1000;
    const closed = await this.deps.recorder.outboundSpendMilliCents(customerId);
    const now = (this.deps.now ?? Date.now)();
    const standing = creditStanding(limitMilliCents, closed, this.live.get(customerId) ?? [], this.deps.recorder.rates.outbound, now);
    if (standing.allowed) return true;
    refusals.inc({ customer: customerId });
    this.logger.warn(
      {
        alert: 'credit-limit',
        customerId,
        spentCents: Math.floor(standing.usedMilliCents / 1000),
        inProgressCents: Math.floor(standing.runningMilliCents / 1000),
        limitCents: limitMilliCents / 1000,
      },
      'customer reached its monthly credit limit; outbound call refused',
    );
    return false;
  }

  /** Answers, plays the credit-limit announcement and hangs up (or 403 without a media server). */
  async refuse(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const media = this.deps.media;
    if (!media || !req.body) {
      res.send(403);
      return;
    }
    let endpoint;
    try {
      endpoint = await media.createEndpoint({ remoteSdp: req.body });
      const dialog = await req.srf.createUAS(req, res, { localSdp: endpoint.localSdp });
      const gone = new AbortController();
      dialog.once('destroy', () => gone.abort());
      await endpoint.play([CREDIT_LIMIT_PROMPT], { signal: gone.signal }).catch(() => undefined);
      if (!gone.signal.aborted) dialog.destroy();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'credit-limit announcement failed');
      if (!res.finalResponseSent) res.send(403);
    } finally {
      await endpoint?.destroy();
    }
  }
}
