/**
 * Invoices and statements as CSV (RFC 4180, the CDR reports' quoting): one row per line with the
 * document's figures repeated, so a spreadsheet can sum by document or by line. Amounts are
 * euros with two decimals and a '.' (machine-readable, like the CDR reports).
 */
import { csvField, euroText } from '../cdr/reports.js';
import type { Invoice, InvoicePaymentState, OutpaymentStatement } from './BillingTypes.js';

function csv(rows: Array<Array<string | number>>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** `states`: each invoice's payment state (status, paid, open), repeated on its rows; empty for credit notes. */
export function invoicesCsv(invoices: readonly Invoice[], states: ReadonlyMap<string, InvoicePaymentState> = new Map()): string {
  const rows: Array<Array<string | number>> = [
    ['number', 'kind', 'customer_id', 'customer', 'month', 'issued_on', 'due_on', 'credits_invoice', 'line', 'code', 'description', 'reference', 'period_from', 'period_to', 'days', 'amount_excl_vat_eur', 'line_vat_eur', 'subtotal_eur', 'vat_eur', 'total_eur', 'status', 'paid_eur', 'open_eur'],
  ];
  for (const inv of invoices) {
    const state = states.get(inv.id);
    inv.lines.forEach((l, i) => {
      rows.push([
        inv.number, inv.kind, inv.customerId, inv.customerName, inv.month, inv.issuedOn, inv.dueOn, inv.creditsInvoiceId ?? '', i, l.code, l.description, l.reference ?? '',
        l.period?.from ?? '', l.period?.to ?? '', l.period?.days ?? '', euroText(l.amountCents), euroText(l.vatCents), euroText(inv.subtotalCents), euroText(inv.vatCents), euroText(inv.totalCents),
        state?.status ?? '', state ? euroText(state.paidCents) : '', state ? euroText(state.openCents) : '',
      ]);
    });
  }
  return csv(rows);
}

export function statementsCsv(statements: readonly OutpaymentStatement[]): string {
  const rows: Array<Array<string | number>> = [
    ['number', 'customer_id', 'customer', 'month', 'payment_on', 'service_number', 'calls', 'minutes', 'revenue_incl_vat_eur', 'revenue_excl_vat_eur', 'costs_eur', 'outpayment_eur', 'subtotal_eur', 'vat_eur', 'total_eur', 'set_off_eur', 'payable_eur'],
  ];
  for (const st of statements) {
    const setOff = st.setOffs.reduce((s, o) => s + o.amountCents, 0);
    for (const l of st.lines) {
      rows.push([
        st.number, st.customerId, st.customerName, st.month, st.paymentOn, l.number, l.calls, l.minutes, euroText(l.revenueInclVatCents), euroText(l.revenueExclVatCents), euroText(l.costCents), euroText(l.outpaymentCents),
        euroText(st.subtotalCents), euroText(st.vatCents), euroText(st.totalCents), euroText(setOff), euroText(st.payableCents),
      ]);
    }
  }
  return csv(rows);
}
