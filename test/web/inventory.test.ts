import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/**
 * The number shop in the web app (issue 11 item 2) in Debian's chromium: a beheerder finds a
 * number by pattern, orders and confirms it (the confirmation mail reaches a real SMTP server),
 * the platform activates the order, and the number is then in the customer's numbers list.
 */

const CSV = ['number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents', '0858 001 000-0858 001 999', '0909 111 0000,80,,,', '0909 222 0000,100,,,'].join('\n');

let rig: WebRig;
let smtp: TestSmtp;
let page: Page;
let adminToken: string;

async function signIn(token: string): Promise<void> {
  await page.goto(`${rig.baseUrl}/app/`);
  await page.getByLabel('API-token').fill(token);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByTestId('role').waitFor();
}

async function openShop(): Promise<void> {
  await page.getByRole('link', { name: 'Nummerwinkel' }).click();
  await page.getByTestId('search-run').waitFor();
}

beforeEach(async () => {
  smtp = await startSmtp();
  rig = await startWebRig({ smtpUrl: smtp.url });
  page = rig.page;
  const c = await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Bakkerij De Vries' });
  adminToken = (await rig.api<{ token: string }>('POST', `/customers/${c.id}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
  await rig.api('POST', '/inventory/import', PLATFORM_TOKEN, { csv: CSV });
});
afterEach(async () => {
  const errors = [...rig.pageErrors];
  await rig.close();
  await smtp.stop();
  expect(errors).toEqual([]);
});

describe('the number shop', () => {
  it('finds numbers by pattern a page at a time, and 090x numbers by caller tariff', async () => {
    await signIn(adminToken);
    await openShop();
    await page.getByTestId('search-pattern').fill('00');
    await page.getByTestId('search-run').click();
    // Ends in 00: 0858001000, 0858001100 … 0858001900 and the two 0909 numbers.
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('12 gevonden');
    await expect(page.getByTestId('search-results').locator('tbody tr').count()).resolves.toBe(10);
    await page.getByTestId('search-pages').getByRole('button', { name: '2' }).click();
    await expect.poll(() => page.getByTestId('search-results').locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')))).toEqual(['09091110000', '09092220000']);

    await page.getByTestId('search-per-minute').fill('80');
    await page.getByTestId('search-run').click();
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('1 gevonden');
    await expect(page.locator('tr[data-number="09091110000"] td').nth(2).textContent()).resolves.toMatch(/80 cent per minuut/);

    await page.getByTestId('search-per-minute').fill('');
    await page.getByTestId('search-pattern-kind').click();
    await page.getByRole('option', { name: 'Jokertekens (* en ?)' }).click();
    await page.getByTestId('search-pattern').fill('0858-*-99?');
    await page.getByTestId('search-run').click();
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('10 gevonden');
    await page.locator('tr[data-number="0858001990"]').waitFor();
  });

  it('orders and confirms a number; the platform activates it and it is then in the numbers list', async () => {
    await signIn(adminToken);
    await openShop();
    await page.getByTestId('search-pattern-kind').click();
    await page.getByRole('option', { name: 'Herhaalde cijfers (aantal)' }).click();
    await page.getByTestId('search-pattern').fill('4');
    await page.getByTestId('search-run').click();
    // Four equal digits in a row: 0858 001 111 and the two 0909 numbers (…0000); 0858 001 000 has three.
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('3 gevonden');
    await expect(page.getByTestId('search-results').locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')))).resolves.toEqual(['0858001111', '09091110000', '09092220000']);
    await page.getByTestId('search-pattern-kind').click();
    await page.getByRole('option', { name: 'Eindigt op' }).click();
    await page.getByTestId('search-pattern').fill('777');
    await page.getByTestId('search-run').click();
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('1 gevonden');
    await rig.screenshot('inventory-search');

    await page.getByTestId('order-0858001777').click();
    await page.getByTestId('order-email').fill('inkoop@bakkerij.test');
    await page.getByTestId('order-reserve').click();
    await expect.poll(() => page.getByTestId('order-status').textContent()).toBe('Gereserveerd');
    await page.getByTestId('order-confirm').click();
    await expect.poll(() => page.getByTestId('order-notice').textContent()).toBe('Bevestigd; de orderbevestiging is gemaild.');
    await expect.poll(() => page.locator('tr[data-order="0858001777"]').getByTestId('order-status').textContent()).toBe('Bevestigd');

    const [mail] = await smtp.waitForMails(1);
    expect(mail.subject).toBe('Orderbevestiging 0858001777 / Order confirmation');
    expect((mail.to as { text: string }).text).toBe('inkoop@bakkerij.test');

    // The platform sees the confirmed order with its customer and activates it.
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await signIn(PLATFORM_TOKEN);
    await openShop();
    const row = page.locator('tr[data-order="0858001777"]');
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe('Bakkerij De Vries');
    await row.getByTestId('activate-0858001777').click();
    await expect.poll(() => row.getByTestId('order-status').textContent()).toBe('Actief');
    await expect.poll(() => page.locator('tr[data-contract="+31858001777"]').getByTestId('contract-status').textContent()).toBe('Lopend');
    await rig.screenshot('inventory-orders');

    // The beheerder's numbers list now has it, live.
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await signIn(adminToken);
    const number = page.locator('tr[data-number="0858001777"]');
    await expect(number.getByTestId('number-status').textContent()).resolves.toBe('Actief');
  });

  it('orders a chosen 0909 number that waits for its ACM assignment, which the platform records; the platform also orders for a new customer', async () => {
    // The beheerder asks for a chosen number ("mooi nummer") with its caller tariff.
    await signIn(adminToken);
    await openShop();
    await page.getByTestId('chosen-number').fill('0909 777 7777');
    await page.getByTestId('order-chosen').click();
    await page.getByTestId('order-per-minute').fill('80');
    await page.getByTestId('order-email').fill('inkoop@bakkerij.test');
    await page.getByTestId('order-reserve').click();
    await page.getByTestId('order-confirm').click();
    await expect.poll(() => page.locator('tr[data-order="09097777777"]').getByTestId('order-status').textContent()).toBe('Wacht op ACM-toekenning');
    const [chosen] = await rig.api<{ id: string; kind: string; tariff: unknown }[]>('GET', '/orders', adminToken);
    expect(chosen).toMatchObject({ kind: 'chosen', tariff: { perMinuteCents: 80 } });
    await page.getByRole('button', { name: 'Uitloggen' }).click();

    await signIn(PLATFORM_TOKEN);
    await openShop();
    await page.getByTestId('search-pattern').fill('555');
    await page.getByTestId('search-run').click();
    await page.getByTestId('order-0858001555').click();
    await page.getByTestId('order-new-customer').fill('Tandarts Jansen');
    await page.getByTestId('order-email').fill('praktijk@jansen.test');
    await page.getByTestId('order-reserve').click();
    await page.getByTestId('order-confirm').click();
    const mine = page.locator('tr[data-order="0858001555"]');
    await expect.poll(() => mine.locator('td').nth(1).textContent()).toBe('Tandarts Jansen');
    await expect(mine.getByTestId('order-status').textContent()).resolves.toBe('Bevestigd');
    const customers = await rig.api<{ name: string }[]>('GET', '/customers', PLATFORM_TOKEN);
    expect(customers.map((c) => c.name).sort()).toEqual(['Bakkerij De Vries', 'Tandarts Jansen']);

    const acm = page.locator('tr[data-order="09097777777"]');
    await expect(acm.getByTestId('order-status').textContent()).resolves.toBe('Wacht op ACM-toekenning');
    await acm.getByTestId(`acm-reference-${chosen.id}`).fill('ACM/NN/2026/1234');
    await acm.getByTestId(`acm-date-${chosen.id}`).fill('2026-11-20');
    await acm.getByTestId(`acm-record-${chosen.id}`).click();
    await expect.poll(() => acm.getByTestId('order-status').textContent()).toBe('Actief');
    const order = await rig.api<{ acm: { reference: string; assignedOn: string } }>('GET', `/orders/${chosen.id}`, PLATFORM_TOKEN);
    expect(order.acm).toMatchObject({ reference: 'ACM/NN/2026/1234', assignedOn: '2026-11-20' });

    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await signIn(adminToken);
    await openShop();
    const contract = page.locator('tr[data-contract="+319097777777"]');
    await expect(contract.getByTestId('contract-status').textContent()).resolves.toBe('Lopend');
    const [listed] = await rig.api<{ id: string; minimumEndOn: string }[]>('GET', '/contracts', adminToken);
    await contract.getByTestId(`notice-${listed.id}`).click();
    await expect.poll(() => contract.getByTestId('contract-status').textContent()).toBe('Opgezegd');
    const [noticed] = await rig.api<{ endOn: string }[]>('GET', '/contracts', adminToken);
    // Notice within the minimum term ends the contract at the end of the minimum term.
    expect(noticed.endOn).toBe(listed.minimumEndOn);
    await expect(contract.locator('td').nth(3).textContent()).resolves.toBe(noticed.endOn);
  });
});
