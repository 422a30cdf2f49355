/**
 * The operator's legal details, printed on every invoice, credit note and outpayment statement:
 * name and address, KvK number (Handelsregisterwet: on every invoice of a registered business),
 * btw-identificatienummer and the payment account (Wet OB art. 35a asks for the seller's name,
 * address and VAT number; the IBAN is where the customer pays). From OPERATOR_DETAILS_FILE
 * (YAML or JSON, zod-validated, checked at start); unset with DEMO=on: the demo details below,
 * marked as such on every document; unset otherwise: invoice runs refuse (OperatorDetailsMissing).
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** ISO 7064 mod 97-10 over letters (A=10 … Z=35) and digits: 1 for a valid IBAN (rearranged) or new-style NL VAT id. */
export function mod97(text: string): number {
  let rest = 0;
  for (const ch of text) {
    const digits = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest;
}

/** IBAN: country, check digits, then the account; the check digits make mod 97 of the rearranged text 1. NL IBANs are 18 characters. */
export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  if (iban.startsWith('NL') && !/^NL\d{2}[A-Z]{4}\d{10}$/.test(iban)) return false;
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1;
}

/**
 * Dutch btw-id 'NL' + 9 digits + 'B' + 2 digits. Companies' ids (RSIN-based) pass the
 * 11-proof on the 9 digits; sole traders' ids since 2020 pass mod 97 over the whole id instead.
 */
export function isValidDutchVatId(vatId: string): boolean {
  const m = /^NL(\d{9})B\d{2}$/.exec(vatId);
  if (!m) return false;
  const d = m[1].split('').map(Number);
  const elevenProof = d.slice(0, 8).reduce((s, x, i) => s + x * (9 - i), 0) - d[8];
  return elevenProof % 11 === 0 || mod97(vatId) === 1;
}

/** A customer's VAT id: a Dutch one is checked in full; another EU country's only for its shape. */
export function isValidVatId(vatId: string): boolean {
  if (vatId.startsWith('NL')) return isValidDutchVatId(vatId);
  return /^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|PL|PT|RO|SE|SI|SK|XI)[0-9A-Z+*]{2,12}$/.test(vatId);
}

/** Upper case without spaces or dots: 'nl91 abna 0417 1643 00' → 'NL91ABNA0417164300'. */
const compact = (v: string) => v.replace(/[\s.]/g, '').toUpperCase();

export const OperatorDetailsSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).describe('legal name as registered with the KvK'),
  address: z.array(z.string().trim().min(1).max(120)).min(2).max(4).describe("address lines, e.g. ['Stationsplein 1', '1012 AB Amsterdam']"),
  kvk: z.string().regex(/^\d{8}$/, 'a KvK number: 8 digits'),
  vatId: z.string().transform(compact).refine(isValidDutchVatId, "a Dutch btw-id 'NL' + 9 digits + 'B' + 2 digits that passes its check (11-proof or mod 97)"),
  iban: z.string().transform(compact).refine(isValidIban, 'an IBAN with valid check digits (mod 97), e.g. NL91ABNA0417164300'),
  bic: z.string().transform(compact).refine((v) => /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(v), 'a BIC of 8 or 11 characters, e.g. ABNANL2A'),
  email: z.email().optional(),
  phone: z.string().trim().min(1).max(40).optional(),
});

export type OperatorDetails = z.output<typeof OperatorDetailsSchema> & {
  /** The built-in demo details: every document issued with them says it is not a valid invoice. */
  demo?: true;
};

/** For `npm start` without OPERATOR_DETAILS_FILE (DEMO=on): fictitious, valid in form, and marked on every document. */
export const DEMO_OPERATOR_DETAILS: OperatorDetails = {
  name: 'ContactSuite Demo (voorbeeldgegevens)',
  address: ['Voorbeeldstraat 1', '1234 AB Voorbeeldstad'],
  kvk: '12345678',
  // The Belastingdienst's own example of a btw-id; ABN AMRO's example IBAN.
  vatId: 'NL000099998B57',
  iban: 'NL91ABNA0417164300',
  bic: 'ABNANL2A',
  demo: true,
};

/** Parses an operator details file's text; errors name the file, the field path and the problem. */
export function parseOperatorDetails(text: string, file: string): OperatorDetails {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  const result = OperatorDetailsSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${file}: invalid operator details:\n  ${issues.join('\n  ')}`);
  }
  return result.data;
}

/** OPERATOR_DETAILS_FILE, else the demo details when DEMO=on, else none (invoice runs refuse). */
export async function loadOperatorDetails(file: string | undefined, demo: boolean): Promise<OperatorDetails | undefined> {
  if (file) return parseOperatorDetails(await readFile(file, 'utf8'), file);
  return demo ? DEMO_OPERATOR_DETAILS : undefined;
}

/** An invoice run, credit note or statement without the operator's legal details. */
export class OperatorDetailsMissing extends Error {
  constructor() {
    super('the operator details are not configured: a Dutch invoice must show the operator\'s name, address, KvK number, btw-id and IBAN (Wet OB art. 35a); set OPERATOR_DETAILS_FILE (README: Invoices and outpayment statements)');
    this.name = 'OperatorDetailsMissing';
  }
}
