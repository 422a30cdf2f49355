/**
 * The monthly credit limit on outbound calls ("belegtegoed"): a customer whose outbound charges
 * this month (excl. VAT, from the running totals) have reached Customer.creditLimitCents may not
 * start new calls through the trunk. Emergency calls (112) never reach this check, calls in
 * progress are not cut off, and calls to the customer's numbers keep working.
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

/** "Uw belegtegoed voor deze maand is op." (scripts/make-prompts.sh) */
export const CREDIT_LIMIT_PROMPT = 'nl/belegtegoed-op';
export const DEFAULT_CREDIT_LIMIT_CENTS = 10_000;

const refusals = defineCounter({
  name: 'cdr_credit_limit_refusals_total',
  help: 'Outbound calls refused because the customer reached its monthly credit limit',
  labelNames: ['customer'],
});

export interface CreditLimitDeps {
  store: Store;
  recorder: CdrRecorder;
  logger: Logger;
  /** Plays the announcement; without it the refusal is a bare 403. */
  media?: MediaServer;
}

export class CreditLimit {
  private readonly logger: Logger;

  constructor(private readonly deps: CreditLimitDeps) {
    this.logger = deps.logger.child({ component: 'credit' });
  }

  /** True while the customer's outbound charges this month are below its credit limit. */
  async allows(customerId: string): Promise<boolean> {
    const customer = await this.deps.store.customers.get(customerId);
    const limitMilliCents = (customer?.creditLimitCents ?? DEFAULT_CREDIT_LIMIT_CENTS) * 1000;
    const spent = await this.deps.recorder.outboundSpendMilliCents(customerId);
    if (spent < limitMilliCents) return true;
    refusals.inc({ customer: customerId });
    this.logger.warn(
      { alert: 'credit-limit', customerId, spentCents: Math.floor(spent / 1000), limitCents: limitMilliCents / 1000 },
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
