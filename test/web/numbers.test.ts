import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverTariffErrors } from '../../src/web/numbers/tariffForm.js';
import { fieldError as shownError, PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/**
 * The number page (issue 9 item 2) in Debian's chromium: a beheerder opens a number from the
 * list, sees its type, both notations and status, links and unlinks its call plan, suspends and
 * resumes it, and asks for a new caller tariff on a 0900 number: a tariff that breaks the rules
 * shows at the field before anything is sent, a valid one is requested with the effective date
 * the server set, and a pending change can be withdrawn.
 */

let rig: WebRig;
let page: Page;
let customerId: string;
let adminToken: string;
let planA: string;

interface ApiNumber {
  id: string;
  national: string;
  planId?: string;
  status: string;
}
interface ApiChange {
  id: string;
  effectiveOn: string;
  status: string;
  tariff: Record<string, number>;
}

async function signIn(token: string): Promise<void> {
  await page.goto(`${rig.baseUrl}/app/`);
  await page.getByLabel('API-token').fill(token);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByTestId('role').waitFor();
}

async function openNumber(national: string): Promise<void> {
  await page.locator(`tr[data-number="${national}"]`).getByTestId('number-open').click();
  await page.getByTestId('number-page').waitFor();
}

async function numberByNational(national: string): Promise<ApiNumber> {
  const list = await rig.api<ApiNumber[]>('GET', `/customers/${customerId}/numbers`, adminToken);
  const n = list.find((x) => x.national === national);
  if (!n) throw new Error(`number ${national} not in the list`);
  return n;
}

/** The error shown at the field with this test id (undefined while it is valid). */
function fieldError(testId: string): Promise<string | undefined> {
  return shownError(page, testId);
}

const PLAN = { name: 'eenvoudig', start: 'welkom', nodes: { welkom: { type: 'announcement', prompts: ['nl/welkom'], next: 'einde' }, einde: { type: 'hangup' } } };

beforeEach(async () => {
  rig = await startWebRig();
  page = rig.page;
  customerId = (await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Bakkerij De Vries' })).id;
  adminToken = (await rig.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
  planA = (await rig.api<{ id: string }>('POST', `/customers/${customerId}/plans`, adminToken, { name: 'Kantooruren', plan: PLAN, publish: true })).id;
  await rig.api('POST', `/customers/${customerId}/plans`, adminToken, { name: 'Vakantie', plan: PLAN, publish: true });
  await rig.api('POST', `/customers/${customerId}/numbers`, PLATFORM_TOKEN, { number: '0900 123 4567', planId: planA, tariff: { perMinuteCents: 10 } });
  await rig.api('POST', `/customers/${customerId}/numbers`, PLATFORM_TOKEN, { number: '085 800 1000' });
});
afterEach(async () => {
  const errors = [...rig.pageErrors];
  await rig.close();
  expect(errors).toEqual([]);
});

describe('the number page', () => {
  it('shows type, both notations and status; links another plan, unlinks it, and suspends and resumes the number', async () => {
    await signIn(adminToken);
    await openNumber('0858001000');
    await expect(page.getByTestId('number-e164').textContent()).resolves.toBe('+31858001000');
    await expect(page.getByTestId('number-national').textContent()).resolves.toBe('0858001000');
    await expect(page.getByTestId('number-status').textContent()).resolves.toBe('Actief');
    // A number without a caller tariff has no tariff section.
    await expect(page.getByTestId('tariff-section').count()).resolves.toBe(0);

    await page.getByTestId('number-plan-select').click();
    await page.getByRole('option', { name: 'Vakantie' }).click();
    await page.getByTestId('number-plan-save').click();
    await page.getByTestId('number-plan-saved').waitFor();
    await expect(page.getByTestId('number-plan-link').textContent()).resolves.toBe('Vakantie (versie 1)');
    const plans = await rig.api<{ id: string; name: string }[]>('GET', `/customers/${customerId}/plans`, adminToken);
    expect((await numberByNational('0858001000')).planId).toBe(plans.find((p) => p.name === 'Vakantie')?.id);

    await page.getByTestId('number-plan-unlink').click();
    await expect.poll(() => page.getByTestId('number-plan-link').count()).toBe(0);
    expect((await numberByNational('0858001000')).planId).toBeUndefined();

    await page.getByTestId('number-toggle').click();
    await expect.poll(() => page.getByTestId('number-status').textContent()).toBe('Buiten gebruik');
    expect((await numberByNational('0858001000')).status).toBe('suspended');
    await page.getByTestId('number-toggle').click();
    await expect.poll(() => page.getByTestId('number-status').textContent()).toBe('Actief');
    expect((await numberByNational('0858001000')).status).toBe('active');
    // Many steps: more than the default 30 s when the machine is busy.
  }, 60_000);

  it('checks a new 0900 tariff at its fields before sending, requests a valid one for the date the server sets, and withdraws it', async () => {
    await signIn(adminToken);
    await openNumber('09001234567');
    const n = await numberByNational('09001234567');
    await expect(page.getByTestId('tariff-announcement').textContent()).resolves.toBe('Dit gesprek kost 10 cent per minuut.');
    await expect(page.getByTestId('number-plan-link').textContent()).resolves.toBe('Kantooruren (versie 1)');

    // Above 15 ct a minute a 0900 number needs a maximum per call (ACM); above 300 ct is the platform's limit.
    await page.getByTestId('tariff-perMinuteCents').fill('100');
    await expect.poll(() => fieldError('tariff-maxPerCallCents')).toBe('Boven 15 cent per minuut is op 0900 en 18xy een maximum per gesprek verplicht (ACM)');
    await expect(page.getByTestId('tariff-submit').isDisabled()).resolves.toBe(true);
    await page.getByTestId('tariff-perMinuteCents').fill('400');
    await expect.poll(() => fieldError('tariff-perMinuteCents')).toBe('Hoogstens 300 cent');
    await page.getByTestId('tariff-perMinuteCents').fill('100');
    await page.getByTestId('tariff-startFeeCents').fill('50');
    await page.getByTestId('tariff-maxPerCallCents').fill('20');
    await expect.poll(() => fieldError('tariff-maxPerCallCents')).toBe('Het maximum per gesprek moet minstens het starttarief plus het tarief per gesprek zijn (50 cent)');
    await rig.screenshot('number-tariff-error');
    // Nothing reached the server while the tariff was invalid.
    expect(await rig.api<ApiChange[]>('GET', `/numbers/${n.id}/tariff-changes`, adminToken)).toEqual([]);

    await page.getByTestId('tariff-maxPerCallCents').fill('2000');
    await expect.poll(() => fieldError('tariff-maxPerCallCents')).toBeUndefined();
    await expect(page.getByTestId('tariff-preview').textContent()).resolves.toBe(
      'Bellers zullen horen: “Dit gesprek kost 1 euro per minuut, plus 50 cent starttarief, met een maximum van 20 euro per gesprek.”',
    );
    await page.getByTestId('tariff-submit').click();
    await page.getByTestId('tariff-requested').waitFor();

    const [change] = await rig.api<ApiChange[]>('GET', `/numbers/${n.id}/tariff-changes`, adminToken);
    expect(change).toMatchObject({ status: 'pending', tariff: { perMinuteCents: 100, startFeeCents: 50, maxPerCallCents: 2000 } });
    const effective = new Date(`${change.effectiveOn}T12:00:00Z`).toLocaleDateString('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'long' });
    await expect(page.getByTestId('tariff-requested').textContent()).resolves.toBe(`Aangevraagd; bellers horen het nieuwe tarief vanaf ${effective}.`);
    const row = page.locator(`tr[data-change="${change.effectiveOn}"]`);
    await expect(row.getByTestId('tariff-change-status').textContent()).resolves.toBe('Gepland');
    // Until the effective day callers still hear the old tariff.
    await expect(page.getByTestId('tariff-announcement').textContent()).resolves.toBe('Dit gesprek kost 10 cent per minuut.');
    await rig.screenshot('number-edit');

    await row.getByTestId('tariff-change-withdraw').click();
    await expect.poll(() => row.getByTestId('tariff-change-status').textContent()).toBe('Ingetrokken');
    expect((await rig.api<ApiChange[]>('GET', `/numbers/${n.id}/tariff-changes`, adminToken))[0].status).toBe('withdrawn');
  }, 60_000);

  it("shows the server's own refusal of a tariff at the form's fields", async () => {
    const n = await numberByNational('09001234567');
    // The request the form would send if the browser's rules were skipped.
    const res = await fetch(`${rig.baseUrl}/api/v1/numbers/${n.id}/tariff-changes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tariff: { perMinuteCents: 400, startFeeCents: 50, maxPerCallCents: 20 } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: { path: string; message: string }[] };
    expect(serverTariffErrors(body.issues, 'nl')).toEqual({
      perMinuteCents: 'Hoogstens 300 cent',
    });
    const typed = await fetch(`${rig.baseUrl}/api/v1/numbers/${n.id}/tariff-changes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tariff: { perMinuteCents: 100, maxPerCallCents: 20, startFeeCents: 50 } }),
    });
    const typedBody = (await typed.json()) as { issues: { path: string; message: string }[] };
    expect(serverTariffErrors(typedBody.issues, 'nl')).toEqual({
      maxPerCallCents: 'Het maximum per gesprek moet minstens het starttarief plus het tarief per gesprek zijn (50 cent)',
    });
  });
});
