import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { receiveFax } from '../api/receivedFaxes.js';
import { PLATFORM_TOKEN, startWebRig, type WebRig } from './browser.js';

/** The fax inbox in the web app (issue 9 item 7): per fax number, download the PDF, delete. */

let rig: WebRig;
let page: Page;
let adminToken: string;
let customerId: string;

async function signIn(token: string): Promise<void> {
  await page.goto(`${rig.baseUrl}/app/`);
  await page.getByLabel('API-token').fill(token);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByTestId('role').waitFor();
}

beforeEach(async () => {
  rig = await startWebRig();
  page = rig.page;
  customerId = (await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Bakkerij De Vries' })).id;
  adminToken = (await rig.api<{ token: string }>('POST', `/customers/${customerId}/tokens`, PLATFORM_TOKEN, { role: 'beheerder', label: 'beheer' })).token;
});
afterEach(async () => {
  const errors = [...rig.pageErrors];
  await rig.close();
  expect(errors).toEqual([]);
});

describe('the fax inbox', () => {
  it('lists faxes per number with sender, pages and outcome; downloads the PDF and deletes a fax', async () => {
    const faxDir = join(rig.dataDir, 'fax');
    await receiveFax(faxDir, { customerId, calledNumber: '+31858001000', caller: '0201234567', pages: 2, remoteIdent: '+31 20 1234567' });
    await receiveFax(faxDir, { customerId, calledNumber: '+31858001001', caller: '0307654321', pages: 0 });
    const other = (await rig.api<{ id: string }>('POST', '/customers', PLATFORM_TOKEN, { name: 'Tandarts Jansen' })).id;
    await receiveFax(faxDir, { customerId: other, calledNumber: '+31858002000', pages: 1 });
    const [fax] = await rig.api<{ id: string }[]>('GET', '/faxes?number=0858001000', adminToken);

    await signIn(adminToken);
    await page.getByRole('link', { name: 'Fax' }).click();
    const inbox = page.getByTestId('fax-number-0858001000');
    const row = inbox.locator(`tr[data-fax="${fax.id}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(1, 6)).toEqual(['0201234567', '+31 20 1234567', '2', '40 s', 'Ontvangen']);
    await expect(page.getByTestId('fax-number-0858001001').getByTestId('fax-outcome').textContent()).resolves.toBe('Mislukt: Far end disconnected');
    await expect(page.getByTestId('fax-number-0858002000').count()).resolves.toBe(0);
    await rig.screenshot('faxes');

    const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId(`download-fax-${fax.id}`).click()]);
    expect(download.suggestedFilename()).toBe(`fax-${fax.id}.pdf`);
    const [day, id] = fax.id.split('_');
    const saved = await readFile((await download.path()) as string);
    expect(saved.equals(await readFile(join(faxDir, day, `${id}.pdf`)))).toBe(true);

    await row.getByTestId(`delete-fax-${fax.id}`).click();
    await inbox.waitFor({ state: 'detached' });
    await expect(rig.api<{ id: string }[]>('GET', '/faxes', adminToken).then((l) => l.map((f) => f.id))).resolves.not.toContain(fax.id);
    await expect(page.getByTestId('fax-number-0858001001').count()).resolves.toBe(1);
  });
});
