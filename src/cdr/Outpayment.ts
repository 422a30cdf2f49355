/**
 * Outpayment ("uitbetaling"): what the owner of a 090x/18xy number receives for its callers'
 * calls. Per call: the caller's charge excl. VAT minus the operator's cost for carrying the
 * billable minutes. The cost per minute depends on the number type and is a table the operator
 * configures (CDR_RATES_FILE, see rates.ts).
 *
 * The default cost follows the providers' own worked example: a 0909 number at EUR 0.90 a
 * minute incl. VAT, 1000 calls of 10 minutes in a month, pays out about EUR 6,425 excl. VAT.
 * Revenue excl. VAT = 9000 / 1.21 = EUR 7,438.02; (7,438.02 − 6,425) / 10,000 min = 10.13 ct a
 * minute. With 10.130 ct (10,130 milli-cents) the example pays out EUR 6,425.02 (test/cdr/rating.test.ts).
 */
import type { NumberType, Tariff } from '../numbers/NumberTypes.js';
import type { CdrRating } from './CdrTypes.js';
import { callerChargeCents, exclVatMilliCents, perSecondMilliCents } from './rating.js';

/** The operator's cost per billable minute by number type, in milli-cents excl. VAT. */
export type OperatorCostTable = Partial<Record<NumberType, number>>;

/** The worked example's cost (see above), for every paid range; free ranges cost nothing here. */
export const GOLDEN_COST_PER_MINUTE_MILLI_CENTS = 10_130;

export const DEFAULT_OPERATOR_COSTS: OperatorCostTable = {
  '0900': GOLDEN_COST_PER_MINUTE_MILLI_CENTS,
  '0906': GOLDEN_COST_PER_MINUTE_MILLI_CENTS,
  '0909': GOLDEN_COST_PER_MINUTE_MILLI_CENTS,
  '18xy': GOLDEN_COST_PER_MINUTE_MILLI_CENTS,
};

/** Revenue excl. VAT minus cost; negative when the cost outweighs the revenue (e.g. a 0800 number). */
export function outpaymentMilliCents(revenueExclMilliCents: number, costMilliCents: number): number {
  return revenueExclMilliCents - costMilliCents;
}

/** All figures of one call to a service number with `billableSeconds` after the tariff announcement. */
export function rateServiceCall(
  type: NumberType,
  tariff: Tariff | undefined,
  billableSeconds: number,
  costs: OperatorCostTable,
): CdrRating {
  const chargeInclVatCents = callerChargeCents(tariff, billableSeconds);
  const chargeExclVatMilliCents = exclVatMilliCents(chargeInclVatCents);
  const costMilliCents = perSecondMilliCents(costs[type] ?? 0, billableSeconds);
  return {
    billableSeconds,
    chargeInclVatCents,
    chargeExclVatMilliCents,
    costMilliCents,
    outpaymentMilliCents: outpaymentMilliCents(chargeExclVatMilliCents, costMilliCents),
  };
}
