/**
 * Payments on invoices and the status derived from them (pure; tests in
 * test/billing/payments.test.ts). An invoice's open amount is its total, less its credit notes
 * (their totals are negative), less the payments recorded on it; the status follows:
 * 'open' while nothing was paid, 'partly_paid' while some is left, 'paid' when nothing is left
 * (a fully credited invoice counts as settled). Payments never exceed what is open, so an
 * overpayment is refused; a credit note issued after payment leaves `refundDueCents` owed back.
 *
 * An issued outpayment statement's set-off counts as paid from the moment the statement exists,
 * whether or not the run has written its payment row yet (it writes it right after the statement;
 * a crash in between, a statement issued before payments were recorded, or a row skipped because
 * it no longer fitted leaves it pending): the outpayment was reduced by it either way, so another
 * payment or set-off on top of it would take the money twice.
 */
import type { Invoice, InvoicePaymentState, OutpaymentStatement, Payment, PaymentMethod } from './BillingTypes.js';

/** A payment that cannot be recorded; `field` names the request field at fault. */
export class PaymentRefused extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'PaymentRefused';
  }
}

/** The id of the payment row that records statement `statementId`'s set-off on `invoiceId`. */
export function setOffPaymentId(invoiceId: string, statementId: string): string {
  return `${invoiceId}-${statementId}`;
}

/**
 * The statements' set-offs on `invoiceId` without a payment row: none with the run's id, nor a
 * set-off entered by hand with the statement number as its reference (a statement issued before
 * payments were recorded may have been booked that way).
 */
export function pendingSetOffCents(invoiceId: string, statements: readonly OutpaymentStatement[], payments: readonly Payment[]): number {
  let cents = 0;
  for (const st of statements) {
    for (const so of st.setOffs) {
      if (so.invoiceId !== invoiceId) continue;
      const recorded = payments.some((p) => p.invoiceId === invoiceId && (p.id === setOffPaymentId(invoiceId, st.id) || (p.method === 'set_off' && p.reference === st.number)));
      if (!recorded) cents += so.amountCents;
    }
  }
  return cents;
}

/** `statements`: the customer's outpayment statements (their set-offs without a payment row count as paid). */
export function paymentState(invoice: Invoice, creditNotes: readonly Invoice[], payments: readonly Payment[], statements: readonly OutpaymentStatement[]): InvoicePaymentState {
  const creditedCents = 0 - creditNotes.filter((c) => c.creditsInvoiceId === invoice.id).reduce((s, c) => s + c.totalCents, 0);
  const paidCents = payments.filter((p) => p.invoiceId === invoice.id).reduce((s, p) => s + p.amountCents, 0) + pendingSetOffCents(invoice.id, statements, payments);
  const balance = invoice.totalCents - creditedCents - paidCents;
  const openCents = Math.max(0, balance);
  const status = openCents === 0 ? 'paid' : paidCents > 0 ? 'partly_paid' : 'open';
  return { status, creditedCents, paidCents, openCents, refundDueCents: Math.max(0, -balance) };
}

/**
 * The next n of a payment id '<invoice>-P<n>': one more than the highest taken on the invoice
 * (whatever the method: a set-off entered by hand has such an id too; the run's set-offs do not).
 */
export function nextPaymentSeq(invoiceId: string, payments: readonly Payment[]): number {
  const prefix = `${invoiceId}-P`;
  const taken = payments.filter((p) => p.id.startsWith(prefix) && /^\d+$/.test(p.id.slice(prefix.length))).map((p) => Number(p.id.slice(prefix.length)));
  return Math.max(0, ...taken) + 1;
}

export interface PaymentRequest {
  amountCents: number;
  date: string;
  method: PaymentMethod;
  reference: string;
}

/** Checks a payment against the invoice and today's date; throws PaymentRefused naming the field. */
export function checkPayment(invoice: Invoice, state: InvoicePaymentState, request: PaymentRequest, today: string): void {
  if (invoice.kind !== 'invoice') throw new PaymentRefused('invoiceId', `${invoice.id} is a credit note; record the payment on invoice ${invoice.creditsInvoiceId ?? ''}`);
  if (request.date > today) throw new PaymentRefused('date', `${request.date} is in the future (today is ${today}); record a payment once it has arrived`);
  if (state.openCents === 0) throw new PaymentRefused('amountCents', `${invoice.id} is paid in full; nothing is open`);
  if (request.amountCents > state.openCents) {
    throw new PaymentRefused('amountCents', `${request.amountCents} cents is more than the ${state.openCents} cents open on ${invoice.id}`);
  }
}
