/**
 * The rate tables, from CDR_RATES_FILE (YAML or JSON, zod-validated) or the defaults below:
 * - `operatorCostPerMinute`: the operator's cost per billable minute of a service-number call,
 *   by number type, in milli-cents excl. VAT (see Outpayment.ts);
 * - `outbound`: what a customer pays per minute for calls from its phones through the trunk,
 *   by destination prefix (longest match wins), in milli-cents excl. VAT, plus an optional
 *   set-up fee per answered call. Usage adds up per customer per month against the credit limit.
 * The default outbound prices are assumptions (typical Dutch business VoIP rates), not a tariff.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_OPERATOR_COSTS, type OperatorCostTable } from './Outpayment.js';
import type { CdrRating, DestinationType } from './CdrTypes.js';
import { billedSeconds, inclVatCents, perSecondMilliCents } from './rating.js';

const milli = z.number().int().min(0).max(10_000_000);

const OutboundRate = z.strictObject({
  /** E.164 prefix with '+', e.g. '+316'; '+' alone matches every number. */
  prefix: z.string().regex(/^\+\d*$/, "an E.164 prefix such as '+316' ('+' matches all)"),
  type: z.enum(['nl-fixed', 'nl-mobile', 'nl-service', 'international']),
  perMinuteMilliCents: milli,
  setupMilliCents: milli.optional(),
});
export type OutboundRate = z.output<typeof OutboundRate>;

export const RateFileSchema = z.strictObject({
  operatorCostPerMinute: z
    .strictObject({
      '0800': milli.optional(),
      '0900': milli.optional(),
      '0906': milli.optional(),
      '0909': milli.optional(),
      '18xy': milli.optional(),
      '085': milli.optional(),
      '088': milli.optional(),
      geographic: milli.optional(),
    })
    .optional(),
  outbound: z.array(OutboundRate).min(1).optional(),
});

export interface RateTables {
  operatorCosts: OperatorCostTable;
  outbound: OutboundRate[];
}

export const DEFAULT_OUTBOUND_RATES: OutboundRate[] = [
  { prefix: '+', type: 'international', perMinuteMilliCents: 15_000 },
  { prefix: '+31', type: 'nl-fixed', perMinuteMilliCents: 1_500 },
  { prefix: '+316', type: 'nl-mobile', perMinuteMilliCents: 3_000 },
  { prefix: '+31800', type: 'nl-service', perMinuteMilliCents: 0 },
  // Paid numbers: the caller's tariff is unknown to us; rate at the platform's per-minute ceiling.
  { prefix: '+31900', type: 'nl-service', perMinuteMilliCents: 100_000 },
  { prefix: '+31906', type: 'nl-service', perMinuteMilliCents: 100_000 },
  { prefix: '+31909', type: 'nl-service', perMinuteMilliCents: 100_000 },
];

export const DEFAULT_RATES: RateTables = { operatorCosts: DEFAULT_OPERATOR_COSTS, outbound: DEFAULT_OUTBOUND_RATES };

/** Parses a rate file's text; errors name the file, the field path and the value's problem. */
export function parseRateFile(text: string, file: string): RateTables {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  const result = RateFileSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${file}: invalid rate file:\n  ${issues.join('\n  ')}`);
  }
  return {
    operatorCosts: { ...DEFAULT_OPERATOR_COSTS, ...result.data.operatorCostPerMinute },
    outbound: result.data.outbound ?? DEFAULT_OUTBOUND_RATES,
  };
}

export async function loadRateFile(file: string | undefined): Promise<RateTables> {
  if (!file) return DEFAULT_RATES;
  return parseRateFile(await readFile(file, 'utf8'), file);
}

/** The outbound rate for an E.164 number (longest prefix), or undefined when none matches. */
export function outboundRateOf(rates: OutboundRate[], e164: string): OutboundRate | undefined {
  let best: OutboundRate | undefined;
  for (const r of rates) {
    if (e164.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  return best;
}

/** Destination kind of a dialled external number ('112' is emergency and always free). */
export function destinationTypeOf(rates: OutboundRate[], number: string, emergency: boolean): DestinationType {
  if (emergency) return 'emergency';
  return outboundRateOf(rates, number)?.type ?? 'international';
}

/**
 * What the customer pays for an outbound call: per-second at the destination's rate from the
 * answer, plus the set-up fee once answered. Emergency calls are free. Stored as the charge
 * (excl. VAT in milli-cents, incl. VAT in cents); cost and outpayment are 0 for outbound calls.
 */
export function rateOutboundCall(
  rates: OutboundRate[],
  number: string,
  emergency: boolean,
  answeredAt: number | undefined,
  endedAt: number,
): CdrRating {
  const billableSeconds = billedSeconds(answeredAt, endedAt);
  const rate = emergency ? undefined : outboundRateOf(rates, number);
  const excl =
    rate && answeredAt !== undefined
      ? perSecondMilliCents(rate.perMinuteMilliCents, billableSeconds) + (rate.setupMilliCents ?? 0)
      : 0;
  return {
    billableSeconds,
    chargeInclVatCents: inclVatCents(excl),
    chargeExclVatMilliCents: excl,
    costMilliCents: 0,
    outpaymentMilliCents: 0,
  };
}
