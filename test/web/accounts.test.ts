import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fieldError as shownError, PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/**
 * The Accounts page's web sign-ins ("webaanmeldingen") and the phones' "last seen" in Debian's
 * chromium: a beheerder makes a sign-in for a VoIP user bound to an account (the password rule
 * shown at the field), the new sign-in logs in; a generated password is shown once, a new
 * password replaces the old one, a deleted sign-in no longer gets in.
 */

let rig: WebRig;
let page: Page;
let customerId: string;
let adminToken: string;
let verkoopId: string;

async function tokenSignIn(token: string): Promise<void> {
  await page.goto(`${rig.baseUrl}/app/`);
  await page.getByLabel('API-token').fill(token);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByTestId('role').waitFor();
}

async function passwordSignIn(username: string, password: string): Promise<void> {
  await page.getByTestId('sign-in-username').fill(username);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
}

async function openAccounts(): Promise<void> {
  await page.getByRole('link', { name: 'Accounts' }).click();
  await page.getByTestId('web-logins').waitFor();
}

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Uitloggen' }).click();
  await page.getByTestId('sign-in-username').waitFor();
}

/** POST /session as the login form sends it: the status only. */
async function apiSignIn(username: string, password: string): Promise<number> {
  const res = await fetch(`${rig.baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  await res.text();
  return res.status;
}

/** The error shown at the field with this test id (undefined while it is valid). */
function fieldError(testId: string): Promise<string | undefined> {
  return shownError(page, testId);
}

beforeEach(async () => {
  rig = await startWebRig();
  page = rig.page;
  customerId = (await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Bakkerij De Vries' })).id;
  adminToken = (await rig.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
  verkoopId = (await rig.api<{ id: string }>('POST', `/customers/${customerId}/accounts`, adminToken, { username: '201', displayName: 'Verkoop' })).id;
  await rig.api('POST', `/customers/${customerId}/accounts`, adminToken, { username: '202', displayName: 'Support' });
  // The customer's own beheerder sign-in, made by the platform.
  await rig.api('POST', `/customers/${customerId}/web-logins`, PLATFORM_TOKEN, { username: 'anna@bakkerij.nl', role: 'beheerder', password: 'zomer-brood-2026!' });
});
afterEach(async () => {
  const errors = [...rig.pageErrors];
  await rig.close();
  expect(errors).toEqual([]);
});

describe('web sign-ins on the Accounts page', () => {
  it('makes a VoIP user sign-in bound to an account, with the password rule at the field, and the new sign-in logs in', async () => {
    await tokenSignIn(adminToken);
    await openAccounts();
    // The beheerder's own sign-in is listed, but a beheerder may not manage beheerder sign-ins (the API refuses it).
    const anna = page.locator('tr[data-login="anna@bakkerij.nl"]');
    await expect(anna.locator('td').nth(1).textContent()).resolves.toBe('Beheerder');
    await expect(anna.getByTestId('web-login-reset-open').count()).resolves.toBe(0);

    await page.getByTestId('web-login-username').fill('piet verkoop');
    await expect.poll(() => fieldError('web-login-username')).toBe('Minstens 3 tekens: kleine letters, cijfers en . _ @ + - (bijv. anna@bakkerij.nl)');
    await page.getByTestId('web-login-username').fill('piet@bakkerij.nl');
    await expect.poll(() => fieldError('web-login-username')).toBeUndefined();
    await page.getByTestId('web-login-account').click();
    await page.getByRole('option', { name: '201 (Verkoop)' }).click();
    await page.getByTestId('web-login-password').fill('kort');
    await expect.poll(() => fieldError('web-login-password')).toBe('Te kort: minstens 10 tekens');
    await expect(page.getByTestId('web-login-create').isDisabled()).resolves.toBe(true);
    await page.getByTestId('web-login-password').fill('piet-zijn-wachtwoord');
    await expect.poll(() => fieldError('web-login-password')).toBeUndefined();
    await page.getByTestId('web-login-create').click();

    const piet = page.locator('tr[data-login="piet@bakkerij.nl"]');
    await piet.waitFor();
    expect((await piet.locator('td').allTextContents()).slice(0, 3)).toEqual(['piet@bakkerij.nl', 'VoIP-gebruiker', '201 (Verkoop)']);
    // A chosen password is not echoed back.
    await expect(page.getByTestId('web-login-generated').count()).resolves.toBe(0);
    await rig.screenshot('web-logins');

    // A taken username comes back from the API (409) at the field.
    await page.getByTestId('web-login-username').fill('anna@bakkerij.nl');
    await page.getByTestId('web-login-account').click();
    await page.getByRole('option', { name: '202 (Support)' }).click();
    await page.getByTestId('web-login-create').click();
    await expect.poll(() => fieldError('web-login-username')).toBe('Deze gebruikersnaam is al in gebruik (ook bij andere klanten).');

    await signOut();
    await passwordSignIn('piet@bakkerij.nl', 'piet-zijn-wachtwoord');
    await expect(page.getByTestId('role').textContent()).resolves.toBe('VoIP-gebruiker');
    await expect(page.getByTestId('account-username').textContent()).resolves.toBe('201');
    // Many steps (and scrypt at every sign-in): more than the default 30 s when the machine is busy.
  }, 60_000);

  it('shows a generated password once, sets a new one that replaces it, and a deleted sign-in no longer gets in', async () => {
    await tokenSignIn(adminToken);
    await openAccounts();
    await page.getByTestId('web-login-username').fill('kees');
    await page.getByTestId('web-login-account').click();
    await page.getByRole('option', { name: '202 (Support)' }).click();
    await page.getByTestId('web-login-create').click();
    const first = (await page.getByTestId('web-login-generated').textContent()) ?? '';
    expect(first).toMatch(/^\S{16,}$/);
    expect(await apiSignIn('kees', first)).toBe(201);

    const kees = page.locator('tr[data-login="kees"]');
    await kees.getByTestId('web-login-reset-open').click();
    await page.getByTestId('web-login-reset-password').fill('123');
    await expect.poll(() => fieldError('web-login-reset-password')).toBe('Te kort: minstens 10 tekens');
    await page.getByTestId('web-login-reset-password').fill('');
    await page.getByTestId('web-login-reset-submit').click();
    await expect.poll(async () => (await page.getByTestId('web-login-generated').textContent()) !== first).toBe(true);
    const second = (await page.getByTestId('web-login-generated').textContent()) ?? '';
    expect(second).toMatch(/^\S{16,}$/);
    expect(await apiSignIn('kees', first)).toBe(401);
    expect(await apiSignIn('kees', second)).toBe(201);

    await kees.getByTestId('web-login-delete').click();
    await kees.getByTestId('web-login-delete-confirm').click();
    await expect.poll(() => kees.count()).toBe(0);
    expect(await apiSignIn('kees', second)).toBe(401);
  }, 60_000);
});

describe("phones' last seen", () => {
  it('shows when each registered phone last registered, relative and in Amsterdam time', async () => {
    // Two hours and a bit ago: the relative text reads the same however long the page takes to show.
    const registeredAt = Date.now() - 2 * 3_600_000 - 10 * 60_000;
    // The registrar's binding as a REGISTER leaves it (the registrar's own tests drive real SIPp phones).
    await rig.store.locations.save({
      accountId: verkoopId,
      contact: 'sip:201@192.0.2.10:5062',
      source: { protocol: 'udp', host: '192.0.2.10', port: 5062 },
      callId: 'reg-1',
      cseq: 1,
      expiresAt: Date.now() + 3_600_000,
      registeredAt,
      userAgent: 'Yealink SIP-T54W 96.86.0.70',
    });
    await tokenSignIn(adminToken);
    await openAccounts();
    const absolute = new Date(registeredAt).toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'short', timeStyle: 'medium' });
    await expect(page.locator('tr[data-account="201"]').getByTestId('registration-last-seen').textContent()).resolves.toBe(`laatst gezien 2 uur geleden (${absolute})`);
    await rig.screenshot('accounts-last-seen');
  });
});
