/**
 * The outpayment statement ("outpaymentnota") of a 090x/18xy customer for a month, from the
 * rated CDRs' monthly totals (src/cdr/reports.ts outpaymentReport): a line per paid number with
 * calls, minutes, the callers' revenue, the operator's costs and the outpayment; each line is
 * rounded to the cent once (half away from zero) and the subtotal is the sum of the lines, so
 * the statement adds up as printed. VAT follows the invoice rule (vat.ts). Paid on the 10th
 * working day of the next month; optionally set off against the customer's open invoices,
 * oldest first: only invoices paid by transfer (a direct-debit invoice is collected on its due
 * date, so setting it off too would take the money twice; one issued before the payment way was
 * recorded counts as unknown and is not set off either) with something still open (after
 * credit notes and payments, payments.ts). The run records each set-off as a payment on the
 * invoice. Pure; tests in test/billing/outpaymentStatement.test.ts.
 */
import type { OutpaymentCustomer } from '../cdr/reports.js';
import { milliToCents } from '../cdr/reports.js';
import type { NumberType } from '../numbers/NumberTypes.js';
import { parseServiceNumber } from '../numbers/normalize.js';
import type { DocumentParties, Invoice, OutpaymentStatement, SetOff, StatementLine } from './BillingTypes.js';
import { contentHash, firstDayAfter } from './invoices.js';
import { vatOf } from './vat.js';
import { nthWorkingDayOfNextMonth } from './workingDays.js';

const PAID_TYPES: ReadonlySet<NumberType> = new Set(['0900', '0906', '0909', '18xy']);

/** True for a 090x/18xy number (an outpayment line); other inbound lines pay nothing out. */
export function isPaidNumber(e164: string): boolean {
  const parsed = parseServiceNumber(e164);
  return !('error' in parsed) && PAID_TYPES.has(parsed.type);
}

export function statementLines(report: OutpaymentCustomer): StatementLine[] {
  return report.numbers
    .filter((n) => isPaidNumber(n.number))
    .map((n) => ({
      number: n.number,
      calls: n.calls,
      minutes: n.minutes,
      revenueInclVatCents: n.revenueInclVatCents,
      revenueExclVatCents: milliToCents(n.revenueExclVatMilliCents),
      costCents: milliToCents(n.costMilliCents),
      outpaymentCents: milliToCents(n.outpaymentMilliCents),
    }));
}

/** Set off up to `available` cents against open invoices, oldest first. */
export function setOffs(available: number, open: ReadonlyArray<{ invoice: Invoice; openCents: number }>): SetOff[] {
  const out: SetOff[] = [];
  let left = available;
  const byAge = [...open].sort((a, b) => a.invoice.issuedOn.localeCompare(b.invoice.issuedOn) || a.invoice.id.localeCompare(b.invoice.id));
  for (const o of byAge) {
    if (left <= 0) break;
    const amount = Math.min(left, o.openCents);
    if (amount <= 0) continue;
    out.push({ invoiceId: o.invoice.id, amountCents: amount });
    left -= amount;
  }
  return out;
}

export interface StatementInput {
  month: string;
  number: string;
  customer: { id: string; name: string };
  parties: DocumentParties;
  vatPercent: number;
  report: OutpaymentCustomer;
  /** Open invoices to set off against (empty when the customer's setting is off); direct-debit ones are skipped. */
  open: ReadonlyArray<{ invoice: Invoice; openCents: number }>;
}

/** The statement, or undefined when the customer had no 090x/18xy traffic in the month. */
export function buildStatement(input: StatementInput, createdAt: number): OutpaymentStatement | undefined {
  const lines = statementLines(input.report);
  if (lines.length === 0) return undefined;
  const subtotalCents = lines.reduce((s, l) => s + l.outpaymentCents, 0);
  const vatCents = vatOf(subtotalCents, input.vatPercent);
  const totalCents = subtotalCents + vatCents;
  const paymentOn = nthWorkingDayOfNextMonth(input.month);
  // directDebit absent (an invoice from before it was recorded): unknown, so never set off.
  const offs = setOffs(totalCents, input.open.filter((o) => o.invoice.issuedOn <= paymentOn && o.invoice.directDebit === false));
  const content = {
    id: input.number,
    customerId: input.customer.id,
    number: input.number,
    customerName: input.customer.name,
    seller: input.parties.seller,
    buyer: input.parties.buyer,
    month: input.month,
    issuedOn: firstDayAfter(input.month),
    paymentOn,
    lines,
    subtotalCents,
    vatPercent: input.vatPercent,
    vatCents,
    totalCents,
    setOffs: offs,
    payableCents: totalCents - offs.reduce((s, o) => s + o.amountCents, 0),
  };
  return { ...content, version: 1, contentHash: contentHash(content), createdAt };
}

/** 'O' + YYYYMM + a 4-digit sequence: 'O2026100001'. */
export function statementNumber(month: string, seq: number): string {
  return `O${month.replace('-', '')}${String(seq).padStart(4, '0')}`;
}
