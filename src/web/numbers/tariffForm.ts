import type { NumberType, Tariff } from '../../numbers/NumberTypes.js';
import { TARIFF_TYPES, tariffIssues } from '../../numbers/tariff.js';
import type { FieldIssue } from '../../api/errors.js';

/**
 * The tariff change form's rules, from the server's own src/numbers/tariff.ts (bundled, as the
 * plan schema is): what the browser shows at a field before sending is what the API would say.
 * Pure functions, so they are tested without a browser (test/web/numberTariff.test.ts).
 */

export const TARIFF_FIELDS = ['perMinuteCents', 'perCallCents', 'startFeeCents', 'maxPerCallCents'] as const;
export type TariffField = (typeof TARIFF_FIELDS)[number];
/** What the form holds per field: a number, or '' for empty (Mantine's NumberInput gives either). */
export type TariffInput = Record<TariffField, number | string>;
/** Messages per field; '' for the tariff as a whole. */
export type TariffErrors = Partial<Record<TariffField | '', string>>;

export function hasCallerTariff(type: NumberType): boolean {
  return TARIFF_TYPES.includes(type);
}

/** The form as filled in, from a tariff (empty fields for what it leaves out). */
export function tariffInput(t: Tariff | undefined): TariffInput {
  return Object.fromEntries(TARIFF_FIELDS.map((f) => [f, t?.[f] ?? ''])) as TariffInput;
}

/** The tariff the form describes: empty fields left out, amounts as typed (the rules judge them). */
export function tariffOf(input: TariffInput): Tariff {
  const out: Tariff = {};
  for (const f of TARIFF_FIELDS) {
    const v = input[f];
    if (v === '' || v === undefined) continue;
    out[f] = typeof v === 'number' ? v : Number(v);
  }
  return out;
}

export function sameTariff(a: Tariff | undefined, b: Tariff | undefined): boolean {
  return TARIFF_FIELDS.every((f) => a?.[f] === b?.[f]);
}

/** Dutch for each message src/numbers/tariff.ts writes (English there, as the API speaks English). */
const DUTCH: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^a caller tariff is only allowed on 0900, 0906, 0909 and 18xy numbers$/, () => 'Een bellerstarief kan alleen op 0900-, 0906-, 0909- en 18xy-nummers'],
  [/^a (\S+) number needs a caller tariff \(per minute and\/or per call\)$/, (m) => `Een ${m[1]}-nummer heeft een bellerstarief nodig (per minuut en/of per gesprek)`],
  [/^must be a whole number of euro cents, 0 or more$/, () => 'Vul een heel aantal eurocent in, 0 of meer'],
  [/^must be at most (\d+) cents$/, (m) => `Hoogstens ${m[1]} cent`],
  [/^a tariff needs perMinuteCents or perCallCents \(or both\)$/, () => 'Vul een tarief per minuut of per gesprek in (of beide)'],
  [/^more than 15 ct a minute on 0900\/18xy needs a maximum per call$/, () => 'Boven 15 cent per minuut is op 0900 en 18xy een maximum per gesprek verplicht (ACM)'],
  [
    /^the maximum per call must be at least the start fee plus the per-call tariff \((\d+) cents\)$/,
    (m) => `Het maximum per gesprek moet minstens het starttarief plus het tarief per gesprek zijn (${m[1]} cent)`,
  ],
];

/** A rule's message in the admin's language; a message this table does not know stays as the server wrote it. */
export function tariffMessage(message: string, lang: 'nl' | 'en'): string {
  if (lang === 'en') return message.charAt(0).toUpperCase() + message.slice(1);
  for (const [pattern, dutch] of DUTCH) {
    const m = message.match(pattern);
    if (m) return dutch(m);
  }
  return message;
}

/** Every rule the form's tariff breaks for this number, at its field (empty: it may be sent). */
export function tariffErrors(type: NumberType, input: TariffInput, lang: 'nl' | 'en'): TariffErrors {
  const errors: TariffErrors = {};
  for (const issue of tariffIssues(type, tariffOf(input))) errors[issue.path] ??= tariffMessage(issue.message, lang);
  return errors;
}

const isField = (s: string): s is TariffField => (TARIFF_FIELDS as readonly string[]).includes(s);

/**
 * The API's 400 issues at the form's fields. Paths come as 'tariff.perMinuteCents' (the body's
 * shape), or as 'tariff' with the rules joined as 'perMinuteCents: …; maxPerCallCents: …' (the
 * inventory's tariff-change check); anything else is for the form as a whole.
 */
export function serverTariffErrors(issues: FieldIssue[], lang: 'nl' | 'en'): TariffErrors {
  const errors: TariffErrors = {};
  const put = (field: TariffField | '', message: string): void => {
    errors[field] ??= tariffMessage(message, lang);
  };
  for (const issue of issues) {
    const sub = issue.path.startsWith('tariff.') ? issue.path.slice('tariff.'.length) : undefined;
    if (sub !== undefined && isField(sub)) {
      put(sub, issue.message);
      continue;
    }
    for (const part of issue.message.split('; ')) {
      const m = part.match(/^(\w+): (.*)$/);
      if (m && isField(m[1])) put(m[1], m[2]);
      else put('', part);
    }
  }
  return errors;
}
