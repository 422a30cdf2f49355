/**
 * Payments on invoices and the status derived from them (pure; tests in
 * test/billing/payments.test.ts). An invoice's open amount is its total, less its credit notes
 * (their totals are negative), less the payments recorded on it; the status follows:
 * 'open' while nothing was paid, 'partly_paid' while some is left, 'paid' when nothing is left
 * (a fully credited invoice counts as settled). Payments never exceed what is open, so an
 * overpayment is refused; a credit note issued after payment leaves `refundDueCents` owed back.
 */
import type { Invoice, InvoicePaymentState, Payment, PaymentMethod } from './BillingTypes.js';

/** A payment that cannot be recorded; `field` names the request field at fault. */
export class PaymentRefused extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'PaymentRefused';
  }
}

export function paymentState(invoice: Invoice, creditNotes: readonly Invoice[], payments: readonly Payment[]): InvoicePaymentState {
  const creditedCents = 0 - creditNotes.filter((c) => c.creditsInvoiceId === invoice.id).reduce((s, c) => s + c.totalCents, 0);
  const paidCents = payments.filter((p) => p.invoiceId === invoice.id).reduce((s, p) => s + p.amountCents, 0);
  const balance = invoice.totalCents - creditedCents - paidCents;
  const openCents = Math.max(0, balance);
  const status = openCents === 0 ? 'paid' : paidCents > 0 ? 'partly_paid' : 'open';
  return { status, creditedCents, paidCents, openCents, refundDueCents: Math.max(0, -balance) };
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
