import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { CdrLog } from '../../src/cdr/CdrLog.js';
import { PLATFORM_TOKEN, startApi, type ApiHarness } from '../api/harness.js';
import { contract, goldenMonth } from './fixtures.js';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** A customer with a 0909 number all October and the worked example's calls on it. */
async function setup(): Promise<{ api: ApiHarness; customerId: string; adminToken: string }> {
  let customerId = '';
  const cdr = { month: async () => goldenMonth(customerId, '+319091234567') } as unknown as CdrLog;
  api = await startApi({ cdr });
  const c = await api.customerWithAdmin('Bakkerij De Vries');
  customerId = c.customerId;
  await api.store.inventory.contracts.insert([contract(customerId, '+319091234567', '2025-06-01')]);
  return { api, ...c };
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
    const patched = await api.call('PATCH', `/api/v1/customers/${customerId}/billing`, { token: PLATFORM_TOKEN, body: { setOffOutpayment: true, paperInvoice: true, unlimitedBundleMinutes: 1000 } });
    expect(patched.body).toMatchObject({ setOffOutpayment: true, paperInvoice: true, directDebit: true, unlimitedBundleMinutes: 1000 });
    expect((await api.call('PATCH', `/api/v1/customers/${customerId}/billing`, { token: adminToken, body: { paperInvoice: false } })).status).toBe(403);
    expect((await api.call('GET', `/api/v1/customers/${customerId}/billing`, { token: adminToken })).body.paperInvoice).toBe(true);

    const inv = await api.call('POST', '/api/v1/invoices/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    const invoice = (inv.body.created as Array<{ totalCents: number; checks: { fairUse: { flagged: boolean } } }>)[0];
    expect(invoice.totalCents).toBe(3176); // 25.00 + 1.25 paper, + 21%
    expect(invoice.checks.fairUse.flagged).toBe(false);
    const run = await api.call('POST', '/api/v1/outpayment-statements/run', { token: PLATFORM_TOKEN, body: { month: '2026-10' } });
    expect(run.status).toBe(200);
    const st = await api.call('GET', '/api/v1/outpayment-statements/O2026100001', { token: adminToken });
    expect(st.body).toMatchObject({ paymentOn: '2026-11-13', totalCents: 777_427, setOffs: [{ invoiceId: 'F2026100001', amountCents: 3176 }], payableCents: 774_251 });
    const pdf = await get(api, '/api/v1/outpayment-statements/O2026100001.pdf', adminToken);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf.rawPayload, encoding: 'utf8' });
    for (const expected of ['Outpaymentnota', 'Uitbetaaldatum: 13 november 2026', '€ 6.425,02', 'Verrekend met factuur F2026100001', '€ 7.742,51']) expect(text).toContain(expected);
    const csv = await get(api, '/api/v1/outpayment-statements?month=2026-10&format=csv', PLATFORM_TOKEN);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.payload.trim().split('\r\n')).toHaveLength(2);
  });
});
