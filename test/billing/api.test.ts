import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { CdrLog } from '../../src/cdr/CdrLog.js';
import { PLATFORM_TOKEN, startApi, type ApiHarness } from '../api/harness.js';
import { BillingService } from '../../src/billing/InvoiceRun.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { BAKERY_ADDRESS, contract, goldenMonth, OPERATOR } from './fixtures.js';

const NOW = Date.UTC(2026, 10, 20, 9); // 20 November 2026

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** A customer with a 0909 number all October and the worked example's calls on it. */
async function setup(): Promise<{ api: ApiHarness; store: MemoryStore; customerId: string; adminToken: string }> {
  let customerId = '';
  const cdr = { month: async () => goldenMonth(customerId, '+319091234567') } as unknown as CdrLog;
  const store = new MemoryStore();
  const billing = new BillingService({ store, monthTotals: (m) => cdr.month(m), options: { operator: OPERATOR }, logger: silentLogger(), now: () => NOW });
  api = await startApi({ store, cdr, billing });
  const c = await api.customerWithAdmin('Bakkerij De Vries');
  customerId = c.customerId;
  await store.inventory.contracts.insert([contract(customerId, '+319091234567', '2025-06-01')]);
  const patched = await api.call('PATCH', `/api/v1/customers/${customerId}/billing`, { token: PLATFORM_TOKEN, body: { address: BAKERY_ADDRESS, vatId: 'nl 0000.99998 b57' } });
  expect(patched.body).toMatchObject({ address: BAKERY_ADDRESS, vatId: 'NL000099998B57' });
  return { api, store, ...c };
}

const get = (a: ApiHarness, url: string, token: string) => a.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

describe('invoices through the API', () => {
  it('the platform runs a month; the beheerder reads its own invoice as JSON, CSV and a Dutch PDF', async () => {
    const { api, adminToken } = await setup();
    const run = await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    expect(run.status).toBe(200);
    expect((run.body.created as Array<{ number: string; totalCents: number }>).map((i) => [i.number, i.totalCents])).toEqual([['F2026100001', 3025]]);
    const again = await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    expect([(again.body.created as unknown[]).length, (again.body.unchanged as unknown[]).length]).toEqual([0, 1]);

    const list = await api.call('GET', '/api/v1/invoices?month=2026-10', { token: adminToken });
    expect(list.items.map((i) => i.number)).toEqual(['F2026100001']);
    expect(list.items[0]).not.toHaveProperty('version');

    const csv = await get(api, '/api/v1/invoices/F2026100001?format=csv', adminToken);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.payload).toContain('F2026100001,invoice,');

    const pdf = await get(api, '/api/v1/invoices/F2026100001.pdf', adminToken);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf.rawPayload, encoding: 'utf8' });
    for (const expected of ['Factuur', 'F2026100001', 'Servicenummer 09091234567 (plus-pakket)', '€ 25,00', '€ 5,25', '€ 30,25']) expect(text).toContain(expected);
  });

  it("another customer's invoice is a 404; a gebruiker and a beheerder may not run or credit", async () => {
    const { api, customerId, adminToken } = await setup();
    await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    const other = await api.customerWithAdmin('Concurrent BV');
    expect((await api.call('GET', '/api/v1/invoices/F2026100001', { token: other.adminToken })).status).toBe(404);
    expect((await get(api, '/api/v1/invoices/F2026100001.pdf', other.adminToken)).statusCode).toBe(404);
    expect((await api.call('GET', '/api/v1/invoices', { token: other.adminToken })).items).toEqual([]);
    expect((await api.call('POST', '/api/v1/invoices/run', { token: adminToken, body: { month: '2026-10' } })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/invoices/F2026100001/credit-notes', { token: adminToken, body: { reason: 'x' } })).status).toBe(403);
    const { userToken } = await api.accountWithUser(customerId, adminToken, 'receptie');
    expect((await api.call('GET', '/api/v1/invoices', { token: userToken })).status).toBe(403);
  });

  it('refuses bad input with field paths', async () => {
    const { api } = await setup();
    const bad = await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-13' } });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ path: 'month' })]);
    expect((await api.call('GET', '/api/v1/invoices/not-an-invoice', { token: PLATFORM_TOKEN })).status).toBe(400);
    const future = await api.call('POST', '/api/v1/outpayment-statements/run', { token: PLATFORM_TOKEN, body: { month: '2099-01' } });
    expect([future.status, future.body.issues]).toEqual([400, [{ path: 'month', message: expect.stringContaining('2099-01 has not ended yet') }]]);
    await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    const over = await api.call('POST', '/api/v1/invoices/F2026100001/credit-notes', { token: PLATFORM_TOKEN, body: { reason: 'te veel', lines: [{ index: 0, amountCents: 2501 }] } });
    expect(over.status).toBe(400);
    expect(over.body.issues).toEqual([{ path: 'lines.0.amountCents', message: 'line 0 has 2500 cents left to credit, not 2501' }]);
    expect((await api.call('POST', '/api/v1/invoices/F2026109999/credit-notes', { token: PLATFORM_TOKEN, body: { reason: 'x' } })).status).toBe(404);
  });

  it('a credit note is a new document referencing the invoice, which stays as issued', async () => {
    const { api, adminToken } = await setup();
    await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    const note = await api.call('POST', '/api/v1/invoices/F2026100001/credit-notes', { token: PLATFORM_TOKEN, body: { reason: 'Coulance', lines: [{ index: 0, amountCents: 500 }] } });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ number: 'F2026100001-C1', kind: 'credit-note', creditsInvoiceId: 'F2026100001', subtotalCents: -500, vatCents: -105, totalCents: -605 });
    const inv = await api.call('GET', '/api/v1/invoices/F2026100001', { token: adminToken });
    expect(inv.body.totalCents).toBe(3025);
    const pdf = await get(api, '/api/v1/invoices/F2026100001-C1?format=pdf', adminToken);
    expect(execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf.rawPayload, encoding: 'utf8' })).toContain('Creditnota');
  });
});

describe('outpayment statements and billing settings through the API', () => {
  it('a set-off customer sees its outpaymentnota with the invoice set off, paid on the 10th working day', async () => {
    const { api, customerId, adminToken } = await setup();
    const patched = await api.call('PATCH', `/api/v1/customers/${customerId}/billing`, { token: PLATFORM_TOKEN, body: { setOffOutpayment: true, paperInvoice: true, directDebit: false, unlimitedBundleMinutes: 1000 } });
    expect(patched.body).toMatchObject({ setOffOutpayment: true, paperInvoice: true, directDebit: false, unlimitedBundleMinutes: 1000 });
    expect((await api.call('PATCH', `/api/v1/customers/${customerId}/billing`, { token: adminToken, body: { paperInvoice: false } })).status).toBe(403);
    expect((await api.call('GET', `/api/v1/customers/${customerId}/billing`, { token: adminToken })).body.paperInvoice).toBe(true);

    const inv = await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    const invoice = (inv.body.created as Array<{ totalCents: number; checks: { fairUse: { flagged: boolean } } }>)[0];
    expect(invoice.totalCents).toBe(3479); // 25.00 + 1.25 paper + 2.50 without direct debit, + 21%
    expect(invoice.checks.fairUse.flagged).toBe(false);
    const run = await api.call('POST', '/api/v1/outpayment-statements/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    expect(run.status).toBe(200);
    const st = await api.call('GET', '/api/v1/outpayment-statements/O2026100001', { token: adminToken });
    expect(st.body).toMatchObject({ paymentOn: '2026-11-13', totalCents: 777_427, setOffs: [{ invoiceId: 'F2026100001', amountCents: 3479 }], payableCents: 773_948 });
    const pdf = await get(api, '/api/v1/outpayment-statements/O2026100001.pdf', adminToken);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf.rawPayload, encoding: 'utf8' });
    for (const expected of ['Outpaymentnota', 'Uitbetaaldatum: 13 november 2026', '€ 6.425,02', 'Verrekend met factuur F2026100001', '€ 7.739,48']) expect(text).toContain(expected);
    // The set-off is a payment on the invoice, which is now paid.
    const paid = await api.call('GET', '/api/v1/invoices/F2026100001', { token: adminToken });
    expect(paid.body.payment).toEqual({ status: 'paid', creditedCents: 0, paidCents: 3479, openCents: 0, refundDueCents: 0 });
    const payments = await api.call('GET', '/api/v1/invoices/F2026100001/payments', { token: adminToken });
    expect(payments.items).toEqual([{ id: 'F2026100001-O2026100001', invoiceId: 'F2026100001', customerId, amountCents: 3479, date: '2026-11-13', method: 'set_off', reference: 'O2026100001' }]);
    const csv = await get(api, '/api/v1/outpayment-statements?month=2026-10&format=csv', PLATFORM_TOKEN);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.payload.trim().split('\r\n')).toHaveLength(2);
  });
});

describe('payments and legal details through the API', () => {
  it('the platform records payments; the beheerder sees the status, paid and open amounts in JSON and CSV', async () => {
    const { api, adminToken } = await setup();
    await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    const inv = await api.call('GET', '/api/v1/invoices/F2026100001', { token: adminToken });
    expect(inv.body).toMatchObject({ seller: OPERATOR, buyer: { name: 'Bakkerij De Vries', address: BAKERY_ADDRESS, vatId: 'NL000099998B57' }, directDebit: true });
    expect(inv.body.payment).toEqual({ status: 'open', creditedCents: 0, paidCents: 0, openCents: 3025, refundDueCents: 0 });

    const body = { amountCents: 1000, date: '2026-11-15', method: 'sepa_direct_debit', reference: 'Incasso 2026-11-15' };
    expect((await api.call('POST', '/api/v1/invoices/F2026100001/payments', { token: adminToken, body })).status).toBe(403);
    const paid = await api.call('POST', '/api/v1/invoices/F2026100001/payments', { token: PLATFORM_TOKEN, body });
    expect(paid.status).toBe(201);
    expect(paid.body).toEqual({ payment: { id: 'F2026100001-P1', invoiceId: 'F2026100001', customerId: expect.any(String), ...body }, state: { status: 'partly_paid', creditedCents: 0, paidCents: 1000, openCents: 2025, refundDueCents: 0 } });
    const csv = await get(api, '/api/v1/invoices?month=2026-10&format=csv', adminToken);
    const [head, row] = csv.payload.trim().split('\r\n');
    expect(head.endsWith(',status,paid_eur,open_eur')).toBe(true);
    expect(row.endsWith(',partly_paid,10.00,20.25')).toBe(true);
    await api.call('POST', '/api/v1/invoices/F2026100001/payments', { token: PLATFORM_TOKEN, body: { ...body, amountCents: 2025, method: 'transfer', reference: 'rest' } });
    expect((await api.call('GET', '/api/v1/invoices', { token: adminToken })).items[0].payment).toMatchObject({ status: 'paid', openCents: 0 });
    expect((await api.call('GET', '/api/v1/invoices/F2026100001/payments', { token: adminToken })).items.map((p) => p.id)).toEqual(['F2026100001-P1', 'F2026100001-P2']);
    const other = await api.customerWithAdmin('Concurrent BV');
    expect((await api.call('GET', '/api/v1/invoices/F2026100001/payments', { token: other.adminToken })).status).toBe(404);
  });

  it('bad payment and settings bodies are 400 with field paths', async () => {
    const { api, customerId } = await setup();
    await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    const bad = await api.call('POST', '/api/v1/invoices/F2026100001/payments', { token: PLATFORM_TOKEN, body: { amountCents: 0, date: '2026-02-30', method: 'cash', reference: '', extra: 1 } });
    expect(bad.status).toBe(400);
    expect((bad.body.issues as Array<{ path: string }>).map((i) => i.path).sort()).toEqual(['amountCents', 'date', 'extra', 'method', 'reference']);
    const over = await api.call('POST', '/api/v1/invoices/F2026100001/payments', { token: PLATFORM_TOKEN, body: { amountCents: 3026, date: '2026-11-15', method: 'transfer', reference: 'x' } });
    expect([over.status, over.body.issues]).toEqual([400, [{ path: 'amountCents', message: '3026 cents is more than the 3025 cents open on F2026100001' }]]);
    expect((await api.call('POST', '/api/v1/invoices/F2026109999/payments', { token: PLATFORM_TOKEN, body: { amountCents: 1, date: '2026-11-15', method: 'transfer', reference: 'x' } })).status).toBe(404);
    const vat = await api.call('PATCH', `/api/v1/customers/${customerId}/billing`, { token: PLATFORM_TOKEN, body: { vatId: 'NL123456789B01', address: ['ok', ''] } });
    expect([vat.status, (vat.body.issues as Array<{ path: string }>).map((i) => i.path)]).toEqual([400, ['address.1', 'vatId']]);
  });

  it('a payment after a set-off entered by hand is recorded (not a 500); an invoice stored without legal details is served as PDF', async () => {
    const { api, store, adminToken } = await setup();
    await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    const pay = (method: string, reference: string) => api.call('POST', '/api/v1/invoices/F2026100001/payments', { token: PLATFORM_TOKEN, body: { amountCents: 100, date: '2026-11-15', method, reference } });
    const [byHand, transfer] = [await pay('set_off', 'verrekend'), await pay('transfer', 'bank')];
    expect([byHand.status, transfer.status, (transfer.body.payment as { id: string }).id]).toEqual([201, 201, 'F2026100001-P2']);

    const { seller: _s, buyer: _b, directDebit: _d, ...old } = (await store.billing.invoices.get('F2026100001'))!;
    await store.billing.invoices.delete(old.id);
    await store.billing.invoices.insert([old]);
    const pdf = await get(api, '/api/v1/invoices/F2026100001.pdf', adminToken);
    expect(pdf.statusCode).toBe(200);
    expect(execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf.rawPayload, encoding: 'utf8' })).toContain('Bakkerij De Vries');
  });

  it('without operator details a run is 409 with the reason; the PDF names operator and customer', async () => {
    api = await startApi({ cdr: { month: async () => goldenMonth('x', '+319091234567') } as unknown as CdrLog });
    const refused = await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    expect([refused.status, refused.body.error]).toEqual([409, 'operator_details_missing']);
    expect(refused.body.message).toContain('set OPERATOR_DETAILS_FILE');
    await api.close();

    const { api: a, adminToken } = await setup();
    await a.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: (await get(a, '/api/v1/invoices/F2026100001.pdf', adminToken)).rawPayload, encoding: 'utf8' });
    for (const expected of ['Belnet Telecom B.V.', 'KvK 87654321', 'Btw-id NL123456782B01', 'IBAN NL20INGB0001234567', 'Dorpsstraat 7', 'Btw-id NL000099998B57']) expect(text).toContain(expected);
  });
});
