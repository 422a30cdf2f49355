import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BillingService } from '../../src/billing/InvoiceRun.js';
import { DEMO_OPERATOR_DETAILS, isValidIban, isValidVatId, loadOperatorDetails, OperatorDetailsMissing, parseOperatorDetails, type OperatorDetails } from '../../src/billing/OperatorDetails.js';
import { invoicePdf, statementPdf } from '../../src/billing/pdf/documentPdf.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { BAKERY_ADDRESS, bakery, contract, goldenMonth, OPERATOR } from './fixtures.js';

const NOW = Date.UTC(2026, 10, 3, 9);

const service = (store: MemoryStore, customerId: string, operator: OperatorDetails | undefined) =>
  new BillingService({ store, monthTotals: async () => goldenMonth(customerId, '+319091234567'), options: operator ? { operator } : {}, logger: silentLogger(), now: () => NOW });

const text = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });

const SELLER_TEXTS = ['Belnet Telecom B.V.', 'Stationsplein 12', '3511 ED Utrecht', 'KvK 87654321', 'Btw-id NL123456782B01', 'IBAN NL20INGB0001234567', 'BIC INGBNL2A'];
const BUYER_TEXTS = ['Aan', 'Bakkerij De Vries', 'Dorpsstraat 7', '1234 AB Ons Dorp', 'Btw-id NL000099998B57'];

describe('operator details (OPERATOR_DETAILS_FILE)', () => {
  it.each([
    ['NL91ABNA0417164300', true],
    ['NL20INGB0001234567', true],
    ['NL21INGB0001234567', false], // check digits off by one
    ['NL20INGB000123456', false], // an NL IBAN is 18 characters
    ['DE89370400440532013000', true],
  ])('IBAN %s valid: %s', (iban, valid) => expect(isValidIban(iban)).toBe(valid));

  it.each([
    ['NL123456782B01', true], // 11-proof (RSIN-based)
    ['NL000099998B57', true], // mod 97 (sole traders since 2020)
    ['NL123456789B01', false],
    ['NL12345678B01', false],
    ['DE123456789', true], // another EU country: shape only
    ['US123456789', false],
  ])('VAT id %s valid: %s', (vatId, valid) => expect(isValidVatId(vatId)).toBe(valid));

  it('a file with wrong values is refused naming the file and every field', () => {
    const yaml = 'name: Belnet\naddress: [Stationsplein 12, 3511 ED Utrecht]\nkvk: "1234567"\nvatId: NL123456789B01\niban: NL21INGB0001234567\nbic: INGB\n';
    expect(() => parseOperatorDetails(yaml, '/etc/cs/operator.yaml')).toThrow(
      '/etc/cs/operator.yaml: invalid operator details:\n  kvk: a KvK number: 8 digits\n  vatId: a Dutch btw-id',
    );
    const err = (() => {
      try {
        parseOperatorDetails(yaml, 'op.yaml');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    for (const field of ['kvk:', 'vatId:', 'iban:', 'bic:']) expect(err).toContain(`\n  ${field}`);
  });

  it('a good file is read with spaces taken out of IBAN and btw-id', () => {
    const yaml = 'name: Belnet Telecom B.V.\naddress: [Stationsplein 12, 3511 ED Utrecht]\nkvk: "87654321"\nvatId: nl 1234.56.782 b01\niban: NL20 INGB 0001 2345 67\nbic: INGBNL2A\n';
    expect(parseOperatorDetails(yaml, 'op.yaml')).toEqual(OPERATOR);
  });

  it('unset: the demo details with DEMO=on, nothing otherwise', async () => {
    expect(await loadOperatorDetails(undefined, true)).toBe(DEMO_OPERATOR_DETAILS);
    expect(await loadOperatorDetails(undefined, false)).toBeUndefined();
    // The demo details pass the same checks as a real file.
    const { demo: _demo, ...fields } = DEMO_OPERATOR_DETAILS;
    expect(parseOperatorDetails(JSON.stringify(fields), 'demo.json')).toEqual(fields);
  });
});

describe('the legal details on every document', () => {
  it('without operator details an invoice run, a statement run and a credit note refuse and issue nothing', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const billing = service(store, customerId, undefined);
    await expect(billing.runInvoices('2026-10')).rejects.toBeInstanceOf(OperatorDetailsMissing);
    await expect(billing.runStatements('2026-10')).rejects.toThrow('set OPERATOR_DETAILS_FILE');
    expect(await store.billing.invoices.list()).toEqual([]);
    await service(store, customerId, OPERATOR).runInvoices('2026-10');
    await expect(billing.creditNote('F2026100001', { reason: 'x' })).rejects.toBeInstanceOf(OperatorDetailsMissing);
  });

  it('invoice, credit note and outpayment statement carry the operator and the customer, in the JSON and the PDF', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const billing = service(store, customerId, OPERATOR);
    const [inv] = (await billing.runInvoices('2026-10')).created;
    expect(inv.seller).toEqual(OPERATOR);
    expect(inv.buyer).toEqual({ name: 'Bakkerij De Vries', address: BAKERY_ADDRESS, vatId: 'NL000099998B57' });
    const note = await billing.creditNote(inv.id, { reason: 'Coulance', lines: [{ index: 0, amountCents: 100 }] });
    const [st] = (await billing.runStatements('2026-10')).created;
    expect([note.seller, note.buyer, st.seller, st.buyer]).toEqual([OPERATOR, inv.buyer, OPERATOR, inv.buyer]);
    for (const [pdf, title] of [[await invoicePdf(inv), 'Factuur'], [await invoicePdf(note), 'Creditnota'], [await statementPdf(st), 'Outpaymentnota']] as const) {
      const t = text(pdf);
      for (const expected of [title, ...SELLER_TEXTS, ...BUYER_TEXTS]) expect(t, `${title}: ${expected}`).toContain(expected);
      expect(t).not.toContain('VOORBEELDGEGEVENS');
    }
    expect(text(await statementPdf(st))).toContain('Factuur uitgereikt door afnemer');
  });

  it('a direct-debit invoice says it is collected; a transfer invoice names the IBAN to pay to', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const billing = service(store, customerId, OPERATOR);
    const [dd] = (await billing.runInvoices('2026-10')).created;
    expect(text(await invoicePdf(dd))).toContain('via SEPA-incasso');
    await billing.putSettings(customerId, { paperInvoice: false, directDebit: false, setOffOutpayment: false, address: BAKERY_ADDRESS });
    const [transfer] = (await service(store, customerId, OPERATOR).runInvoices('2026-09')).created;
    expect(text(await invoicePdf(transfer)).replace(/\s+/g, ' ')).toContain('op NL20INGB0001234567 (BIC INGBNL2A) t.n.v. Belnet Telecom B.V., onder vermelding van F2026090001');
  });

  it('issued documents keep the details they were issued with after the operator and the customer move', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const [inv] = (await service(store, customerId, OPERATOR).runInvoices('2026-10')).created;
    const [st] = (await service(store, customerId, OPERATOR).runStatements('2026-10')).created;
    const pdfBefore = await invoicePdf(inv);

    const moved: OperatorDetails = { ...OPERATOR, address: ['Nieuwe Gracht 1', '3512 LC Utrecht'], iban: 'NL44RABO0123456789', bic: 'RABONL2U' };
    const later = service(store, customerId, moved);
    await later.putSettings(customerId, { paperInvoice: false, directDebit: true, setOffOutpayment: false, address: ['Kerkplein 3', '1234 CD Ons Dorp'] });
    const rerun = await later.runInvoices('2026-10');
    expect([rerun.created, rerun.changed, rerun.unchanged]).toEqual([[], [], [inv]]);
    expect((await later.runStatements('2026-10')).unchanged).toEqual([st]);
    const stored = (await later.getInvoice(inv.id))!;
    expect([stored.seller, stored.buyer?.address]).toEqual([OPERATOR, BAKERY_ADDRESS]);
    expect((await invoicePdf(stored)).equals(pdfBefore)).toBe(true);
    expect(text(await statementPdf((await later.getStatement(st.id))!))).toContain('NL20INGB0001234567');

    // A credit note is a new document: today's details.
    const note = await later.creditNote(inv.id, { reason: 'Verhuisd', lines: [{ index: 0, amountCents: 100 }] });
    const t = text(await invoicePdf(note));
    for (const expected of ['Nieuwe Gracht 1', 'NL44RABO0123456789', 'Kerkplein 3']) expect(t).toContain(expected);
    expect(t).not.toContain('Dorpsstraat 7');
  });

  it('a customer without a billing address is not invoiced and the run says why; with the demo details it is, marked as demo', async () => {
    const store = new MemoryStore();
    const { customerId } = await bakery(store);
    const other = await store.customers.create({ name: 'Zonder Adres BV', status: 'active', creditLimitCents: 0 });
    await store.inventory.contracts.insert([contract(other.id, '+319002223333', '2026-10-01')]);
    const run = await service(store, customerId, OPERATOR).runInvoices('2026-10');
    expect(run.created.map((i) => i.customerId)).toEqual([customerId]);
    expect(run.refused).toEqual([{ customerId: other.id, customerName: 'Zonder Adres BV', reason: expect.stringContaining('Zonder Adres BV has no billing address') }]);

    const demoRun = await service(store, customerId, DEMO_OPERATOR_DETAILS).runInvoices('2026-10');
    const demoInvoice = demoRun.created.find((i) => i.customerId === other.id)!;
    expect(demoInvoice.seller?.demo).toBe(true);
    expect(text(await invoicePdf(demoInvoice))).toContain('VOORBEELDGEGEVENS (demo): dit is geen geldige factuur');
  });
});
