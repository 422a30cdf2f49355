/**
 * Invoices and statements issued before the legal details (seller, buyer) and the payment way
 * (directDebit) were recorded: stored objects without those fields must render, re-run and be
 * credited without crashing, and never with today's details passed off as the issued ones.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Invoice, OutpaymentStatement } from '../../src/billing/BillingTypes.js';
import { BillingService } from '../../src/billing/InvoiceRun.js';
import { invoicePdf, NO_SELLER_TEXT, statementPdf } from '../../src/billing/pdf/documentPdf.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { bakery, contract, goldenMonth, OPERATOR } from './fixtures.js';

const NOW = Date.UTC(2026, 10, 20, 9);

const text = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' }).replace(/\s+/g, ' ');

/** An October invoice and statement for the bakery, then stored again as the old code stored them. */
async function oldDocuments() {
  const store = new MemoryStore();
  const { customerId } = await bakery(store);
  const billing = new BillingService({ store, monthTotals: async () => goldenMonth(customerId, '+319091234567'), options: { operator: OPERATOR }, logger: silentLogger(), now: () => NOW });
  const [issued] = (await billing.runInvoices('2026-10')).created;
  const [issuedSt] = (await billing.runStatements('2026-10')).created;
  const { seller: _s, buyer: _b, directDebit: _d, ...inv } = issued;
  const { seller: _s2, buyer: _b2, ...st } = issuedSt;
  await store.billing.invoices.delete(inv.id);
  await store.billing.invoices.insert([inv as Invoice]);
  await store.billing.statements.delete(st.id);
  await store.billing.statements.insert([st as OutpaymentStatement]);
  return { store, customerId, billing, inv: inv as Invoice, st: st as OutpaymentStatement };
}

describe('documents issued before the legal details were recorded', () => {
  it('render as PDF with the customer name and a line that the operator details were not kept', async () => {
    const { inv, st } = await oldDocuments();
    for (const t of [text(await invoicePdf(inv)), text(await statementPdf(st))]) {
      expect(t).toContain('Bakkerij De Vries');
      expect(t).toContain(NO_SELLER_TEXT);
      expect(t).not.toContain('KvK');
    }
    expect(text(await invoicePdf(inv))).toContain(`Te voldoen binnen 14 dagen, uiterlijk 15 november 2026, onder vermelding van ${inv.number}`);
  });

  it('a re-run compares the figures only: unchanged, also once the customer has no billing address; a figure that changed is reported', async () => {
    const { store, customerId, billing, inv, st } = await oldDocuments();
    const again = await billing.runInvoices('2026-10');
    expect([again.unchanged, again.changed, again.refused, again.created]).toEqual([[inv], [], [], []]);
    expect((await billing.runStatements('2026-10')).unchanged).toEqual([st]);

    await billing.putSettings(customerId, { paperInvoice: false, directDebit: true, setOffOutpayment: false });
    const noAddress = await billing.runInvoices('2026-10');
    expect([noAddress.unchanged, noAddress.refused]).toEqual([[inv], []]);
    const statements = await billing.runStatements('2026-10');
    expect([statements.unchanged, statements.refused]).toEqual([[st], []]);

    await store.inventory.contracts.insert([contract(customerId, '+319001112222', '2026-10-01')]);
    expect((await billing.runInvoices('2026-10')).changed).toEqual([inv]);
  });

  it("a credit note on one names the customer (today's address when there is one, else the invoice's name)", async () => {
    const { customerId, billing, inv } = await oldDocuments();
    await billing.putSettings(customerId, { paperInvoice: false, directDebit: true, setOffOutpayment: false });
    const note = await billing.creditNote(inv.id, { reason: 'Coulance', lines: [{ index: 0, amountCents: 100 }] });
    expect([note.seller, note.buyer]).toEqual([OPERATOR, { name: 'Bakkerij De Vries', address: [] }]);
    expect(text(await invoicePdf(note))).toContain('Bakkerij De Vries');
  });
});
