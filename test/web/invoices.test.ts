import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BillingService } from '../../src/billing/InvoiceRun.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { BAKERY_ADDRESS, contract, goldenMonth, OPERATOR } from '../billing/fixtures.js';
import { ensureWebBuild, PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/**
 * Facturen in the web app (issue 12 item 3) in Debian's chromium: the platform closes October
 * (invoices, then the outpayment statements), records a payment and issues a credit note; the
 * outpayment is set off against what is left, so the invoice ends paid; the beheerder sees its
 * own documents with their status and downloads the PDF, another customer sees none.
 */

let rig: WebRig;
let page: Page;
let adminToken: string;
let otherToken: string;

async function signIn(token: string): Promise<void> {
  await page.goto(`${rig.baseUrl}/app/`);
  await page.getByLabel('API-token').fill(token);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByTestId('role').waitFor();
}

async function openInvoices(): Promise<void> {
  await page.getByRole('link', { name: 'Facturen' }).click();
  await page.getByTestId('invoices-show').waitFor();
}

const row = (number: string) => page.locator(`tr[data-invoice="${number}"]`);
/** Text as read: Intl writes '€ 33,28' with a no-break space. */
const amount = async (locator: ReturnType<Page['locator']>) => (await locator.textContent())?.replace(/\u00a0/g, ' ');

// A rebuild of the web app (src/web changed, maybe queued behind another test file's) can take longer than a hook's default.
beforeAll(() => ensureWebBuild(), 300_000);

beforeEach(async () => {
  const store = new MemoryStore();
  let customerId = '';
  const billing = new BillingService({ store, monthTotals: async () => goldenMonth(customerId, '+319091234567'), options: { operator: OPERATOR }, logger: silentLogger() });
  rig = await startWebRig({ store, billing });
  page = rig.page;
  const c = await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Bakkerij De Vries' });
  customerId = c.id;
  adminToken = (await rig.api<{ token: string }>('POST', `/customers/${c.id}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
  await store.inventory.contracts.insert([contract(c.id, '+319091234567', '2025-06-01')]);
  await rig.api('PATCH', `/customers/${c.id}/billing`, PLATFORM_TOKEN, { address: BAKERY_ADDRESS, directDebit: false, setOffOutpayment: true });
  const other = await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Concurrent BV' });
  otherToken = (await rig.api<{ token: string }>('POST', `/customers/${other.id}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
});
afterEach(async () => {
  const errors = [...rig.pageErrors];
  await rig.close();
  await rig.store.close();
  expect(errors).toEqual([]);
});

describe('Facturen', () => {
  it('the platform closes a month, records a payment and a credit note; the set-off settles the rest; the beheerder sees it paid and downloads the PDF', async () => {
    await signIn(PLATFORM_TOKEN);
    await openInvoices();
    await page.getByTestId('run-month').fill('2026-10');
    await page.getByTestId('run-invoices').click();
    await expect.poll(() => page.getByTestId('run-result').textContent()).toContain('Aangemaakt: 1;');
    // EUR 25.00 service number + EUR 2.50 without direct debit, + 21% VAT = EUR 33.28.
    await expect.poll(() => row('F2026100001').getByTestId('invoice-status').textContent()).toBe('Open');
    await expect(amount(row('F2026100001').getByTestId('invoice-open'))).resolves.toBe('€ 33,28');
    await expect(row('F2026100001').locator('td').nth(1).textContent()).resolves.toBe('Bakkerij De Vries');

    await row('F2026100001').getByTestId('pay-F2026100001').click();
    // More than is open: the API's refusal is shown, nothing is recorded.
    await page.getByTestId('payment-amount').fill('99,00');
    await page.getByTestId('payment-reference').fill('te veel');
    await page.getByTestId('payment-save').click();
    await expect.poll(() => page.getByTestId('invoices-error').textContent()).toBe('amountCents: 9900 cents is more than the 3328 cents open on F2026100001');
    await page.getByTestId('payment-amount').fill('10,00');
    await page.getByTestId('payment-reference').fill('Bankafschrift 2026-11-20 regel 4');
    await page.getByTestId('payment-save').click();
    await expect.poll(() => row('F2026100001').getByTestId('invoice-status').textContent()).toBe('Deels betaald');
    await expect(amount(row('F2026100001').getByTestId('invoice-open'))).resolves.toBe('€ 23,28');

    await row('F2026100001').getByTestId('credit-F2026100001').click();
    await page.getByTestId('credit-reason').fill('Storing 3 oktober');
    await page.getByTestId('credit-line').click();
    await page.getByRole('option', { name: 'Servicenummer 09091234567 (plus-pakket)' }).click();
    await page.getByTestId('credit-amount').fill('5');
    await page.getByTestId('credit-save').click();
    await row('F2026100001-C1').waitFor();
    await expect(row('F2026100001-C1').locator('td').nth(2).textContent()).resolves.toBe('Creditnota');
    // 5.00 + 21% = 6.05 credited.
    await expect.poll(() => amount(row('F2026100001').getByTestId('invoice-open'))).toBe('€ 17,23');

    await page.getByTestId('run-statements').click();
    const statement = page.locator('tr[data-statement="O2026100001"]');
    await expect.poll(() => amount(statement.getByTestId('statement-payable'))).toBe('€ 7.757,04'); // 7,774.27 − 17.23
    await expect.poll(() => row('F2026100001').getByTestId('invoice-status').textContent()).toBe('Betaald');
    await rig.screenshot('invoices-platform');
    const payments = await rig.api<Array<{ method: string; amountCents: number }>>('GET', '/invoices/F2026100001/payments', PLATFORM_TOKEN);
    // By date: the set-off takes effect on the statement's payment day (13 November), before today's transfer.
    expect(payments.map((p) => [p.method, p.amountCents])).toEqual([['set_off', 1723], ['transfer', 1000]]);

    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await signIn(adminToken);
    await openInvoices();
    await expect.poll(() => row('F2026100001').getByTestId('invoice-status').textContent()).toBe('Betaald');
    await expect(page.getByTestId('pay-F2026100001').count()).resolves.toBe(0);
    await expect(page.getByTestId('run-invoices').count()).resolves.toBe(0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('pdf-F2026100001').click()]);
    expect(download.suggestedFilename()).toBe('F2026100001.pdf');
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: await readFile((await download.path())!), encoding: 'utf8' });
    for (const expected of ['Factuur', 'F2026100001', 'KvK 87654321', 'IBAN NL20INGB0001234567', 'Dorpsstraat 7', '€ 33,28']) expect(text).toContain(expected);
    await page.getByTestId('invoices-month').fill('2026-09');
    await page.getByTestId('invoices-show').click();
    await expect.poll(() => page.getByText('Geen facturen in deze periode.').count()).toBe(1);
    await page.getByTestId('invoices-month').fill('2026-10');
    await page.getByTestId('invoices-show').click();
    await row('F2026100001').waitFor();
    await rig.screenshot('invoices');

    await page.getByText('EN', { exact: true }).click();
    await expect.poll(() => row('F2026100001').getByTestId('invoice-status').textContent()).toBe('Paid');
    await expect(page.getByText('Invoices and credit notes').count()).resolves.toBe(1);
    await page.getByText('NL', { exact: true }).click();

    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await signIn(otherToken);
    await openInvoices();
    await expect.poll(() => page.getByText('Geen facturen in deze periode.').count()).toBe(1);
    await expect(page.getByText('Geen outpaymentnota’s in deze periode.').count()).resolves.toBe(1);
  });
});
