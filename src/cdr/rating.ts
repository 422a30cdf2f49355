/**
 * Rating: the caller's charge for a call to a paid number, its part excl. VAT, and the
 * operator's cost for the seconds carried. Pure integer arithmetic.
 *
 * Rounding rule (one rule, applied once per call, never to sums):
 * - every started second is billed (per-second billing: 61.2 s → 62 s);
 * - the per-minute part is tariff × seconds / 60, rounded half up to whole euro cents incl. VAT;
 *   start fee and per-call tariff are added, then the maximum per call caps the total;
 * - excl. VAT = incl. / 1.21, rounded half up to whole milli-cents (1/1000 cent);
 * - the operator's cost = cost per minute (milli-cents) × seconds / 60, rounded half up to
 *   whole milli-cents.
 * Sums over months are exact integer sums of these per-call figures.
 *
 * ACM rule: the tariff announcement is free; charging starts when it ends, so a caller who hangs
 * up during it (or right at its end) pays nothing: no start fee, no per-call tariff.
 */
import type { Tariff } from '../numbers/NumberTypes.js';

/** Dutch VAT (btw), high rate, as a percentage. */
export const VAT_PERCENT = 21;

/** Whole seconds from `fromMs` to `toMs`, every started second counted; never negative. */
export function billedSeconds(fromMs: number | undefined, toMs: number): number {
  if (fromMs === undefined || toMs <= fromMs) return 0;
  return Math.ceil((toMs - fromMs) / 1000);
}

/** a × b / 60, rounded half up (a, b whole and not negative). */
function perMinute(ratePerMinute: number, seconds: number): number {
  return Math.floor((ratePerMinute * seconds + 30) / 60);
}

/** The caller's charge in euro cents incl. VAT for `seconds` billable seconds. */
export function callerChargeCents(tariff: Tariff | undefined, seconds: number): number {
  if (!tariff || seconds <= 0) return 0;
  const total =
    (tariff.startFeeCents ?? 0) + (tariff.perCallCents ?? 0) + perMinute(tariff.perMinuteCents ?? 0, seconds);
  return tariff.maxPerCallCents !== undefined ? Math.min(total, tariff.maxPerCallCents) : total;
}

/** An amount incl. VAT (cents) without the VAT, in milli-cents, rounded half up. */
export function exclVatMilliCents(inclCents: number): number {
  // incl × 1000 × 100 / 121, half up: floor((2x + d) / 2d) with x = incl × 100000, d = 121.
  return Math.floor((inclCents * 200_000 + (100 + VAT_PERCENT)) / (2 * (100 + VAT_PERCENT)));
}

/** An amount excl. VAT (milli-cents) with VAT, in whole cents, rounded half up. */
export function inclVatCents(exclMilliCents: number): number {
  // excl × 1.21 / 1000 = excl × 121 / 100000, half up.
  return Math.floor((exclMilliCents * (100 + VAT_PERCENT) + 50_000) / 100_000);
}

/** A per-minute rate (milli-cents) over `seconds`, rounded half up to milli-cents. */
export function perSecondMilliCents(perMinuteMilliCents: number, seconds: number): number {
  return seconds <= 0 ? 0 : perMinute(perMinuteMilliCents, seconds);
}
