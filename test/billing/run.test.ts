import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BillingService } from '../../src/billing/InvoiceRun.js';
import { invoicesCsv, statementsCsv } from '../../src/billing/billingCsv.js';
import { invoicePdf, statementPdf } from '../../src/billing/pdf/documentPdf.js';
import { CreditRefused } from '../../src/billing/creditNotes.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { bakery, contract, goldenMonth, OPERATOR } from './fixtures.js';

const NOW = Date.UTC(2026, 10, 3, 9); // 3 November 2026

function service(store: MemoryStore, totals = goldenMonth('-', '+31')): BillingService {
  return new BillingService({ store, monthTotals: async () => totals, options: { operator: OPERATOR }, logger: silentLogger(), now: () => NOW });
}

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'billing-pdf-'));
  const file = join(dir, 'doc.pdf');
  writeFileSync(file, pdf);
  // The page must also render as an image (a broken PDF fails here).
  execFileSync('pdftoppm', ['-png', '-r', '50', '-singlefile', file, join(dir, 'page')]);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

describe('the invoice run', () => {
  it('invoices each customer for its numbers, pro rata, with its outbound usage', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const totals = goldenMonth(customerId, '+319091234567');
    totals.add({ customerId, line: 'outbound', increments: [['billableSeconds', 1200], ['revenueExclMilliCents', 60_000]] });
    const run = await service(store, totals).runInvoices('2026-10');
    expect(run.created).toHaveLength(1);
    const inv = run.created[0];
    expect(inv.number).toBe('F2026100001');
    expect(inv.lines.map((l) => [l.description, l.amountCents, l.vatCents])).toEqual([
      ['VoIP Zakelijk Essential, nummer 0851234567', 359, 75],
      ['Servicenummer 09091234567 (plus-pakket)', 2500, 525],
      ['Uitgaande gesprekken (20,00 min)', 60, 13],
    ]);
    expect([inv.subtotalCents, inv.vatCents, inv.totalCents, inv.dueOn]).toEqual([2919, 613, 3532, '2026-11-15']);
  });

  it('refuses a month that has not ended: its usage still grows', async () => {
    const store = new MemoryStore();
    await bakery(store);
    await expect(service(store).runInvoices('2026-11')).rejects.toThrow('2026-11 has not ended yet (today is 2026-11-03)');
    expect(await store.billing.invoices.list()).toEqual([]);
  });

  it('a re-run returns the stored invoice, proved identical, and issues nothing new', async () => {
    const store = new MemoryStore();
    await bakery(store);
    const first = await service(store).runInvoices('2026-10');
    const again = await new BillingService({ store, options: { operator: OPERATOR }, logger: silentLogger(), now: () => NOW + 86_400_000 }).runInvoices('2026-10');
    expect(again.created).toEqual([]);
    expect(again.unchanged).toEqual(first.created);
    expect(await store.billing.invoices.list()).toHaveLength(1);
  });

  it('a re-run after the data changed keeps the issued invoice and reports it; a new customer gets the next number', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const first = await service(store).runInvoices('2026-10');
    await store.inventory.contracts.insert([contract(customerId, '+319001112222', '2026-10-01')]);
    const other = await store.customers.create({ name: 'Zz Loodgieters', status: 'active', creditLimitCents: 0 });
    await service(store).putSettings(other.id, { paperInvoice: false, directDebit: true, setOffOutpayment: false, address: ['Werfstraat 2', '1234 AB Ons Dorp'] });
    await store.inventory.contracts.insert([contract(other.id, '+319002223333', '2026-10-20')]);
    const again = await service(store).runInvoices('2026-10');
    expect(again.changed).toEqual(first.created);
    expect(again.created.map((i) => [i.number, i.customerId])).toEqual([['F2026100002', other.id]]);
    expect(await service(store).getInvoice('F2026100001')).toEqual(first.created[0]);
  });

  it('a correction is a credit note referencing the invoice; the invoice is unchanged and cannot be over-credited', async () => {
    const store = new MemoryStore();
    await bakery(store);
    const billing = service(store);
    const [inv] = (await billing.runInvoices('2026-10')).created;
    const note = await billing.creditNote(inv.id, { reason: 'Nummer 085 pas vanaf 20 oktober actief', lines: [{ index: 0, amountCents: 90 }] });
    expect(note).toMatchObject({ id: 'F2026100001-C1', kind: 'credit-note', creditsInvoiceId: inv.id, issuedOn: '2026-11-03' });
    expect(note.lines).toEqual([{ code: 'credit', description: 'Creditering: VoIP Zakelijk Essential, nummer 0851234567', reference: 'F2026100001#0', unitPriceCents: -90, amountCents: -90, vatCents: -19 }]);
    expect([note.subtotalCents, note.vatCents, note.totalCents]).toEqual([-90, -19, -109]);
    expect(await billing.getInvoice(inv.id)).toEqual(inv);
    await expect(billing.creditNote(inv.id, { reason: 'x', lines: [{ index: 0, amountCents: 270 }] })).rejects.toThrow(/269 cents left/);
    const rest = await billing.creditNote(inv.id, { reason: 'Volledig crediteren' });
    expect(rest.lines.map((l) => l.amountCents)).toEqual([-269, -2500]);
    await expect(billing.creditNote(inv.id, { reason: 'again' })).rejects.toBeInstanceOf(CreditRefused);
  });

  it('renders a Dutch PDF invoice with its lines and amounts as € 1.234,56', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const totals = goldenMonth(customerId, '+319091234567');
    totals.add({ customerId, line: 'outbound', increments: [['billableSeconds', 600_000], ['revenueExclMilliCents', 150_000_000]] });
    const billing = service(store, totals);
    const [inv] = (await billing.runInvoices('2026-10')).created;
    const text = pdfText(await invoicePdf(inv));
    for (const expected of [
      'Factuur',
      'Factuurnummer: F2026100001',
      'Bakkerij De Vries',
      'Vervaldatum: 15 november 2026',
      'Servicenummer 09091234567 (plus-pakket)',
      'Uitgaande gesprekken (10000,00 min)',
      '€ 1.500,00',
      'Subtotaal excl. btw',
      '€ 1.528,59', // 3.59 + 25.00 + 1,500.00
      '€ 321,00', // 21% of 1,528.59 = 321.0039
      '€ 1.849,59',
    ]) expect(text).toContain(expected);
    const note = await billing.creditNote(inv.id, { reason: 'Dubbel gefactureerd', lines: [{ index: 1 }] });
    const noteText = pdfText(await invoicePdf(note));
    for (const expected of ['Creditnota', 'Betreft factuur: F2026100001', 'Reden: Dubbel gefactureerd', '€ -25,00', '€ -30,25']) expect(noteText).toContain(expected);
  });

  it('exports the month as CSV, a row per line', async () => {
    const store = new MemoryStore();
    await bakery(store);
    const run = await service(store).runInvoices('2026-10');
    const rows = invoicesCsv(run.created).trim().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[2]).toContain('F2026100001,invoice,');
    expect(rows[2]).toContain(',Servicenummer 09091234567 (plus-pakket),+319091234567,2026-10-01,2026-10-31,31,25.00,5.25,28.59,6.00,34.59');
  });
});

describe('the outpayment statement', () => {
  it('pays the 0909 worked example on the 10th working day, set off against the open invoice', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const billing = service(store, goldenMonth(customerId, '+319091234567'));
    await billing.putSettings(customerId, { paperInvoice: false, directDebit: false, setOffOutpayment: true, address: ['Dorpsstraat 7', '1234 AB Ons Dorp'] });
    const [inv] = (await billing.runInvoices('2026-10')).created;
    const run = await billing.runStatements('2026-10');
    expect(run.created).toHaveLength(1);
    const st = run.created[0];
    expect(st).toMatchObject({ number: 'O2026100001', paymentOn: '2026-11-13', subtotalCents: 642_502, vatCents: 134_925, totalCents: 777_427 });
    expect(st.lines).toEqual([{ number: '+319091234567', calls: 1000, minutes: '10000.00', revenueInclVatCents: 900_000, revenueExclVatCents: 743_802, costCents: 101_300, outpaymentCents: 642_502 }]);
    expect(st.setOffs).toEqual([{ invoiceId: inv.id, amountCents: inv.totalCents }]);
    expect(st.payableCents).toBe(777_427 - inv.totalCents);
    const again = await billing.runStatements('2026-10');
    expect([again.created, again.unchanged]).toEqual([[], [st]]);

    const text = pdfText(await statementPdf(st));
    for (const expected of ['Outpaymentnota', 'Notanummer: O2026100001', 'Uitbetaaldatum: 13 november 2026', '09091234567', '€ 6.425,02', '€ 1.349,25', '€ 7.774,27', `Verrekend met factuur ${inv.id}`]) {
      expect(text).toContain(expected);
    }
    expect(statementsCsv([st])).toContain(',+319091234567,1000,10000.00,9000.00,7438.02,1013.00,6425.02,6425.02,1349.25,7774.27,');
  });

  it('without the setting nothing is set off, and a customer without 090x traffic gets no statement', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const totals = goldenMonth(customerId, '+319091234567');
    totals.add({ customerId, line: '+31851234567', increments: [['attempts', 5]] });
    const billing = service(store, totals);
    await billing.runInvoices('2026-10');
    const run = await billing.runStatements('2026-10');
    expect(run.created.map((s) => [s.setOffs, s.payableCents, s.lines.length])).toEqual([[[], 777_427, 1]]);
  });
});
