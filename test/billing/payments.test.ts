import { describe, expect, it } from 'vitest';
import type { Invoice, Payment } from '../../src/billing/BillingTypes.js';
import { BillingService } from '../../src/billing/InvoiceRun.js';
import { paymentState, PaymentRefused } from '../../src/billing/payments.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { BAKERY_ADDRESS, bakery, goldenMonth, OPERATOR } from './fixtures.js';

const NOW = Date.UTC(2026, 10, 20, 9); // 20 November 2026

const service = (store: MemoryStore, customerId: string) =>
  new BillingService({ store, monthTotals: async () => goldenMonth(customerId, '+319091234567'), options: { operator: OPERATOR }, logger: silentLogger(), now: () => NOW });

const invoice = { id: 'F2026100001', kind: 'invoice', totalCents: 1000 } as Invoice;
const note = (totalCents: number) => ({ id: 'F2026100001-C1', kind: 'credit-note', creditsInvoiceId: 'F2026100001', totalCents }) as Invoice;
const paid = (amountCents: number, invoiceId = 'F2026100001') => ({ invoiceId, amountCents }) as Payment;

describe('an invoice status from its payments and credit notes', () => {
  it.each([
    ['nothing paid', [], [], { status: 'open', creditedCents: 0, paidCents: 0, openCents: 1000, refundDueCents: 0 }],
    ['part paid', [], [paid(400)], { status: 'partly_paid', creditedCents: 0, paidCents: 400, openCents: 600, refundDueCents: 0 }],
    ['paid in two parts', [], [paid(400), paid(600)], { status: 'paid', creditedCents: 0, paidCents: 1000, openCents: 0, refundDueCents: 0 }],
    ["another invoice's payment does not count", [], [paid(1000, 'F2026100002')], { status: 'open', creditedCents: 0, paidCents: 0, openCents: 1000, refundDueCents: 0 }],
    ['credited in part, rest open', [note(-300)], [], { status: 'open', creditedCents: 300, paidCents: 0, openCents: 700, refundDueCents: 0 }],
    ['credited in part, rest paid', [note(-300)], [paid(700)], { status: 'paid', creditedCents: 300, paidCents: 700, openCents: 0, refundDueCents: 0 }],
    ['credited in full', [note(-1000)], [], { status: 'paid', creditedCents: 1000, paidCents: 0, openCents: 0, refundDueCents: 0 }],
    ['paid, then credited in part: the credit is owed back', [note(-300)], [paid(1000)], { status: 'paid', creditedCents: 300, paidCents: 1000, openCents: 0, refundDueCents: 300 }],
  ] as const)('%s', (_name, notes, payments, expected) => {
    expect(paymentState(invoice, notes, payments, [])).toEqual(expected);
  });
});

describe('recording payments', () => {
  it('a transfer in two parts makes the invoice partly paid, then paid; more than open, a future date and a credit note are refused', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const billing = service(store, customerId);
    const [inv] = (await billing.runInvoices('2026-10')).created;
    const state = async () => (await billing.paymentStates([(await billing.getInvoice(inv.id))!])).get(inv.id);
    expect(await state()).toMatchObject({ status: 'open', openCents: inv.totalCents });

    const first = await billing.recordPayment(inv.id, { amountCents: 1000, date: '2026-11-10', method: 'transfer', reference: 'NL20INGB0001234567 F2026100001' });
    expect(first).toMatchObject({ id: `${inv.id}-P1`, customerId, amountCents: 1000 });
    expect(await state()).toMatchObject({ status: 'partly_paid', paidCents: 1000, openCents: inv.totalCents - 1000 });

    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof PaymentRefused ? [e.field, e.message] : e));
    expect(await refusal(billing.recordPayment(inv.id, { amountCents: inv.totalCents, date: '2026-11-11', method: 'transfer', reference: 'x' }))).toEqual([
      'amountCents',
      `${inv.totalCents} cents is more than the ${inv.totalCents - 1000} cents open on ${inv.id}`,
    ]);
    expect(await refusal(billing.recordPayment(inv.id, { amountCents: 1, date: '2026-11-21', method: 'transfer', reference: 'x' }))).toEqual(['date', '2026-11-21 is in the future (today is 2026-11-20); record a payment once it has arrived']);
    const credit = await billing.creditNote(inv.id, { reason: 'Coulance', lines: [{ index: 0, amountCents: 100 }] });
    expect((await refusal(billing.recordPayment(credit.id, { amountCents: 1, date: '2026-11-11', method: 'transfer', reference: 'x' })) as string[])[0]).toBe('invoiceId');

    const rest = (await state())!.openCents;
    expect(rest).toBe(inv.totalCents - 1000 - 121); // the credit note (1.00 + 21%) lowers what is open
    await billing.recordPayment(inv.id, { amountCents: rest, date: '2026-11-12', method: 'sepa_direct_debit', reference: 'SEPA batch 2026-11-15' });
    expect(await state()).toMatchObject({ status: 'paid', paidCents: inv.totalCents - 121, creditedCents: 121, openCents: 0 });
    expect((await billing.paymentsOf(inv.id)).map((p) => [p.id, p.method])).toEqual([[`${inv.id}-P1`, 'transfer'], [`${inv.id}-P2`, 'sepa_direct_debit']]);
    expect((await refusal(billing.recordPayment(inv.id, { amountCents: 1, date: '2026-11-12', method: 'transfer', reference: 'x' })) as string[])[1]).toBe(`${inv.id} is paid in full; nothing is open`);
  });
});

describe('setting an outpayment off against invoices', () => {
  async function twoMonths(directDebit: boolean) {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const billing = service(store, customerId);
    await billing.putSettings(customerId, { paperInvoice: false, directDebit, setOffOutpayment: true, address: BAKERY_ADDRESS });
    const [sep] = (await billing.runInvoices('2026-09')).created;
    const [oct] = (await billing.runInvoices('2026-10')).created;
    return { store, billing, sep, oct };
  }

  it('skips an invoice already paid, sets off the open one and records the set-off as its payment, once', async () => {
    const { billing, sep, oct } = await twoMonths(false);
    await billing.recordPayment(sep.id, { amountCents: sep.totalCents, date: '2026-10-20', method: 'transfer', reference: 'bank' });
    const [st] = (await billing.runStatements('2026-10')).created;
    expect(st.setOffs).toEqual([{ invoiceId: oct.id, amountCents: oct.totalCents }]);
    expect(st.payableCents).toBe(st.totalCents - oct.totalCents);
    expect((await billing.paymentsOf(oct.id)).map((p) => [p.id, p.method, p.date, p.reference, p.amountCents])).toEqual([[`${oct.id}-${st.id}`, 'set_off', '2026-11-13', st.number, oct.totalCents]]);
    const states = await billing.paymentStates([sep, oct]);
    expect([states.get(sep.id)?.status, states.get(oct.id)?.status]).toEqual(['paid', 'paid']);
    await billing.runStatements('2026-10');
    expect(await billing.paymentsOf(oct.id)).toHaveLength(1);
  });

  it('never sets off a direct-debit invoice: it is collected on its due date', async () => {
    const { billing, oct } = await twoMonths(true);
    const [st] = (await billing.runStatements('2026-10')).created;
    expect([st.setOffs, st.payableCents]).toEqual([[], st.totalCents]);
    expect(await billing.paymentsOf(oct.id)).toEqual([]);
  });
});
