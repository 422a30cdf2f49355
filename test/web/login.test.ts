import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/** Signing in to the web app with username and password (the API token stays as the alternative). */

let rig: WebRig;
let page: Page;
let customerId: string;

const PASSWORD = 'zomer-brood-2026!';

async function passwordSignIn(username: string, password: string): Promise<void> {
  await page.getByTestId('sign-in-username').fill(username);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
}

/** The sign-in tokens the API holds for the customer now (POST /session gives those an expiry). */
async function signInTokens(): Promise<number> {
  return (await rig.store.tokens.list(customerId)).filter((t) => t.expiresAt !== undefined).length;
}

beforeEach(async () => {
  rig = await startWebRig();
  page = rig.page;
  customerId = (await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Bakkerij De Vries' })).id;
  await rig.api('POST', `/customers/${customerId}/web-logins`, PLATFORM_TOKEN, { username: 'anna@bakkerij.nl', role: 'beheerder', password: PASSWORD });
  await page.goto(`${rig.baseUrl}/app/`);
});
afterEach(async () => {
  const errors = [...rig.pageErrors];
  await rig.close();
  expect(errors).toEqual([]);
});

describe('signing in with a password', () => {
  it('refuses a wrong password, lets the beheerder in with the right one, and ends the session at sign-out', async () => {
    await passwordSignIn('anna@bakkerij.nl', 'zomer-brood-2025!');
    await expect(page.getByTestId('sign-in-refused').textContent()).resolves.toBe('Onbekende gebruikersnaam of onjuist wachtwoord.');
    await expect(page.getByTestId('sign-in-password').inputValue()).resolves.toBe('');
    expect(await signInTokens()).toBe(0);

    await passwordSignIn('Anna@Bakkerij.nl', PASSWORD);
    await expect(page.getByTestId('role').textContent()).resolves.toBe('Beheerder');
    await expect(page.getByRole('link', { name: 'Nummers' }).count()).resolves.toBe(1);
    expect(await signInTokens()).toBe(1);

    // A reload keeps the tab signed in; signing out ends the token at the API.
    await page.reload();
    await page.getByTestId('role').waitFor();
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await page.getByTestId('sign-in-username').waitFor();
    await expect.poll(signInTokens).toBe(0);
  });

  it('tells a person who keeps guessing to wait, even when the password is then right', async () => {
    for (let i = 0; i < 4; i++) {
      await passwordSignIn('anna@bakkerij.nl', `fout-${i}-wachtwoord`);
      // A refusal empties the password field: the answer is in before the next guess.
      await expect.poll(() => page.getByTestId('sign-in-password').inputValue()).toBe('');
      await expect(page.getByTestId('sign-in-refused').textContent()).resolves.toBe('Onbekende gebruikersnaam of onjuist wachtwoord.');
    }
    await passwordSignIn('anna@bakkerij.nl', 'fout-4-wachtwoord');
    await expect.poll(() => page.getByTestId('sign-in-refused').textContent()).toBe('Te veel mislukte pogingen. Probeer het over een kwartier opnieuw.');
    await passwordSignIn('anna@bakkerij.nl', PASSWORD);
    await expect.poll(() => page.getByTestId('sign-in-refused').textContent()).toBe('Te veel mislukte pogingen. Probeer het over een kwartier opnieuw.');
    await expect(page.getByTestId('role').count()).resolves.toBe(0);
  });

  it('shows a VoIP user signed in with a password their own account', async () => {
    const beheerder = (await rig.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
    const account = await rig.api<{ id: string }>('POST', `/customers/${customerId}/accounts`, beheerder, { username: '201', displayName: 'Verkoop' });
    await rig.api('POST', `/customers/${customerId}/web-logins`, beheerder, { username: 'piet', role: 'gebruiker', accountId: account.id, password: 'piet-zijn-wachtwoord' });
    await passwordSignIn('piet', 'piet-zijn-wachtwoord');
    await expect(page.getByTestId('role').textContent()).resolves.toBe('VoIP-gebruiker');
    await expect(page.getByTestId('account-username').textContent()).resolves.toBe('201');
  });
});
