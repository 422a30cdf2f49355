import type { Page } from 'playwright-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureWebBuild, fieldError as fieldErrorOn, PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/**
 * In the plan editor, fields that name one of the customer's accounts or voicemail boxes are
 * selects of the customer's own records, labelled readably; a plan naming a record the customer
 * does not have shows that value flagged in Dutch, and what is picked is saved as the plan
 * schema expects (an account's username, a box's id).
 */

let rig: WebRig;
let page: Page;
let customerId: string;
let adminToken: string;
let receptieId: string;
let planId: string;

beforeAll(() => ensureWebBuild(), 180_000);
beforeEach(async () => {
  rig = await startWebRig();
  page = rig.page;
  customerId = (await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Bakkerij De Vries' })).id;
  adminToken = (await rig.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
  await rig.api('POST', `/customers/${customerId}/accounts`, adminToken, { username: '201', displayName: 'Verkoop' });
  await rig.api('POST', `/customers/${customerId}/accounts`, adminToken, { username: '202', displayName: 'Support' });
  receptieId = (await rig.api<{ id: string }>('POST', '/voicemail-boxes', adminToken, { name: 'Receptie' })).id;
  await rig.api('POST', '/voicemail-boxes', adminToken, { name: 'Magazijn' });
  // Another customer's account and box: never offered.
  const other = (await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Garage Jansen' })).id;
  await rig.api('POST', `/customers/${other}/accounts`, PLATFORM_TOKEN, { username: '301', displayName: 'Werkplaats' });
  await rig.api('POST', '/voicemail-boxes', PLATFORM_TOKEN, { customerId: other, name: 'Werkplaats' });

  // A plan written elsewhere (a YAML file, the API) that names an account and a box this customer does not have.
  planId = (
    await rig.api<{ id: string }>('POST', `/customers/${customerId}/plans`, adminToken, {
      name: 'Hoofdnummer',
      plan: {
        name: 'Hoofdnummer',
        start: 'groep',
        nodes: {
          groep: { type: 'huntgroup', strategy: 'simultaneous', members: [{ account: 'oud' }, { account: '201' }], onNoAnswer: 'voicemail', onBusy: 'voicemail' },
          voicemail: { type: 'voicemail', box: 'Vakantie' },
        },
      },
    })
  ).id;
});
afterEach(async () => {
  const errors = [...rig.pageErrors];
  await rig.close();
  expect(errors).toEqual([]);
});

async function openPlan(name: string): Promise<void> {
  await page.goto(`${rig.baseUrl}/app/`);
  await page.getByLabel('API-token').fill(adminToken);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('link', { name: 'Belplannen' }).click();
  await page.getByRole('link', { name, exact: true }).click();
  await page.getByTestId('plan-graph').waitFor();
}

async function selectNode(id: string): Promise<void> {
  await page.getByTestId(`plan-node-${id}`).click();
  await expect.poll(() => page.getByTestId('node-form').getByRole('heading').textContent()).toBe(`Stap: ${id}`);
}

/** The options a select offers, by their text. */
async function options(testId: string): Promise<string[]> {
  await page.getByTestId(testId).click();
  const texts = await page.getByRole('listbox').getByRole('option').allTextContents();
  await page.keyboard.press('Escape');
  return texts;
}

async function choose(testId: string, option: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const fieldError = (testId: string): Promise<string | undefined> => fieldErrorOn(page, testId);

describe("picking the customer's accounts and voicemail boxes in the plan editor", () => {
  it('shows unknown ones flagged, offers only the customer\'s own, and saves what is picked as the schema expects', async () => {
    await openPlan('Hoofdnummer');

    await selectNode('groep');
    // The unknown member stays visible, flagged in Dutch; the known one shows by username and name.
    await expect(page.getByTestId('field-members.0.account').inputValue()).resolves.toBe('oud (onbekend)');
    await expect(fieldError('field-members.0.account')).resolves.toContain('Onbekend account "oud"');
    await expect(page.getByTestId('field-members.1.account').inputValue()).resolves.toBe('201 – Verkoop');
    await expect(fieldError('field-members.1.account')).resolves.toBeUndefined();
    await expect(options('field-members.0.account')).resolves.toEqual(['201 – Verkoop', '202 – Support', 'oud (onbekend)']);
    await choose('field-members.0.account', '202 – Support');
    await expect.poll(() => fieldError('field-members.0.account')).toBeUndefined();

    // A third member: added empty, then picked.
    await page.getByTestId('add-members').click();
    await choose('field-members.2.account', '201 – Verkoop');
    await expect.poll(() => page.getByTestId('error-members.2').textContent()).toContain('account:201 is already a member');
    await page.getByTestId('remove-members.2').click();

    await selectNode('voicemail');
    await expect(page.getByTestId('field-box').inputValue()).resolves.toBe('Vakantie (onbekend)');
    await expect(fieldError('field-box')).resolves.toContain('Onbekende voicemailbox "Vakantie"');
    await expect(options('field-box')).resolves.toEqual(['Receptie', 'Magazijn', 'Vakantie (onbekend)']);
    await choose('field-box', 'Receptie');
    await expect.poll(() => fieldError('field-box')).toBeUndefined();
    await expect(page.getByTestId('plan-errors').count()).resolves.toBe(0);

    await page.getByTestId('save').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Opgeslagen als versie 2');
    const v2 = await rig.api<{ plan: { nodes: Record<string, unknown> } }>('GET', `/plans/${planId}/versions/2`, adminToken);
    expect(v2.plan.nodes.groep).toEqual({
      type: 'huntgroup',
      strategy: 'simultaneous',
      members: [{ account: '202' }, { account: '201' }],
      memberRingMs: 20000,
      ringTimeoutMs: 60000,
      onNoAnswer: 'voicemail',
      onBusy: 'voicemail',
    });
    expect(v2.plan.nodes.voicemail).toEqual({ type: 'voicemail', box: receptieId });

    // After the reload the saved choices show by their labels, nothing flagged.
    await selectNode('voicemail');
    await expect(page.getByTestId('field-box').inputValue()).resolves.toBe('Receptie');
    await expect(fieldError('field-box')).resolves.toBeUndefined();
  });
});
