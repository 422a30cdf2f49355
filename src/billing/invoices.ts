/**
 * One customer's invoice for one month, from plain inputs (pure; table tests in
 * test/billing/invoices.test.ts): a line per active number and VoIP package, pro rata for the
 * days active; the month's outbound usage as rated in the CDRs; the administrative fees the
 * customer's settings call for; then subtotal, VAT (vat.ts) and total. The minimum spend and
 * the fair-use check are computed and shown in `checks`, never added to the amounts.
 */
import { createHash } from 'node:crypto';
import { minutesText, milliToCents } from '../cdr/reports.js';
import { addDays } from '../inventory/calendar.js';
import type { NumberType } from '../numbers/NumberTypes.js';
import { nationalNotation } from '../numbers/normalize.js';
import type { BillingSettings, DocumentParties, Invoice, InvoiceChecks, InvoiceLine } from './BillingTypes.js';
import type { PriceListVersion } from './PriceList.js';
import { activeIn, daysInMonth, lastDay, proRataCents } from './proRata.js';
import { allocateVat, vatOf } from './vat.js';

/** The ranges sold as a service number with the plus package; the rest come in a VoIP package. */
const SERVICE_NUMBER_TYPES: ReadonlySet<NumberType> = new Set(['0800', '0900', '0906', '0909', '18xy']);

/** A number the customer held in the month: from its contract, or from the number's creation date when it has none. */
export interface BilledNumber {
  e164: string;
  type: NumberType;
  /** 'YYYY-MM-DD', inclusive */
  startOn: string;
  /** 'YYYY-MM-DD', inclusive; unset: still running */
  endOn?: string;
}

export interface BilledAccount {
  id: string;
  username: string;
  /** 'YYYY-MM-DD' the account was created (Amsterdam) */
  createdOn: string;
}

export interface InvoiceInput {
  month: string;
  number: string;
  customer: { id: string; name: string };
  /** The operator's and the customer's details as of the issue (frozen into the invoice). */
  parties: DocumentParties;
  settings: Pick<BillingSettings, 'paperInvoice' | 'directDebit' | 'expectedMonthlyCents' | 'minimumSpendPercent' | 'unlimitedBundleMinutes'>;
  prices: PriceListVersion;
  paymentTermDays: number;
  numbers: readonly BilledNumber[];
  accounts: readonly BilledAccount[];
  /** The month's outbound calls from the CDR totals (line 'outbound'). */
  outbound: { billableSeconds: number; chargesExclMilliCents: number };
}

/** 'YYYY-MM' → the first day of the next month. */
export function firstDayAfter(month: string): string {
  return addDays(lastDay(month), 1);
}

function periodLine(code: 'service-number' | 'voip-package', description: string, reference: string, monthly: number, month: string, startOn: string, endOn?: string): InvoiceLine | undefined {
  const p = activeIn(month, startOn, endOn);
  if (!p) return undefined;
  const monthDays = daysInMonth(month);
  const amountCents = proRataCents(monthly, p.days, monthDays);
  return { code, description, reference, period: { from: p.from, to: p.to, days: p.days, daysInMonth: monthDays }, unitPriceCents: monthly, amountCents, vatCents: 0 };
}

/** Chargeable lines before VAT: numbers, packages (one per 085/088/geographic number, plus one per extra account), usage, fees. */
export function invoiceLines(input: InvoiceInput): InvoiceLine[] {
  const { month, prices } = input;
  const lines: InvoiceLine[] = [];
  const sorted = [...input.numbers].sort((a, b) => a.e164.localeCompare(b.e164) || a.startOn.localeCompare(b.startOn));
  let packagedNumbers = 0;
  for (const n of sorted) {
    const shown = nationalNotation(n.e164);
    const line = SERVICE_NUMBER_TYPES.has(n.type)
      ? periodLine('service-number', `Servicenummer ${shown} (plus-pakket)`, n.e164, prices.serviceNumberMonthlyCents, month, n.startOn, n.endOn)
      : periodLine('voip-package', `VoIP Zakelijk Essential, nummer ${shown}`, n.e164, prices.voipPackageMonthlyCents, month, n.startOn, n.endOn);
    if (!line) continue;
    if (line.code === 'voip-package') packagedNumbers++;
    lines.push(line);
  }
  // A package holds one account and one number: accounts beyond the packaged numbers (oldest
  // accounts are the included ones) are a package of their own from the day they were created.
  const accounts = [...input.accounts].sort((a, b) => a.createdOn.localeCompare(b.createdOn) || a.id.localeCompare(b.id));
  for (const a of accounts.slice(packagedNumbers)) {
    const line = periodLine('voip-package', `VoIP Zakelijk Essential, account ${a.username}`, a.id, prices.voipPackageMonthlyCents, month, a.createdOn);
    if (line) lines.push(line);
  }
  if (input.outbound.chargesExclMilliCents !== 0) {
    const minutes = minutesText(input.outbound.billableSeconds);
    const amountCents = milliToCents(input.outbound.chargesExclMilliCents);
    lines.push({ code: 'outbound-usage', description: `Uitgaande gesprekken (${minutes.replace('.', ',')} min)`, minutes, unitPriceCents: amountCents, amountCents, vatCents: 0 });
  }
  if (lines.length === 0) return lines;
  if (input.settings.paperInvoice) {
    lines.push({ code: 'fee-paper-invoice', description: 'Papieren factuur', unitPriceCents: prices.paperInvoiceFeeCents, amountCents: prices.paperInvoiceFeeCents, vatCents: 0 });
  }
  if (!input.settings.directDebit) {
    lines.push({ code: 'fee-no-direct-debit', description: 'Betaling zonder SEPA-incasso', unitPriceCents: prices.noDirectDebitFeeCents, amountCents: prices.noDirectDebitFeeCents, vatCents: 0 });
  }
  return lines;
}

/** Minimum spend and fair use: shown on the invoice, not applied. */
export function invoiceChecks(input: InvoiceInput, subtotalCents: number): InvoiceChecks {
  const checks: InvoiceChecks = {};
  const { expectedMonthlyCents, minimumSpendPercent, unlimitedBundleMinutes } = input.settings;
  if (expectedMonthlyCents !== undefined && minimumSpendPercent !== undefined) {
    const minimumCents = Math.floor((expectedMonthlyCents * minimumSpendPercent * 2 + 100) / 200);
    checks.minimumSpend = { expectedMonthlyCents, percent: minimumSpendPercent, minimumCents, subtotalCents, shortfallCents: Math.max(0, minimumCents - subtotalCents) };
  }
  if (unlimitedBundleMinutes !== undefined) {
    const margin = input.prices.fairUseMarginPercent;
    // "More than 15% over": seconds compared exactly, bundle × (100 + margin) / 100 minutes.
    const limitSeconds = (unlimitedBundleMinutes * 60 * (100 + margin)) / 100;
    checks.fairUse = {
      bundleMinutes: unlimitedBundleMinutes,
      marginPercent: margin,
      usedMinutes: minutesText(input.outbound.billableSeconds),
      limitMinutes: limitSeconds / 60,
      flagged: input.outbound.billableSeconds > limitSeconds,
    };
  }
  return checks;
}

/** Subtotal, VAT on the subtotal, each line's VAT share, total. */
export function withTotals(lines: InvoiceLine[], vatPercent: number): { lines: InvoiceLine[]; subtotalCents: number; vatCents: number; totalCents: number } {
  const subtotalCents = lines.reduce((s, l) => s + l.amountCents, 0);
  const vatCents = vatOf(subtotalCents, vatPercent);
  const shares = allocateVat(lines.map((l) => l.amountCents), vatPercent, vatCents);
  return { lines: lines.map((l, i) => ({ ...l, vatCents: shares[i] })), subtotalCents, vatCents, totalCents: subtotalCents + vatCents };
}

type Content<T> = Omit<T, 'version' | 'createdAt' | 'contentHash'>;

/** SHA-256 over the content in a fixed key order (stored JSON may come back in any order). */
export function contentHash(content: object): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .filter((k) => k !== 'version' && k !== 'createdAt' && k !== 'contentHash' && (v as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canonical(content))).digest('hex');
}

/** The invoice for the input, or undefined when nothing is chargeable (no invoice for an empty month). */
/**
 * The figures of two invoices agree: lines, totals, VAT and checks (not the parties, dates or
 * hash). For invoices issued before the parties were recorded, whose hash covered other fields.
 */
export function sameFigures(a: Invoice, b: Invoice): boolean {
  const figures = (i: Invoice) => contentHash({ lines: i.lines, subtotalCents: i.subtotalCents, vatPercent: i.vatPercent, vatCents: i.vatCents, totalCents: i.totalCents, checks: i.checks });
  return figures(a) === figures(b);
}

export function buildInvoice(input: InvoiceInput, createdAt: number): Invoice | undefined {
  const raw = invoiceLines(input);
  if (raw.length === 0) return undefined;
  const totals = withTotals(raw, input.prices.vatPercent);
  const issuedOn = firstDayAfter(input.month);
  const content: Content<Invoice> = {
    id: input.number,
    customerId: input.customer.id,
    kind: 'invoice',
    number: input.number,
    customerName: input.customer.name,
    seller: input.parties.seller,
    buyer: input.parties.buyer,
    month: input.month,
    issuedOn,
    dueOn: addDays(issuedOn, input.paymentTermDays),
    paymentTermDays: input.paymentTermDays,
    priceListVersion: input.prices.effectiveFrom,
    vatPercent: input.prices.vatPercent,
    ...totals,
    checks: invoiceChecks(input, totals.subtotalCents),
    directDebit: input.settings.directDebit,
  };
  return { ...content, version: 1, contentHash: contentHash(content), createdAt };
}

/** 'F' + YYYYMM + a 4-digit sequence: 'F2026100001'. */
export function invoiceNumber(month: string, seq: number): string {
  return `F${month.replace('-', '')}${String(seq).padStart(4, '0')}`;
}
