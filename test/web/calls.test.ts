import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type { CdrStart } from '../../src/cdr/CdrTypes.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { silentLogger } from '../../src/logger.js';
import { startNumberRig, type NumberRig } from '../calls/rig.js';
import { describeRun } from '../support/sipp.js';
import { PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/**
 * The calls screens in Debian's chromium: a call SIPp makes to a number shows up in the live
 * calls with the plan node it is in and goes away after its BYE; the CDR history with filters
 * and CSV; the 090x revenue dashboard with the figures of known CDRs.
 */

let web: WebRig | undefined;
let numbers: NumberRig | undefined;
let cdrDir: string | undefined;
let page: Page;

afterEach(async () => {
  const errors = [...(web?.pageErrors ?? [])];
  await web?.close();
  await numbers?.stop();
  if (cdrDir) await rm(cdrDir, { recursive: true, force: true });
  web = numbers = cdrDir = undefined;
  expect(errors).toEqual([]);
});

async function signIn(token: string): Promise<void> {
  await page.goto(`${web!.baseUrl}/app/`);
  await page.getByLabel('API-token').fill(token);
  await page.getByRole('button', { name: 'Inloggen' }).click();
}

async function adminOf(customerId: string): Promise<string> {
  return (await web!.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
}

/** The caller waits in the menu (a key press is never sent) until SIPp hangs up. */
const MENU = `
name: wachtrij
start: keuzemenu
nodes:
  keuzemenu:
    type: menu
    prompts: [nl/menu-keuze]
    options: { "1": ophangen }
    timeoutMs: 60000
    retries: 0
    invalid: [nl/ongeldige-keuze]
    fallback: ophangen
  ophangen: { type: hangup }
`;

describe('live calls', () => {
  it('shows a call SIPp makes, with the plan node it is in, until the caller hangs up', async () => {
    numbers = await startNumberRig(42600);
    numbers.writePlan('wachtrij', MENU);
    await numbers.planLoaded('wachtrij');
    const n = await numbers.addNumber({ e164: '+319091234567', type: '0909', planId: 'file:wachtrij' });
    web = await startWebRig({ store: numbers.store, liveCalls: numbers.liveCalls });
    page = web.page;
    await signIn(await adminOf(numbers.customerId));
    await page.getByRole('link', { name: 'Actieve gesprekken' }).click();
    await page.getByTestId('no-live-calls').waitFor();

    // The runtime's clock (fixed in the rig) set to now, so the page's duration reads as in production.
    numbers.setNow(new Date());
    // The caller stays 15 s (SIPp's -d), long enough to be seen; the page polls every 2 s.
    const sipp = await numbers.startCall('caller-hangup', '09091234567', 42590, { pauseMs: 15_000, caller: '0612345678' });
    const row = page.locator('[data-number="+319091234567"]');
    await row.waitFor({ timeout: 14_000 });
    await expect.poll(() => row.getByTestId('call-node').textContent(), { timeout: 14_000 }).toBe('keuzemenu');
    expect(await row.textContent()).toContain('0612345678');
    expect(await row.getByTestId('call-state').textContent()).toBe('In belplan');
    await web.screenshot('live-calls');

    const result = await sipp.done;
    expect(result.successful, describeRun(result)).toBe(1);
    await page.getByTestId('no-live-calls').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-number="+319091234567"]').count()).toBe(0);
    expect(await numbers.settled(n.id)).toMatchObject({ active: 0 });
  }, 60_000);
});

const OCT5 = Date.parse('2026-10-05T10:00:00+02:00');
const OCT7 = Date.parse('2026-10-07T15:30:00+02:00');

async function withCdrs(): Promise<{ customerId: string }> {
  cdrDir = await mkdtemp(join(tmpdir(), 'web-cdrs-'));
  const logger = silentLogger();
  const log = await FileCdrLog.open(cdrDir, logger);
  web = await startWebRig({ cdr: log });
  page = web.page;
  const { id: customerId } = await web.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Sterrenlijn BV' });
  const recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'web' });
  const call = async (callId: string, caller: CdrStart['caller'], startedAt: number, minutes: number, disposition: 'answered' | 'abandoned' = 'answered') => {
    const start = recorder.open({ callId, direction: 'inbound', customerId, called: '+319091234567', calledType: '0909', caller, tariff: { perMinuteCents: 90 }, startedAt });
    await recorder.close(start, { endedAt: startedAt + 7000 + minutes * 60_000, answeredAt: startedAt, disposition, ...(disposition === 'answered' ? { tariffAnnouncementEndedAt: startedAt + 7000 } : {}) });
  };
  await call('a', { number: '0612345678', restricted: false }, OCT5, 10);
  await call('b', { number: '0687654321', restricted: false }, OCT5 + 3_600_000, 2);
  await call('c', { number: '0611112222', restricted: true }, OCT7, 5);
  await call('d', { number: '0655556666', restricted: false }, OCT7 + 60_000, 0, 'abandoned');
  await recorder.stop();
  return { customerId };
}

describe('call history', () => {
  it('lists the calls of a month, filters by number and outcome, and downloads them as CSV', async () => {
    const { customerId } = await withCdrs();
    await signIn(await adminOf(customerId));
    await page.getByRole('link', { name: 'Gespreksoverzicht' }).click();
    await page.getByTestId('filter-month').fill('2026-10');
    await page.getByRole('button', { name: 'Filteren' }).click();
    await expect.poll(() => page.getByTestId('cdr-total').textContent()).toBe('4 gesprekken');
    const callers = await page.locator('[data-cdr] td:nth-child(3)').allTextContents();
    expect(callers).toEqual(['0655556666', 'Anoniem', '0687654321', '0612345678']);
    expect(await page.getByTestId('cdrs').textContent()).not.toContain('0611112222');
    await web!.screenshot('cdr-history');

    await page.getByTestId('filter-number').fill('0687');
    await page.getByRole('button', { name: 'Filteren' }).click();
    await expect.poll(() => page.getByTestId('cdr-total').textContent()).toBe('1 gesprekken');
    expect(await page.locator('[data-cdr]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cdr')))).toEqual(['b']);

    await page.getByTestId('filter-number').fill('');
    await page.getByTestId('filter-disposition').click();
    await page.getByRole('option', { name: 'Beller hing op' }).click();
    await page.getByRole('button', { name: 'Filteren' }).click();
    await page.locator('[data-cdr="d"]').waitFor();
    expect(await page.locator('[data-cdr]').count()).toBe(1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',0655556666,');
    expect(lines[1]).toContain(',abandoned,');
  }, 60_000);
});

describe('090x revenue dashboard', () => {
  it('shows the month totals and the days with calls in the chart', async () => {
    const { customerId } = await withCdrs();
    await signIn(await adminOf(customerId));
    await page.getByRole('link', { name: 'Opbrengst 090x' }).click();
    await page.getByTestId('revenue-month').fill('2026-10');
    // 10 + 2 + 5 paid minutes at € 0,90: € 15,30 incl. VAT; the abandoned call paid nothing.
    await expect.poll(() => page.getByTestId('total-revenue-incl').textContent()).toMatch(/^€\s15,30$/);
    expect(await page.getByTestId('total-calls').textContent()).toBe('3');
    expect(await page.getByTestId('total-minutes').textContent()).toBe('17,00');
    // Only the 5th and the 7th have calls: a bar each for calls (2 and 1) and minutes (12 and 5), heights in that proportion.
    const bars = page.getByTestId('chart-days').locator('.recharts-bar-rectangle path');
    await expect.poll(() => bars.count()).toBe(4);
    const [calls5, calls7, minutes5, minutes7] = (await bars.evaluateAll((p) => p.map((e) => Number(e.getAttribute('height'))))) as number[];
    expect(calls5 / calls7).toBeCloseTo(2, 2);
    expect(minutes5 / minutes7).toBeCloseTo(12 / 5, 2);
    await web!.screenshot('revenue');
  }, 60_000);
});
