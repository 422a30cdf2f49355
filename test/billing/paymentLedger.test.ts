/**
 * Payment ids, set-offs that race with payments, statements issued before payments were
 * recorded, and identical rows in one bank file (review of the payments commit).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Invoice, OutpaymentStatement } from '../../src/billing/BillingTypes.js';
import { BillingService } from '../../src/billing/InvoiceRun.js';
import { parsePaymentsCsv } from '../../src/billing/paymentImport.js';
import { nextPaymentSeq, PaymentRefused } from '../../src/billing/payments.js';
import type { Payment } from '../../src/billing/BillingTypes.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { BAKERY_ADDRESS, bakery, goldenMonth, OPERATOR } from './fixtures.js';

const NOW = Date.UTC(2026, 11, 5, 9); // 5 December 2026: October and November have ended

function capture(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

async function setup(opts: { directDebit?: boolean; logger?: Logger } = {}) {
  const store = new MemoryStore();
  const { customerId } = await bakery(store);
  const billing = new BillingService({ store, monthTotals: async () => goldenMonth(customerId, '+319091234567'), options: { operator: OPERATOR }, logger: opts.logger ?? silentLogger(), now: () => NOW });
  await billing.putSettings(customerId, { paperInvoice: false, directDebit: opts.directDebit ?? false, setOffOutpayment: true, address: BAKERY_ADDRESS });
  const [oct] = (await billing.runInvoices('2026-10')).created;
  return { store, customerId, billing, oct };
}

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof PaymentRefused ? e.field : e));

describe('payment ids', () => {
  it.each([
    ['none yet', [], 1],
    ['after P1 and P2', ['F2026100001-P1', 'F2026100001-P2'], 3],
    ['after a gap (P1, P3)', ['F2026100001-P1', 'F2026100001-P3'], 4],
    ['ignoring set-offs of statements and other invoices', ['F2026100001-O2026100001', 'F2026100002-P7', 'F2026100001-P1'], 2],
  ])('%s', (_name, ids, next) => {
    expect(nextPaymentSeq('F2026100001', ids.map((id) => ({ id, invoiceId: id.slice(0, 11) }) as Payment))).toBe(next);
  });

  it('a set-off entered by hand does not block the payments after it (API, CLI and import)', async () => {
    const { billing, oct } = await setup();
    const byHand = await billing.recordPayment(oct.id, { amountCents: 100, date: '2026-11-20', method: 'set_off', reference: 'verrekend met creditering' });
    const transfer = await billing.recordPayment(oct.id, { amountCents: 200, date: '2026-11-21', method: 'transfer', reference: 'bank' });
    const { payments } = parsePaymentsCsv(`invoice,amount,date,method,reference\n${oct.id},3.00,2026-11-22,transfer,bank 2\n`);
    const imported = await billing.importPayments(payments);
    expect([byHand.id, transfer.id, imported.recorded.map((p) => p.id), imported.refused]).toEqual([`${oct.id}-P1`, `${oct.id}-P2`, [`${oct.id}-P3`], []]);
  });
});

describe('set-offs and payments at the same time', () => {
  it('a statement whose set-off rows were not written yet (crash) still counts: a transfer on top is refused; the re-run writes the row', async () => {
    const { store, billing, oct } = await setup();
    const [st] = (await billing.runStatements('2026-10')).created;
    expect(st.setOffs).toEqual([{ invoiceId: oct.id, amountCents: oct.totalCents }]);
    await store.billing.payments.delete(`${oct.id}-${st.id}`); // the run stopped right after the statement

    expect((await billing.paymentStates([oct])).get(oct.id)).toMatchObject({ status: 'paid', openCents: 0, refundDueCents: 0 });
    expect(await refusal(billing.recordPayment(oct.id, { amountCents: oct.totalCents, date: '2026-11-20', method: 'transfer', reference: 'bank' }))).toBe('amountCents');

    expect((await billing.runStatements('2026-10')).unchanged.map((s) => s.id)).toEqual([st.id]);
    expect((await billing.paymentsOf(oct.id)).map((p) => [p.id, p.method, p.amountCents])).toEqual([[`${oct.id}-${st.id}`, 'set_off', oct.totalCents]]);
    expect((await billing.paymentStates([oct])).get(oct.id)).toMatchObject({ status: 'paid', paidCents: oct.totalCents, refundDueCents: 0 });
  });

  it('a transfer recorded after the run read the open amount: the set-off is not recorded on top, a warning says so, and the double payment shows as owed back', async () => {
    const { logger, lines } = capture();
    const { store, billing, oct } = await setup({ logger });
    const insert = store.billing.statements.insert.bind(store.billing.statements);
    // Another instance records the customer's transfer between the run's read and its insert.
    store.billing.statements.insert = async (docs: OutpaymentStatement[]) => {
      await billing.recordPayment(oct.id, { amountCents: oct.totalCents, date: '2026-11-20', method: 'transfer', reference: 'bank' });
      return insert(docs);
    };
    const [st] = (await billing.runStatements('2026-10')).created;
    expect(st.setOffs).toEqual([{ invoiceId: oct.id, amountCents: oct.totalCents }]);
    expect((await billing.paymentsOf(oct.id)).map((p) => [p.id, p.method])).toEqual([[`${oct.id}-P1`, 'transfer']]);
    expect((await billing.paymentStates([oct])).get(oct.id)).toMatchObject({ status: 'paid', paidCents: 2 * oct.totalCents, refundDueCents: oct.totalCents });
    expect(lines.map((l) => [l.msg, l.statement, l.invoice, l.openCents])).toEqual([[expect.stringContaining('set-off no longer fits'), st.id, oct.id, 0]]);
  });
});

describe('documents from before payments and the payment way were recorded', () => {
  it("a statement issued before set-offs were recorded as payments: the next month's statement does not set the same invoice off again", async () => {
    const { store, billing, oct } = await setup();
    const [st] = (await billing.runStatements('2026-10')).created;
    await store.billing.payments.delete(`${oct.id}-${st.id}`);
    const [nov] = (await billing.runStatements('2026-11')).created;
    expect([nov.setOffs, nov.payableCents]).toEqual([[], nov.totalCents]);
  });

  it('a set-off booked by hand with the statement number counts as that set-off, not twice', async () => {
    const { store, billing, oct } = await setup();
    const [st] = (await billing.runStatements('2026-10')).created;
    await store.billing.payments.delete(`${oct.id}-${st.id}`);
    await store.billing.payments.insert([{ id: `${oct.id}-P1`, version: 1, customerId: oct.customerId, invoiceId: oct.id, amountCents: oct.totalCents, date: st.paymentOn, method: 'set_off', reference: st.number, createdAt: 1 }]);
    expect((await billing.paymentStates([oct])).get(oct.id)).toMatchObject({ status: 'paid', paidCents: oct.totalCents, refundDueCents: 0 });
    await billing.runStatements('2026-10');
    expect((await billing.paymentsOf(oct.id)).map((p) => p.id)).toEqual([`${oct.id}-P1`]);
  });

  it('an invoice without a recorded payment way (directDebit) is never set off: it may have been collected', async () => {
    const { store, billing, oct } = await setup();
    const { directDebit: _dd, ...legacy } = oct;
    await store.billing.invoices.delete(oct.id);
    await store.billing.invoices.insert([legacy as Invoice]);
    const [st] = (await billing.runStatements('2026-10')).created;
    expect([st.setOffs, st.payableCents]).toEqual([[], st.totalCents]);
    expect(await billing.paymentsOf(oct.id)).toEqual([]);
  });
});

describe('identical rows in one bank file', () => {
  it('are two payments; importing the file again records neither again', async () => {
    const { billing, oct } = await setup({ directDebit: true });
    const { payments } = parsePaymentsCsv(`invoice,amount,date,method,reference\n${oct.id},10.00,2026-11-20,sepa_direct_debit,batch 7\n${oct.id},10.00,2026-11-20,sepa_direct_debit,batch 7\n`);
    const first = await billing.importPayments(payments);
    expect([first.recorded.map((p) => p.id), first.skipped]).toEqual([[`${oct.id}-P1`, `${oct.id}-P2`], []]);
    const again = await billing.importPayments(payments);
    expect([again.recorded, again.skipped]).toEqual([[], [2, 3]]);
    expect((await billing.paymentStates([oct])).get(oct.id)?.paidCents).toBe(2000);
  });
});
