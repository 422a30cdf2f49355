import type { Page } from 'playwright-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureWebBuild, fieldError as fieldErrorOn, PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/**
 * Call plans built and managed entirely through the web app's forms in Debian's chromium: a
 * menu with two options and a schedule with opening hours edited field by field (no JSON), a
 * nested schema error shown at its own field and fixed, then simulated and published; plans
 * created from a template and deleted, and the refusal to delete a plan a number uses.
 */

let rig: WebRig;
let page: Page;
let customerId: string;
let adminToken: string;

// A stale client is rebuilt once here, with time for a loaded machine, not inside the first test's set-up.
beforeAll(() => ensureWebBuild(), 180_000);
beforeEach(async () => {
  rig = await startWebRig();
  page = rig.page;
  const c = await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Bakkerij De Vries' });
  customerId = c.id;
  adminToken = (await rig.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
  await rig.api('POST', `/customers/${customerId}/accounts`, adminToken, { username: '201', displayName: 'Verkoop' });
});
afterEach(async () => {
  const errors = [...rig.pageErrors];
  await rig.close();
  expect(errors).toEqual([]);
});

async function signInToPlans(): Promise<void> {
  await page.goto(`${rig.baseUrl}/app/`);
  await page.getByLabel('API-token').fill(adminToken);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('link', { name: 'Belplannen' }).click();
}

/** Picks an option of a select (a step, a type, a key) by its exact text. */
async function choose(testId: string, option: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Adds a step of a type (by its Dutch name) and waits for its form. */
async function addStep(id: string, type: string): Promise<void> {
  await page.getByTestId('new-node-id').fill(id);
  await choose('new-node-type', type);
  await page.getByTestId('add-node').click();
  await expect.poll(() => page.getByTestId('node-form').getByRole('heading').textContent()).toBe(`Stap: ${id}`);
}

/** The message shown at a form field (browser.ts fieldError) on this test's page. */
const fieldError = (testId: string): Promise<string | undefined> => fieldErrorOn(page, testId);

async function simulate(at: string, keys: string): Promise<void> {
  await page.getByTestId('sim-at').fill(at);
  await page.getByTestId('sim-keys').fill(keys);
  await page.getByTestId('sim-run').click();
}

/** What the caller hears in the simulator's latest result (poll: the previous result shows until the new one). */
function heard(): Promise<string[]> {
  return page.getByTestId('sim-heard').locator('li').allTextContents();
}

/** The whole page from the top (the editor scrolls while a long form is filled in; the app header is fixed). */
async function screenshot(name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await rig.screenshot(name);
}

async function createPlan(name: string, template: string): Promise<void> {
  await page.getByTestId('new-plan-name').fill(name);
  await choose('new-plan-template', template);
  await page.getByTestId('create-plan').click();
  await page.getByTestId('plan-graph').waitFor();
}

describe('building a plan through the forms', () => {
  it('builds a menu with two options and a schedule with opening hours, fixes a nested error at its field, simulates and publishes', async () => {
    await signInToPlans();
    await createPlan('Hoofdnummer', 'Leeg (alleen ophangen)');

    // Sales rings account 201; support plays a message. Both end at the hang-up step.
    await addStep('verkoop', 'Doorschakelen');
    await choose('field-to.account', '201 – Verkoop');
    for (const outcome of ['onBusy', 'onNoAnswer', 'onFailure']) await choose(`field-${outcome}`, 'ophangen');
    await addStep('support', 'Mededeling');
    await page.getByTestId('field-prompts').fill('nl/doorverbinden');
    await choose('field-next', 'ophangen');

    // The menu: key 1 sales, key 2 (added) support, nothing pressed → hang up.
    await addStep('keuzemenu', 'Keuzemenu');
    await page.getByTestId('field-prompts').fill('nl/menu-keuze');
    await choose('field-options.1', 'verkoop');
    await page.getByTestId('add-options').click();
    await choose('field-options.2', 'support');
    await choose('field-fallback', 'ophangen');
    await page.getByTestId('field-noInput').fill('nl/geen-keuze');

    // Opening hours: Monday morning and afternoon typed in, Saturday added; Christmas Eve closed.
    await addStep('kantoor', 'Openingstijden');
    await page.getByTestId('remove-weekly.mon.0').click();
    await expect(page.getByTestId('field-weekly.mon').textContent()).resolves.toContain('Gesloten');
    await page.getByTestId('add-weekly.mon').click();
    await page.getByTestId('field-weekly.mon.0.0').fill('08:30');
    await page.getByTestId('field-weekly.mon.0.1').fill('12:00');
    await page.getByTestId('add-weekly.mon').click();
    await page.getByTestId('field-weekly.mon.1.0').fill('13:00');
    await page.getByTestId('field-weekly.mon.1.1').fill('25:00');
    await page.getByTestId('add-weekly.sat').click();
    await page.getByTestId('field-weekly.sat.0.0').fill('10:00');
    await page.getByTestId('field-weekly.sat.0.1').fill('14:00');
    await page.getByTestId('add-exceptions').click();
    await page.getByTestId('field-exceptions.0.date').fill('2026-12-24');
    await choose('field-open', 'keuzemenu');
    await choose('field-closed', 'ophangen');
    await choose('plan-start', 'kantoor');

    // The schema's messages at the exact nested fields: the impossible time, and the exception that is neither open nor closed.
    await expect(fieldError('field-weekly.mon.1.1')).resolves.toMatch(/HH:MM/);
    await expect(fieldError('field-weekly.mon.0.1')).resolves.toBeUndefined();
    await expect(page.getByTestId('error-exceptions.0').textContent()).resolves.toContain('either "hours" or "closed: true"');
    await expect(page.getByTestId('plan-errors').textContent()).resolves.toContain('nodes.kantoor.weekly.mon.1.1');
    await expect(page.getByTestId('save').isDisabled()).resolves.toBe(true);
    await screenshot('plan-editor-schedule-error');

    await page.getByTestId('field-weekly.mon.1.1').fill('17:30');
    await page.getByTestId('field-exceptions.0.closed').click();
    await page.getByTestId('field-exceptions.0.reason').fill('Kerstavond');
    await expect(fieldError('field-weekly.mon.1.1')).resolves.toBeUndefined();
    await expect(page.getByTestId('error-exceptions.0').count()).resolves.toBe(0);
    await expect(page.getByTestId('plan-errors').count()).resolves.toBe(0);
    await screenshot('plan-editor-schedule');

    // Monday 23 November 2026: open at 09:00 (key 2 → support), closed over lunch; Christmas Eve (a Thursday) closed.
    await simulate('2026-11-23T09:00', '2');
    await expect.poll(heard).toEqual(['nl/menu-keuze', 'nl/doorverbinden']);
    for (const id of ['kantoor', 'keuzemenu', 'support', 'ophangen']) {
      await expect(page.getByTestId(`plan-node-${id}`).getAttribute('data-onpath')).resolves.toBe('true');
    }
    await expect(page.getByTestId('plan-node-verkoop').getAttribute('data-onpath')).resolves.toBe('false');
    await simulate('2026-11-23T12:30', '2');
    await expect.poll(heard).toEqual([]);
    await expect(page.getByTestId('plan-node-keuzemenu').getAttribute('data-onpath')).resolves.toBe('false');
    await simulate('2026-11-28T13:00', '2');
    await expect.poll(heard).toEqual(['nl/menu-keuze', 'nl/doorverbinden']);
    await simulate('2026-12-24T10:00', '2');
    await expect.poll(heard).toEqual([]);

    await page.getByTestId('save').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Opgeslagen als versie 2');
    await page.getByTestId('publish-draft').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Gepubliceerd: versie 2');

    const [plan] = await rig.api<{ id: string }[]>('GET', `/customers/${customerId}/plans`, adminToken);
    const live = await rig.api<{ liveVersion: number; live: { plan: { start: string; nodes: Record<string, Record<string, unknown>> } } }>('GET', `/plans/${plan.id}`, adminToken);
    expect(live.liveVersion).toBe(2);
    expect(live.live.plan.start).toBe('kantoor');
    expect(live.live.plan.nodes.keuzemenu).toEqual({
      type: 'menu',
      prompts: ['nl/menu-keuze'],
      options: { '1': 'verkoop', '2': 'support' },
      timeoutMs: 5000,
      retries: 2,
      invalid: ['nl/ongeldige-keuze'],
      fallback: 'ophangen',
      noInput: ['nl/geen-keuze'],
    });
    expect(live.live.plan.nodes.kantoor).toMatchObject({
      weekly: {
        mon: [
          ['08:30', '12:00'],
          ['13:00', '17:30'],
        ],
        tue: [['09:00', '17:00']],
        sat: [['10:00', '14:00']],
      },
      exceptions: [{ date: '2026-12-24', closed: true, reason: 'Kerstavond' }],
      open: 'keuzemenu',
      closed: 'ophangen',
    });
    expect(live.live.plan.nodes.verkoop).toEqual({ type: 'forward', to: { account: '201' }, ringTimeoutMs: 20000, onBusy: 'ophangen', onNoAnswer: 'ophangen', onFailure: 'ophangen' });
  });

  it('adds optional fields and list items, reorders them, and sets the plan-level fax switch', async () => {
    await signInToPlans();
    await createPlan('Faxlijn', 'Welkomstbericht, dan ophangen');
    await page.getByTestId('plan-description').fill('Hoofdnummer met fax');

    await addStep('fax', 'Fax naar e-mail');
    await expect(page.getByTestId('error-email').textContent()).resolves.toMatch(/\S/);
    await page.getByTestId('add-email').click();
    await page.getByTestId('field-email.0').fill('fax@bakkerij.nl');
    await page.getByTestId('add-email').click();
    await page.getByTestId('field-email.1').fill('geen-adres');
    await expect(fieldError('field-email.1')).resolves.toContain('fax@example.nl');
    await page.getByTestId('field-email.1').fill('administratie@bakkerij.nl');
    await page.getByTestId('up-email.1').click();
    await expect(page.getByTestId('field-email.0').inputValue()).resolves.toBe('administratie@bakkerij.nl');
    await choose('plan-on-fax-tone', 'fax');

    // A hunt group: two members, the second an external number; the group's optional ring time added.
    await addStep('groep', 'Belgroep');
    await choose('field-strategy', 'Om de beurt, in volgorde');
    await choose('field-members.0.account', '201 – Verkoop');
    await page.getByTestId('add-members').click();
    await page.getByTestId('field-members.1.number').fill('020 123 4567');
    await page.getByTestId('field-memberRingMs').fill('15000');
    await choose('field-onNoAnswer', 'ophangen');
    await choose('field-onBusy', 'ophangen');
    await page.getByTestId('plan-node-welkom').click();
    await choose('field-next', 'groep');
    await expect(page.getByTestId('plan-errors').count()).resolves.toBe(0);

    await page.getByTestId('save').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Opgeslagen als versie 2');
    const [plan] = await rig.api<{ id: string }[]>('GET', `/customers/${customerId}/plans`, adminToken);
    const v2 = await rig.api<{ plan: Record<string, unknown> & { nodes: Record<string, unknown> } }>('GET', `/plans/${plan.id}/versions/2`, adminToken);
    expect(v2.plan.description).toBe('Hoofdnummer met fax');
    expect(v2.plan.onFaxTone).toBe('fax');
    expect(v2.plan.nodes.fax).toEqual({ type: 'fax', email: ['administratie@bakkerij.nl', 'fax@bakkerij.nl'] });
    expect(v2.plan.nodes.groep).toEqual({
      type: 'huntgroup',
      strategy: 'sequential',
      members: [{ account: '201' }, { number: '+31201234567' }],
      memberRingMs: 15000,
      ringTimeoutMs: 60000,
      onNoAnswer: 'ophangen',
      onBusy: 'ophangen',
    });
  });
});

describe('creating and deleting plans', () => {
  it('creates a plan from a template, deletes it, and refuses to delete a plan a number uses, naming the number in Dutch', async () => {
    const used = await rig.api<{ id: string }>('POST', `/customers/${customerId}/plans`, adminToken, {
      name: 'Bereikbaarheid',
      plan: { name: 'Bereikbaarheid', start: 'ophangen', nodes: { ophangen: { type: 'hangup' } } },
      publish: true,
    });
    await rig.api('POST', `/customers/${customerId}/numbers`, PLATFORM_TOKEN, { number: '0909 123 4567', planId: used.id, tariff: { perMinuteCents: 80 } });
    await signInToPlans();

    await createPlan('Tijdelijk', 'Openingstijden (ma–vr 9–17) met open- en gesloten-bericht');
    for (const id of ['openingstijden', 'welkom', 'gesloten', 'ophangen']) await page.getByTestId(`plan-node-${id}`).waitFor();
    await expect(page.getByTestId('draft-state').textContent()).resolves.toBe('Concept: versie 1');
    const plans = await rig.api<{ id: string; name: string; liveVersion?: number }[]>('GET', `/customers/${customerId}/plans`, adminToken);
    expect(plans.map((p) => p.name).sort()).toEqual(['Bereikbaarheid', 'Tijdelijk']);
    expect(plans.find((p) => p.name === 'Tijdelijk')?.liveVersion).toBeUndefined();

    await page.getByRole('link', { name: 'Belplannen' }).click();
    await page.locator('tr[data-plan="Tijdelijk"]').getByTestId('delete-plan').click();
    await rig.screenshot('plans');
    await page.locator('tr[data-plan="Tijdelijk"]').getByTestId('confirm-delete-plan').click();
    await expect(page.getByTestId('plans-notice').textContent()).resolves.toBe('Belplan verwijderd: Tijdelijk');
    await expect.poll(() => page.locator('tr[data-plan="Tijdelijk"]').count()).toBe(0);
    expect((await rig.api<{ name: string }[]>('GET', `/customers/${customerId}/plans`, adminToken)).map((p) => p.name)).toEqual(['Bereikbaarheid']);

    await page.locator('tr[data-plan="Bereikbaarheid"]').getByTestId('delete-plan').click();
    await page.locator('tr[data-plan="Bereikbaarheid"]').getByTestId('confirm-delete-plan').click();
    await expect(page.getByTestId('plans-error').textContent()).resolves.toBe(
      'Dit belplan is niet verwijderd: het is gekoppeld aan 09091234567. Koppel die nummers eerst aan een ander belplan.',
    );
    await expect(page.locator('tr[data-plan="Bereikbaarheid"]').count()).resolves.toBe(1);
    expect((await rig.api<{ name: string }[]>('GET', `/customers/${customerId}/plans`, adminToken)).map((p) => p.name)).toEqual(['Bereikbaarheid']);
  });

  it('shows the name the API refuses at the name field', async () => {
    await signInToPlans();
    await page.getByTestId('new-plan-name').fill('x'.repeat(101));
    await page.getByTestId('create-plan').click();
    await expect.poll(() => fieldError('new-plan-name')).toMatch(/100/);
    await expect(page.getByTestId('plan-graph').count()).resolves.toBe(0);
  });
});
