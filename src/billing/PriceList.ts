/**
 * The price list ("prijslijst"), versioned by date: each version applies from its `effectiveFrom`
 * (a Dutch calendar date) until the next one, and a month is invoiced at the version in force on
 * its first day, so re-running an old month uses that month's prices. From PRICE_LIST_FILE (YAML
 * or JSON, zod-validated) or the default below, seeded from the providers' own figures:
 * service number EUR 25.00 a month with the plus package; VoIP Zakelijk Essential EUR 6.95 a
 * month per package (one account, one 085/088/geographic number, at most 2 channels); EUR 1.25
 * for a paper invoice and EUR 2.50 without SEPA direct debit. All prices exclude 21% VAT.
 * Outbound usage is not priced here: the CDRs carry the charge at the CDR rate table
 * (CDR_RATES_FILE, src/cdr/rates.ts), and the invoice adds up those rated charges.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isCalendarDate } from '../inventory/calendar.js';

const cents = z.number().int().min(0).max(100_000_000);

export const PriceListVersionSchema = z.strictObject({
  /** 'YYYY-MM-DD': the first day these prices apply. */
  effectiveFrom: z.string().refine(isCalendarDate, 'a calendar date YYYY-MM-DD'),
  /** 0800/090x/18xy number with the plus package, a month. */
  serviceNumberMonthlyCents: cents,
  /** VoIP Zakelijk Essential: one account + one 085/088/geographic number, a month. */
  voipPackageMonthlyCents: cents,
  paperInvoiceFeeCents: cents,
  noDirectDebitFeeCents: cents,
  vatPercent: z.number().int().min(0).max(100),
  /** Fair use: outbound minutes above the bundle by more than this share flag the customer. */
  fairUseMarginPercent: z.number().int().min(0).max(1000),
});
export type PriceListVersion = z.output<typeof PriceListVersionSchema>;

export const PriceListFileSchema = z.strictObject({
  versions: z.array(PriceListVersionSchema).min(1),
});

export const DEFAULT_PRICE_LIST: PriceListVersion[] = [
  {
    effectiveFrom: '2020-01-01',
    serviceNumberMonthlyCents: 2500,
    voipPackageMonthlyCents: 695,
    paperInvoiceFeeCents: 125,
    noDirectDebitFeeCents: 250,
    vatPercent: 21,
    fairUseMarginPercent: 15,
  },
];

/** Parses a price file's text; errors name the file, the field path and the problem. */
export function parsePriceList(text: string, file: string): PriceListVersion[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  const result = PriceListFileSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${file}: invalid price list:\n  ${issues.join('\n  ')}`);
  }
  const versions = [...result.data.versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
  for (let i = 1; i < versions.length; i++) {
    if (versions[i].effectiveFrom === versions[i - 1].effectiveFrom) {
      throw new Error(`${file}: invalid price list:\n  versions: two versions from ${versions[i].effectiveFrom}`);
    }
  }
  return versions;
}

export async function loadPriceList(file: string | undefined): Promise<PriceListVersion[]> {
  if (!file) return DEFAULT_PRICE_LIST;
  return parsePriceList(await readFile(file, 'utf8'), file);
}

/** The version in force on the first day of `month` ('YYYY-MM'). */
export function priceListFor(versions: readonly PriceListVersion[], month: string): PriceListVersion {
  const first = `${month}-01`;
  let found: PriceListVersion | undefined;
  for (const v of versions) if (v.effectiveFrom <= first && (!found || v.effectiveFrom > found.effectiveFrom)) found = v;
  if (!found) throw new Error(`no price list version applies to ${month}: the first starts on ${versions[0]?.effectiveFrom ?? '(none)'}`);
  return found;
}
