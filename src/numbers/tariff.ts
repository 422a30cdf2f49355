/**
 * Caller tariffs of Dutch information numbers (0900, 0906, 0909, 18xy): which combinations are
 * allowed, and the words of the tariff announcement the caller hears before anything else.
 *
 * Sources for the rules:
 * - ACM, "U mag het informatienummer niet misbruiken" (acm.nl, informatienummers): the caller
 *   hears the tariff beforehand and pays nothing for hearing it; all tariffs are named
 *   (information tariff, start fee, maximum); "Rekent u meer dan 15 cent per minuut voor het
 *   bellen naar een 0900-nummer of een 18xy-nummer? Dan stelt u een maximumtarief vast per gesprek".
 * - Regeling universele dienstverlening en eindgebruikersbelangen, hoofdstuk 3 (Telecommunicatiewet
 *   art. 7.8): the tariff rules for 090x and 18xy numbers.
 * The upper bounds below are NOT statutory: no general legal cap was found, so they are platform
 * limits (assumption) that catch typos such as euros entered as cents times a hundred.
 */
import type { NumberType, Tariff } from './NumberTypes.js';

/** The ranges on which the caller pays an information tariff. */
export const TARIFF_TYPES: readonly NumberType[] = ['0900', '0906', '0909', '18xy'];

/** ACM: above this per-minute tariff a 0900 or 18xy number needs a maximum per call. */
const CAP_FREE_PER_MINUTE_CENTS = 15;
const CAP_REQUIRED_TYPES: readonly NumberType[] = ['0900', '18xy'];

/** Platform limits (assumption, see above), in euro cents incl. VAT. */
export const TARIFF_LIMITS = {
  perMinuteCents: 300,
  perCallCents: 150,
  startFeeCents: 100,
  maxPerCallCents: 10_000,
} as const satisfies Record<keyof Tariff, number>;

const AMOUNT_FIELDS = ['perMinuteCents', 'perCallCents', 'startFeeCents', 'maxPerCallCents'] as const;

export const TARIFF_ONLY_ON_PAID = 'a caller tariff is only allowed on 0900, 0906, 0909 and 18xy numbers';
export const CAP_REQUIRED = 'more than 15 ct a minute on 0900/18xy needs a maximum per call';

/** One broken rule; `path` is the tariff field it concerns ('' for the tariff as a whole). */
export interface TariffIssue {
  path: '' | keyof Tariff;
  message: string;
}

/** Every rule the tariff breaks for a number of this type (empty: valid). */
export function tariffIssues(type: NumberType, tariff: Tariff | undefined): TariffIssue[] {
  const paid = TARIFF_TYPES.includes(type);
  if (!paid) return tariff === undefined ? [] : [{ path: '', message: TARIFF_ONLY_ON_PAID }];
  if (tariff === undefined) return [{ path: '', message: `a ${type} number needs a caller tariff (per minute and/or per call)` }];

  const issues: TariffIssue[] = [];
  for (const field of AMOUNT_FIELDS) {
    const v = tariff[field];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0) issues.push({ path: field, message: 'must be a whole number of euro cents, 0 or more' });
    else if (v > TARIFF_LIMITS[field]) issues.push({ path: field, message: `must be at most ${TARIFF_LIMITS[field]} cents` });
  }
  if (tariff.perMinuteCents === undefined && tariff.perCallCents === undefined) {
    issues.push({ path: '', message: 'a tariff needs perMinuteCents or perCallCents (or both)' });
  }
  if (issues.length > 0) return issues;

  if (
    CAP_REQUIRED_TYPES.includes(type) &&
    (tariff.perMinuteCents ?? 0) > CAP_FREE_PER_MINUTE_CENTS &&
    tariff.maxPerCallCents === undefined
  ) {
    issues.push({ path: 'maxPerCallCents', message: CAP_REQUIRED });
  }
  const fixed = (tariff.startFeeCents ?? 0) + (tariff.perCallCents ?? 0);
  if (tariff.maxPerCallCents !== undefined && tariff.maxPerCallCents < fixed) {
    issues.push({
      path: 'maxPerCallCents',
      message: `the maximum per call must be at least the start fee plus the per-call tariff (${fixed} cents)`,
    });
  }
  return issues;
}

/** The rules a tariff breaks, as messages (empty: valid). */
export function validateTariff(type: NumberType, tariff: Tariff | undefined): string[] {
  return tariffIssues(type, tariff).map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
}

/** '80 cent', '1 euro', '1 euro 30', '8 euro': how a Dutch announcer says an amount. */
export function dutchAmount(cents: number): string {
  const euros = Math.floor(cents / 100);
  const rest = cents % 100;
  if (euros === 0) return `${rest} cent`;
  return rest === 0 ? `${euros} euro` : `${euros} euro ${rest}`;
}

/** '80 cents', '1 cent', '1 euro', '1 euro 30', '8 euros'. */
export function englishAmount(cents: number): string {
  const euros = Math.floor(cents / 100);
  const rest = cents % 100;
  if (euros === 0) return `${rest} ${rest === 1 ? 'cent' : 'cents'}`;
  if (rest === 0) return `${euros} ${euros === 1 ? 'euro' : 'euros'}`;
  return `${euros} euro ${rest}`;
}

interface Words {
  amount(cents: number): string;
  opening: string;
  perCall: string;
  perMinute: string;
  and: string;
  startFee(amount: string): string;
  maximum(amount: string): string;
}

function describe(t: Tariff, w: Words): string {
  const costs: string[] = [];
  if (t.perCallCents !== undefined) costs.push(`${w.amount(t.perCallCents)} ${w.perCall}`);
  if (t.perMinuteCents !== undefined) costs.push(`${w.amount(t.perMinuteCents)} ${w.perMinute}`);
  let text = `${w.opening} ${costs.join(` ${w.and} `)}`;
  if (t.startFeeCents !== undefined && t.startFeeCents > 0) text += `, ${w.startFee(w.amount(t.startFeeCents))}`;
  if (t.maxPerCallCents !== undefined) text += `, ${w.maximum(w.amount(t.maxPerCallCents))}`;
  return `${text}.`;
}

const DUTCH: Words = {
  amount: dutchAmount,
  opening: 'Dit gesprek kost',
  perCall: 'per gesprek',
  perMinute: 'per minuut',
  and: 'plus',
  startFee: (a) => `plus ${a} starttarief`,
  maximum: (a) => `met een maximum van ${a} per gesprek`,
};

const ENGLISH: Words = {
  amount: englishAmount,
  opening: 'This call costs',
  perCall: 'per call',
  perMinute: 'per minute',
  and: 'plus',
  startFee: (a) => `plus a start fee of ${a}`,
  maximum: (a) => `with a maximum of ${a} per call`,
};

/**
 * The tariff announcement in Dutch, e.g. "Dit gesprek kost 80 cent per minuut, plus 10 cent
 * starttarief, met een maximum van 8 euro per gesprek." (ACM: the caller hears every tariff first.)
 */
export function describeTariffDutch(t: Tariff): string {
  return describe(t, DUTCH);
}

/** The same announcement in English, for callers who choose English. */
export function describeTariffEnglish(t: Tariff): string {
  return describe(t, ENGLISH);
}
