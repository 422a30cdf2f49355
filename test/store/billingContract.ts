/**
 * What every store promises about billing (src/billing/BillingTypes.ts BillingRepo): an issued
 * invoice is stored once and read back identical by another app instance, a second run on
 * another instance issues nothing new, and a deleted customer's settings go while its issued
 * documents stay (fiscal retention). test/store/memory.test.ts and redis.test.ts run it.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BillingService } from '../../src/billing/InvoiceRun.js';
import { DEMO_OPERATOR_DETAILS } from '../../src/billing/OperatorDetails.js';
import { silentLogger } from '../../src/logger.js';
import type { Store } from '../../src/store/StoreTypes.js';
import { contract, goldenMonth } from '../billing/fixtures.js';

export type OpenStore = (namespace: string) => Promise<Store>;

export function defineBillingContract(name: string, open: OpenStore): void {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all([...new Set(opened.splice(0))].map((s) => s.close()));
  });

  async function pair(): Promise<[Store, Store]> {
    const ns = randomUUID();
    const a = await open(ns);
    const b = await open(ns);
    opened.push(a, b);
    return [a, b];
  }

  const billingOn = (store: Store, customerId: string) =>
    new BillingService({ store, monthTotals: async () => goldenMonth(customerId, '+319091234567'), options: { operator: DEMO_OPERATOR_DETAILS }, logger: silentLogger(), now: () => Date.UTC(2026, 10, 2) });

  describe(`${name}: billing`, () => {
    it('an invoice issued on one instance is read back identical on another, and its re-run issues nothing', async () => {
      const [a, b] = await pair();
      const c = await a.customers.create({ name: 'Bakkerij De Vries', status: 'active', creditLimitCents: 0 });
      await a.inventory.contracts.insert([contract(c.id, '+319091234567', '2025-06-01')]);
      const first = await billingOn(a, c.id).runInvoices('2026-10');
      expect(first.created.map((i) => i.id)).toEqual(['F2026100001']);
      expect(await b.billing.invoices.get('F2026100001')).toEqual(first.created[0]);
      const again = await billingOn(b, c.id).runInvoices('2026-10');
      expect([again.created, again.unchanged.map((i) => i.id)]).toEqual([[], ['F2026100001']]);
      expect((await b.billing.invoices.listByCustomer(c.id)).map((i) => i.id)).toEqual(['F2026100001']);
      const st = await billingOn(b, c.id).runStatements('2026-10');
      expect(await a.billing.statements.get(st.created[0].id)).toEqual(st.created[0]);
    });

    it('settings are compare-and-set; a deleted customer loses its settings and keeps its issued documents', async () => {
      const [a, b] = await pair();
      const c = await a.customers.create({ name: 'Loodgieter Jansen', status: 'active', creditLimitCents: 0 });
      await a.inventory.contracts.insert([contract(c.id, '+319091234567', '2025-06-01')]);
      const billing = billingOn(a, c.id);
      const s1 = await billing.putSettings(c.id, { paperInvoice: true, directDebit: false, setOffOutpayment: false });
      expect(s1.version).toBe(1);
      expect(await b.billing.settings.replace({ ...s1, version: 1 })).toBe(false);
      expect((await billingOn(b, c.id).putSettings(c.id, { ...s1, paperInvoice: false })).version).toBe(2);
      await billing.runInvoices('2026-10');
      await a.customers.delete(c.id);
      expect(await b.billing.settings.get(c.id)).toBeUndefined();
      expect((await b.billing.invoices.listByCustomer(c.id)).map((i) => i.id)).toEqual(['F2026100001']);
    });

    it('a set-off made by the statement run on one instance is a payment the other instance sees', async () => {
      const [a, b] = await pair();
      const c = await a.customers.create({ name: 'Lijn 0909 BV', status: 'active', creditLimitCents: 0 });
      await a.inventory.contracts.insert([contract(c.id, '+319091234567', '2025-06-01')]);
      await billingOn(a, c.id).putSettings(c.id, { paperInvoice: false, directDebit: false, setOffOutpayment: true });
      await billingOn(a, c.id).runInvoices('2026-10');
      await billingOn(a, c.id).runStatements('2026-10');
      const payments = await billingOn(b, c.id).paymentsOf('F2026100001');
      expect(payments.map((p) => [p.method, p.reference, p.amountCents])).toEqual([['set_off', 'O2026100001', 3328]]);
      const invoice = (await b.billing.invoices.get('F2026100001'))!;
      expect((await billingOn(b, c.id).paymentStates([invoice])).get(invoice.id)?.status).toBe('paid');
    });

    it("a statement's set-off counts on another instance before its payment row is written: a transfer on top is refused", async () => {
      const [a, b] = await pair();
      const c = await a.customers.create({ name: 'Lijn 0909 BV', status: 'active', creditLimitCents: 0 });
      await a.inventory.contracts.insert([contract(c.id, '+319091234567', '2025-06-01')]);
      await billingOn(a, c.id).putSettings(c.id, { paperInvoice: false, directDebit: false, setOffOutpayment: true });
      await billingOn(a, c.id).runInvoices('2026-10');
      await billingOn(a, c.id).runStatements('2026-10');
      expect(await a.billing.payments.delete('F2026100001-O2026100001')).toBe(true); // as if the run stopped there
      await expect(billingOn(b, c.id).recordPayment('F2026100001', { amountCents: 1, date: '2026-11-01', method: 'transfer', reference: 'bank' })).rejects.toThrow('F2026100001 is paid in full; nothing is open');
      await billingOn(b, c.id).runStatements('2026-10');
      expect((await billingOn(a, c.id).paymentsOf('F2026100001')).map((p) => p.id)).toEqual(['F2026100001-O2026100001']);
    });
  });
}
