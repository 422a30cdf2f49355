/**
 * Credit notes ("creditnota's"): the only way to correct an issued invoice. A credit note is a
 * document of its own with negative lines, each referencing the invoice line it credits
 * ('F2026100001#2'); the invoice itself never changes. A line can be credited in parts, never
 * for more than what is left of it after earlier credit notes. Pure; tests in
 * test/billing/creditNotes.test.ts.
 */
import { addDays } from '../inventory/calendar.js';
import type { DocumentParties, Invoice, InvoiceLine } from './BillingTypes.js';
import { contentHash, withTotals } from './invoices.js';

export class CreditRefused extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'CreditRefused';
  }
}

export interface CreditRequest {
  reason: string;
  /** Lines to credit (index into the invoice's lines) and how much (cents, default what is left); unset: the whole invoice. */
  lines?: Array<{ index: number; amountCents?: number }>;
}

/** What is left to credit per line of `invoice` after `earlier` credit notes. */
export function creditableCents(invoice: Invoice, earlier: readonly Invoice[]): number[] {
  const left = invoice.lines.map((l) => l.amountCents);
  for (const note of earlier) {
    for (const l of note.lines) {
      const idx = Number(l.reference?.split('#')[1]);
      if (Number.isInteger(idx) && idx >= 0 && idx < left.length) left[idx] += l.amountCents;
    }
  }
  return left;
}

/**
 * The credit note for `request` against `invoice`; `earlier` are its credit notes so far. It is
 * a document of its own date, so it carries the parties' details of that day (`parties`).
 */
export function buildCreditNote(invoice: Invoice, earlier: readonly Invoice[], request: CreditRequest, issuedOn: string, createdAt: number, parties: DocumentParties): Invoice {
  if (invoice.kind !== 'invoice') throw new CreditRefused('invoiceId', `${invoice.id} is a credit note; credit the invoice ${invoice.creditsInvoiceId ?? ''}`);
  const left = creditableCents(invoice, earlier);
  const wanted: Array<{ index: number; amountCents?: number }> = request.lines ?? invoice.lines.map((_, index) => ({ index }));
  const lines: InvoiceLine[] = [];
  const seen = new Set<number>();
  for (const [i, w] of wanted.entries()) {
    const orig = invoice.lines[w.index];
    if (!orig) throw new CreditRefused(`lines.${i}.index`, `the invoice has lines 0-${invoice.lines.length - 1}, not ${w.index}`);
    if (seen.has(w.index)) throw new CreditRefused(`lines.${i}.index`, `line ${w.index} is named twice`);
    seen.add(w.index);
    const amount = w.amountCents ?? left[w.index];
    if (amount > left[w.index]) {
      throw new CreditRefused(`lines.${i}.amountCents`, `line ${w.index} has ${left[w.index]} cents left to credit, not ${amount}`);
    }
    if (amount <= 0) {
      if (w.amountCents === undefined && request.lines === undefined) continue;
      throw new CreditRefused(`lines.${i}.amountCents`, `line ${w.index}: nothing to credit (${left[w.index]} cents left)`);
    }
    lines.push({ code: 'credit', description: `Creditering: ${orig.description}`, reference: `${invoice.id}#${w.index}`, unitPriceCents: -amount, amountCents: -amount, vatCents: 0 });
  }
  if (lines.length === 0) throw new CreditRefused('invoiceId', `${invoice.id} is credited in full already`);
  const number = `${invoice.id}-C${earlier.length + 1}`;
  const totals = withTotals(lines, invoice.vatPercent);
  const content = {
    id: number,
    customerId: invoice.customerId,
    kind: 'credit-note' as const,
    number,
    customerName: invoice.customerName,
    seller: parties.seller,
    buyer: parties.buyer,
    month: invoice.month,
    issuedOn,
    dueOn: addDays(issuedOn, invoice.paymentTermDays),
    paymentTermDays: invoice.paymentTermDays,
    priceListVersion: invoice.priceListVersion,
    vatPercent: invoice.vatPercent,
    ...totals,
    checks: {},
    creditsInvoiceId: invoice.id,
    reason: request.reason,
    directDebit: invoice.directDebit,
  };
  return { ...content, version: 1, contentHash: contentHash(content), createdAt };
}
