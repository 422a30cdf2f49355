import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureWebBuild, fieldError as fieldErrorOn, PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/**
 * The admin web app in Debian's chromium against a real app server: sign-in with the two
 * roles, the numbers list, and the call plan editor (a field error shown and fixed, the
 * simulator's path and prompts, publish and restore).
 */

let rig: WebRig;
let page: Page;
let customerId: string;
let adminToken: string;
let userToken: string;
let colleagueToken: string;
let planId: string;

async function setUpCustomer(): Promise<void> {
  const c = await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Bakkerij De Vries' });
  customerId = c.id;
  const t = await rig.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' });
  adminToken = t.token;
  const a = await rig.api<{ id: string }>('POST', `/customers/${customerId}/accounts`, adminToken, { username: '201', displayName: 'Verkoop' });
  const b = await rig.api<{ id: string }>('POST', `/customers/${customerId}/accounts`, adminToken, { username: '202', displayName: 'Support' });
  colleagueToken = (await rig.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, adminToken, { role: 'gebruiker', accountId: b.id, label: 'support' })).token;
  const u = await rig.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, adminToken, { role: 'gebruiker', accountId: a.id, label: 'verkoop' });
  userToken = u.token;
  const doc: unknown = parse(await readFile(new URL('../../dialplans/demo-0909.yaml', import.meta.url), 'utf8'));
  const plan = await rig.api<{ id: string }>('POST', `/customers/${customerId}/plans`, adminToken, { name: 'Bereikbaarheid', plan: doc, publish: true });
  planId = plan.id;
  await rig.api('POST', `/customers/${customerId}/numbers`, PLATFORM_TOKEN, { number: '0909 123 4567', planId, tariff: { perMinuteCents: 80 } });
  await rig.api('POST', `/customers/${customerId}/numbers`, PLATFORM_TOKEN, { number: '0800 123 4567' });
}

async function signIn(token: string): Promise<void> {
  await page.goto(`${rig.baseUrl}/app/`);
  await page.getByLabel('API-token').fill(token);
  await page.getByRole('button', { name: 'Inloggen' }).click();
}

async function openPlan(): Promise<void> {
  await signIn(adminToken);
  await page.getByRole('link', { name: 'Belplannen' }).click();
  await page.getByRole('link', { name: 'Bereikbaarheid' }).click();
  await page.getByTestId('plan-graph').waitFor();
}

/** The message shown at a form field (browser.ts fieldError) on this test's page. */
const fieldError = (testId: string): Promise<string | undefined> => fieldErrorOn(page, testId);

async function editMenuTimeout(value: string): Promise<void> {
  await page.getByTestId('plan-node-keuzemenu').click();
  await page.getByTestId('field-timeoutMs').fill(value);
}

// A stale client is rebuilt once here, with time for a loaded machine, not inside the first test's set-up.
beforeAll(() => ensureWebBuild(), 180_000);
beforeEach(async () => {
  rig = await startWebRig();
  page = rig.page;
  await setUpCustomer();
});
afterEach(async () => {
  const errors = [...rig.pageErrors];
  await rig.close();
  expect(errors).toEqual([]);
});

describe('signing in', () => {
  it('refuses an unknown token and lets a beheerder in with theirs, in Dutch or English', async () => {
    await signIn('not-a-token');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('onbekend of ingetrokken');
    await rig.screenshot('login');
    await page.getByLabel('API-token').fill(adminToken);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await expect(page.getByTestId('role').textContent()).resolves.toBe('Beheerder');
    await page.getByText('EN', { exact: true }).click();
    await expect(page.getByRole('link', { name: 'Call plans' }).count()).resolves.toBe(1);
    await expect(page.getByTestId('role').textContent()).resolves.toBe('Administrator');
  });

  it('shows a VoIP user their own account and not the numbers or plans', async () => {
    await signIn(userToken);
    await expect(page.getByTestId('role').textContent()).resolves.toBe('VoIP-gebruiker');
    await expect(page.getByTestId('account-username').textContent()).resolves.toBe('201');
    await expect(page.getByRole('link', { name: 'Nummers' }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Belplannen' }).count()).resolves.toBe(0);
  });
});

describe('numbers', () => {
  it('lists type, tariff, status and live plan, and suspends and resumes a number', async () => {
    await signIn(adminToken);
    const row = page.locator('tr[data-number="09091234567"]');
    await row.waitFor();
    // Intl writes a no-break space between € and the amount.
    const cells = (await row.locator('td').allTextContents()).map((c) => c.replace(/\s/g, ' '));
    expect(cells.slice(0, 5)).toEqual(['09091234567', '0909', '€ 0,80 per minuut', 'Actief', 'Bereikbaarheid (versie 1)']);
    await expect(page.locator('tr[data-number="08001234567"] td').nth(4).textContent()).resolves.toBe('Geen belplan');
    await rig.screenshot('numbers');

    await row.getByRole('button', { name: 'Buiten gebruik stellen' }).click();
    await row.getByRole('button', { name: 'Weer in gebruik nemen' }).waitFor();
    await expect(row.getByTestId('number-status').textContent()).resolves.toBe('Buiten gebruik');
    const numbers = await rig.api<{ national: string; status: string }[]>('GET', `/customers/${customerId}/numbers`, adminToken);
    expect(numbers.find((n) => n.national === '09091234567')?.status).toBe('suspended');

    await row.getByRole('button', { name: 'Weer in gebruik nemen' }).click();
    await row.getByRole('button', { name: 'Buiten gebruik stellen' }).waitFor();
    const after = await rig.api<{ national: string; status: string }[]>('GET', `/customers/${customerId}/numbers`, adminToken);
    expect(after.find((n) => n.national === '09091234567')?.status).toBe('active');
  });
});

describe('accounts and phones', () => {
  it('creates an account with a one-time password and shows which accounts have a phone registered', async () => {
    const [verkoop] = await rig.api<{ id: string; username: string }[]>('GET', `/customers/${customerId}/accounts`, adminToken);
    // The registrar's binding as a REGISTER leaves it (the registrar's own tests drive real SIPp phones).
    await rig.store.locations.save({
      accountId: verkoop.id,
      contact: 'sip:201@192.0.2.10:5062',
      source: { protocol: 'udp', host: '192.0.2.10', port: 5062 },
      callId: 'reg-1',
      cseq: 1,
      expiresAt: Date.now() + 3_600_000,
      userAgent: 'Yealink SIP-T54W 96.86.0.70',
    });
    await signIn(adminToken);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await expect(page.locator('tr[data-account="201"]').getByTestId('registrations').textContent()).resolves.toContain('Yealink SIP-T54W 96.86.0.70');
    await expect(page.locator('tr[data-account="201"]').getByTestId('registrations').textContent()).resolves.toContain('udp 192.0.2.10:5062');
    await expect(page.locator('tr[data-account="202"]').getByTestId('registration-status').textContent()).resolves.toBe('Niet geregistreerd');

    await page.getByTestId('account-new-username').fill('201');
    await page.getByTestId('account-create').click();
    await expect.poll(() => fieldError('account-new-username')).toMatch(/taken/);
    await page.getByTestId('account-new-username').fill('203');
    await page.getByTestId('account-new-name').fill('Receptie');
    await page.getByTestId('account-create').click();
    const password = (await page.getByTestId('account-password').textContent()) ?? '';
    expect(password).toMatch(/^\S{16,}$/);
    await page.locator('tr[data-account="203"]').waitFor();
    await rig.screenshot('accounts');
  });

  it('binds a Linphone softphone to an account and shows its provisioning link; a desk phone needs its MAC', async () => {
    await signIn(adminToken);
    await page.getByRole('link', { name: 'Toestellen' }).click();
    await page.getByTestId('device-model').click();
    await page.getByRole('option', { name: 'Yealink T54W' }).click();
    await page.getByTestId('device-mac').fill('not-a-mac');
    await page.getByTestId('device-create').click();
    await expect.poll(() => fieldError('device-mac')).toMatch(/MAC/);

    await page.getByTestId('device-model').click();
    await page.getByRole('option', { name: 'Linphone softphone' }).click();
    await page.locator('.mantine-MultiSelect-input', { has: page.getByTestId('device-lines') }).click();
    await page.getByRole('option', { name: '201 (Verkoop)' }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('device-create').click();
    const link = page.locator('tr[data-device="Linphone softphone"]').getByTestId('provisioning-url');
    const [device] = await rig.api<{ id: string }[]>('GET', `/customers/${customerId}/devices`, adminToken);
    const access = await rig.api<{ url: string }>('GET', `/devices/${device.id}/provisioning`, adminToken);
    await expect(link.textContent()).resolves.toBe(access.url);
    await expect(page.locator('tr[data-device="Linphone softphone"] td').nth(2).textContent()).resolves.toBe('201');
    await rig.screenshot('devices');
  });
});

describe('voicemail', () => {
  /** A box owned by account 201 with one message, recorded as the voicemail node leaves it. */
  async function boxWithMessage(): Promise<{ boxId: string; messageId: string }> {
    const accounts = await rig.api<{ id: string; username: string }[]>('GET', `/customers/${customerId}/accounts`, adminToken);
    const owner = accounts.find((a) => a.username === '201')?.id as string;
    const box = await rig.api<{ id: string }>('POST', '/voicemail-boxes', adminToken, { name: 'verkoop', ownerAccountIds: [owner] });
    const m = await rig.store.voicemail.addMessage({ boxId: box.id, customerId, caller: '0612345678', calledNumber: '+319091234567', receivedAt: Date.now(), durationSeconds: 1 });
    const file = rig.voicemail.messageFile(box.id, m.id);
    await mkdir(dirname(file), { recursive: true });
    await copyFile(new URL('../../prompts/nl/welkom.wav', import.meta.url), file);
    return { boxId: box.id, messageId: m.id };
  }

  it('plays a new message (it is then heard), downloads it and deletes it', async () => {
    const { boxId, messageId } = await boxWithMessage();
    await signIn(adminToken);
    await page.getByRole('link', { name: 'Voicemail' }).click();
    const box = page.getByTestId('box-verkoop');
    await expect(box.getByTestId('box-new').textContent()).resolves.toBe('1 nieuw');
    const row = box.locator('tr[data-message="0612345678"]');
    await expect(row.getByTestId('message-state').textContent()).resolves.toBe('Nieuw');

    await row.getByTestId(`play-message-${messageId}`).click();
    await expect.poll(() => row.getByTestId(`audio-message-${messageId}`).evaluate((el) => (el as unknown as { duration: number }).duration)).toBeGreaterThan(0.5);
    await expect.poll(() => row.getByTestId('message-state').textContent()).toBe('Beluisterd');
    const [message] = await rig.api<{ heard: boolean }[]>('GET', `/voicemail-boxes/${boxId}/messages`, adminToken);
    expect(message.heard).toBe(true);
    await rig.screenshot('voicemail');

    const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId(`download-message-${messageId}`).click()]);
    expect(download.suggestedFilename()).toBe(`voicemail-0612345678-${messageId}.wav`);
    const saved = await readFile((await download.path()) as string);
    expect(saved.equals(await readFile(new URL('../../prompts/nl/welkom.wav', import.meta.url)))).toBe(true);

    await row.getByTestId(`delete-message-${messageId}`).click();
    await box.getByText('Geen berichten.').waitFor();
    await expect(rig.api('GET', `/voicemail-boxes/${boxId}/messages`, adminToken)).resolves.toEqual([]);
  });

  it("shows a VoIP user the boxes their account owns, not a colleague's", async () => {
    await boxWithMessage();
    await signIn(userToken);
    await page.getByRole('link', { name: 'Voicemail' }).click();
    await page.getByTestId('box-verkoop').locator('tr[data-message="0612345678"]').waitFor();
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await signIn(colleagueToken);
    await page.getByRole('link', { name: 'Voicemail' }).click();
    await page.getByText('Nog geen voicemailboxen.').waitFor();
    await expect(page.getByTestId('box-verkoop').count()).resolves.toBe(0);
  });
});

describe('prompts', () => {
  it('uploads a prompt, plays it in the browser and puts it in an announcement', async () => {
    await signIn(adminToken);
    await page.getByRole('link', { name: 'Meldteksten' }).click();
    const welkom = new URL('../../prompts/nl/welkom.wav', import.meta.url).pathname;
    await page.getByTestId('prompt-name').fill('Welkom Zomer');
    await page.locator('input[type=file]').setInputFiles(welkom);
    await page.getByTestId('prompt-upload').click();
    await expect.poll(() => fieldError('prompt-name')).toMatch(/lower-case/);

    await page.getByTestId('prompt-name').fill('welkom-zomer');
    await page.getByTestId('prompt-upload').click();
    const row = page.locator('tr[data-prompt="welkom-zomer"]');
    await row.waitFor();
    const [prompt] = await rig.api<{ ref: string; durationMs: number }[]>('GET', `/customers/${customerId}/prompts`, adminToken);
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe(prompt.ref);
    await row.getByTestId('play-welkom-zomer').click();
    // The browser decoded the WAV the server converted: its length is the prompt's.
    const audio = row.getByTestId('audio-welkom-zomer');
    await expect.poll(() => audio.evaluate((el) => (el as unknown as { duration: number }).duration)).toBeCloseTo(prompt.durationMs / 1000, 1);
    await rig.screenshot('prompts');

    await page.getByRole('link', { name: 'Belplannen' }).click();
    await page.getByRole('link', { name: 'Bereikbaarheid' }).click();
    await page.getByTestId('plan-node-welkom').click();
    await page.getByTestId('field-prompts-add').click();
    await page.getByRole('option', { name: 'welkom-zomer' }).click();
    await expect(page.getByTestId('field-prompts').inputValue()).resolves.toBe(`nl/welkom, ${prompt.ref}`);
    await page.getByTestId('save').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Opgeslagen als versie 2');
    const v2 = await rig.api<{ plan: { nodes: { welkom: { prompts: string[] } } } }>('GET', `/plans/${planId}/versions/2`, adminToken);
    expect(v2.plan.nodes.welkom.prompts).toEqual(['nl/welkom', prompt.ref]);
  });
});

describe('the call plan editor', () => {
  it('draws every node of the plan with its transitions', async () => {
    await openPlan();
    const ids = await page.locator('[data-testid^="plan-node-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(ids.sort()).toEqual(
      ['bezet', 'gesloten', 'keuzemenu', 'niet-bereikbaar', 'ophangen', 'openingstijden', 'support', 'support-bellen', 'tot-ziens', 'verkoop', 'verkoop-bellen', 'welkom']
        .map((id) => `plan-node-${id}`)
        .sort(),
    );
    // The menu's options and fallback, as planGraph.ts nodeTargets gives them.
    for (const label of ['toets 1', 'toets 2', 'fallback', 'open', 'closed', 'onBusy']) {
      // Edges are drawn once xyflow has measured the nodes: wait for each label.
      await page.locator('.react-flow__edge-text', { hasText: label }).first().waitFor();
    }
  });

  it('shows a timeout below the minimum at the field, and saves once it is fixed', async () => {
    await openPlan();
    await editMenuTimeout('500');
    await expect(fieldError('field-timeoutMs')).resolves.toMatch(/1000/);
    await expect(page.getByTestId('save').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('plan-node-keuzemenu').getAttribute('data-invalid')).resolves.toBe('true');
    await rig.screenshot('plan-editor-error');

    await page.getByTestId('field-timeoutMs').fill('4000');
    await expect(fieldError('field-timeoutMs')).resolves.toBeUndefined();
    await page.getByTestId('save').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Opgeslagen als versie 2');
    const v2 = await rig.api<{ plan: { nodes: { keuzemenu: { timeoutMs: number } } }; live: boolean }>('GET', `/plans/${planId}/versions/2`, adminToken);
    expect(v2.plan.nodes.keuzemenu.timeoutMs).toBe(4000);
    expect(v2.live).toBe(false);
  });

  it('simulates the draft: the path lights up in the graph and the prompts the caller hears are listed', async () => {
    await openPlan();
    // Tuesday 24 November 2026, 10:00 in Amsterdam: the office is open. The caller presses 2.
    await page.getByTestId('sim-at').fill('2026-11-24T10:00');
    await page.getByTestId('sim-keys').fill('2');
    await page.getByTestId('sim-run').click();
    await page.getByTestId('sim-result').waitFor();
    await expect(page.getByTestId('sim-heard').locator('li').allTextContents()).resolves.toEqual(['nl/welkom', 'nl/menu-keuze', 'nl/doorverbinden']);
    await expect(page.getByTestId('sim-end').textContent()).resolves.toBe('answered');
    for (const id of ['openingstijden', 'welkom', 'keuzemenu', 'support', 'support-bellen']) {
      await expect(page.getByTestId(`plan-node-${id}`).getAttribute('data-onpath')).resolves.toBe('true');
    }
    for (const id of ['verkoop', 'gesloten', 'bezet']) {
      await expect(page.getByTestId(`plan-node-${id}`).getAttribute('data-onpath')).resolves.toBe('false');
    }
    await expect.poll(() => page.locator('.react-flow__edge.animated').count()).toBe(4);
    await rig.screenshot('plan-simulation');

    // Support (account 202) is busy: the caller hears the busy message and is sent off.
    await page.getByTestId('sim-target-202').getByText('In gesprek').click();
    await page.getByTestId('sim-run').click();
    await expect
      .poll(() => page.getByTestId('sim-heard').locator('li').allTextContents())
      .toEqual(['nl/welkom', 'nl/menu-keuze', 'nl/doorverbinden', 'nl/bezet', 'nl/tot-ziens']);
    await expect(page.getByTestId('plan-node-bezet').getAttribute('data-onpath')).resolves.toBe('true');

    // Sunday: closed.
    await page.getByTestId('sim-at').fill('2026-11-29T10:00');
    await page.getByTestId('sim-run').click();
    await expect.poll(() => page.getByTestId('sim-heard').locator('li').allTextContents()).toEqual(['nl/gesloten', 'nl/tot-ziens']);
  });

  it('simulates the unsaved draft, not the live version', async () => {
    await openPlan();
    await page.getByTestId('plan-node-gesloten').click();
    await page.getByTestId('field-prompts').fill('nl/bezet');
    await page.getByTestId('sim-at').fill('2026-11-29T10:00');
    await page.getByTestId('sim-run').click();
    await expect.poll(() => page.getByTestId('sim-heard').locator('li').allTextContents()).toEqual(['nl/bezet', 'nl/tot-ziens']);
  });

  it('adds a voicemail step behind menu key 3, and deleting a step shows the transitions that led to it', async () => {
    const box = await rig.api<{ id: string }>('POST', '/voicemail-boxes', adminToken, { name: 'verkoop' });
    await openPlan();
    await page.getByTestId('new-node-id').fill('verkoop-voicemail');
    await page.getByTestId('new-node-type').click();
    await page.getByRole('option', { name: 'Voicemail', exact: true }).click();
    await page.getByTestId('add-node').click();
    // A new step's empty fields are the plan schema's errors, at those fields.
    await expect(fieldError('field-box')).resolves.toMatch(/\S/);
    // The customer's boxes to pick from (test/web/planSelects.test.ts covers the selects).
    await page.getByTestId('field-box').click();
    await page.getByRole('option', { name: 'verkoop', exact: true }).click();
    await expect(fieldError('field-box')).resolves.toBeUndefined();

    await page.getByTestId('plan-node-keuzemenu').click();
    await page.getByTestId('add-options').click();
    await page.getByTestId('field-options.3').click();
    await page.getByRole('option', { name: 'verkoop-voicemail', exact: true }).click();
    await page.locator('.react-flow__edge-text', { hasText: 'toets 3' }).waitFor();
    await page.getByTestId('sim-at').fill('2026-11-24T10:00');
    await page.getByTestId('sim-keys').fill('3');
    await page.getByTestId('sim-run').click();
    await expect.poll(() => page.getByTestId('sim-heard').locator('li').allTextContents()).toEqual(['nl/welkom', 'nl/menu-keuze', 'nl/voicemail-begroeting', 'nl/beep']);
    await expect(page.getByTestId('plan-node-verkoop-voicemail').getAttribute('data-onpath')).resolves.toBe('true');
    await page.getByTestId('save').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Opgeslagen als versie 2');
    const v2 = await rig.api<{ plan: { nodes: Record<string, unknown> } }>('GET', `/plans/${planId}/versions/2`, adminToken);
    expect(v2.plan.nodes['verkoop-voicemail']).toEqual({ type: 'voicemail', box: box.id });

    await page.getByTestId('plan-node-bezet').click();
    await page.getByTestId('delete-node').click();
    await page.getByTestId('plan-node-verkoop-bellen').click();
    await expect(fieldError('field-onBusy')).resolves.toContain('unknown node "bezet"');
    await expect(page.getByTestId('save').isDisabled()).resolves.toBe(true);
  });

  it('publishes a saved draft and restores version 1 as a new live version, with who and when in the history', async () => {
    await openPlan();
    await editMenuTimeout('8000');
    await page.getByTestId('save').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Opgeslagen als versie 2');
    await page.getByTestId('publish-draft').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Gepubliceerd: versie 2');
    await expect(page.getByTestId('live-version').textContent()).resolves.toBe('Live: versie 2');
    const live = await rig.api<{ liveVersion: number }>('GET', `/plans/${planId}`, adminToken);
    expect(live.liveVersion).toBe(2);

    await page.getByTestId('restore-1').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Teruggezet als versie 3');
    await expect(page.getByTestId('live-version').textContent()).resolves.toBe('Live: versie 3');
    const restored = await rig.api<{ liveVersion: number; live: { plan: { nodes: { keuzemenu: { timeoutMs: number } } } } }>('GET', `/plans/${planId}`, adminToken);
    expect(restored.liveVersion).toBe(3);
    expect(restored.live.plan.nodes.keuzemenu.timeoutMs).toBe(5000);

    const rows = page.getByTestId('history').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(3);
    await expect(rows.first().getAttribute('data-live')).resolves.toBe('true');
    await expect(rows.first().locator('td').nth(2).textContent()).resolves.toBe('beheer (beheerder)');
    await expect(rows.first().locator('td').nth(3).textContent()).resolves.toBe('teruggezet van versie 1');
    await rig.screenshot('plan-history');
  });
});
