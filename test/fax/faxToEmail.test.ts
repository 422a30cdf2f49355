/*
 * Fax-to-email end to end: a SIPp caller whose RTP is the test's fax machine (spandsp's
 * transmitter on a socket of the test) calls one of our numbers through the engine; the number's
 * plan receives the fax on the embedded media engine; the mail reaches a real SMTP server in the
 * test. The PDF attached must show the very pages the fax machine sent (rendered by ghostscript
 * and compared pixel for pixel), and failures must reach the customer as a notice with the reason.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaxInbox } from '../../src/fax/FaxInbox.js';
import { FaxToEmail } from '../../src/fax/FaxToEmail.js';
import { silentLogger } from '../../src/logger.js';
import { createMailOutbox, type MailOutbox } from '../../src/mail/MailOutbox.js';
import { startNumberRig, type NumberRig } from '../calls/rig.js';
import { freePort } from '../support/ports.js';
import { describeRun, runSipp, startSipp, type SippResult } from '../support/sipp.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { blockPage, difference, renderPdf, writeFaxTiff, type Bitmap } from './faxImage.js';
import { FAX_TOOLS_PRESENT, RtpFaxTransmitter } from './faxRig.js';

const NUMBERS = fileURLToPath(new URL('../scenarios/numbers/', import.meta.url));
const SENDER_ID = '+31 20 7654321';

const FAX_NUMBER = `
name: fax
start: ontvangen
nodes:
  ontvangen: { type: fax, email: [fax@helpdesk.example] }
`;

const VOICE_WITH_FAX_DETECTION = `
name: voice
onFaxTone: fax
start: hallo
nodes:
  hallo: { type: announcement, prompts: [nl/welkom, nl/menu-keuze, nl/gesloten, nl/menu-keuze], next: ophangen }
  fax: { type: fax, email: [fax@helpdesk.example], next: ophangen }
  ophangen: { type: hangup }
`;

let rig: NumberRig;
let smtp: TestSmtp;
let outbox: MailOutbox;
let dir: string;
let twoPages: string;
let onePage: string;
const TWO: Bitmap[] = [blockPage(1000, 101), blockPage(700, 202)];
const ONE: Bitmap[] = [blockPage(900, 303)];

beforeAll(async () => {
  if (!FAX_TOOLS_PRESENT) return;
  dir = mkdtempSync(join(tmpdir(), 'cs-fax-'));
  smtp = await startSmtp();
  outbox = createMailOutbox({ smtpUrl: smtp.url, from: 'fax@contactsuite.test', dir: join(dir, 'outbox'), logger: silentLogger(), retry: { initialMs: 200, maxMs: 1000 } });
  const fax = new FaxToEmail({ dir: join(dir, 'fax'), outbox, logger: silentLogger(), ident: 'ContactSuite' });
  rig = await startNumberRig(47600, { fax });
  rig.writePlan('fax', FAX_NUMBER);
  rig.writePlan('voice', VOICE_WITH_FAX_DETECTION);
  await rig.planLoaded('fax');
  await rig.planLoaded('voice');
  twoPages = join(dir, 'two-pages.tif');
  onePage = join(dir, 'one-page.tif');
  await writeFaxTiff(twoPages, TWO);
  await writeFaxTiff(onePage, ONE);
}, 30_000);

afterAll(async () => {
  if (!FAX_TOOLS_PRESENT) return;
  await rig.stop();
  await outbox.close();
  await smtp.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** SIPp calls `dialled` with the fax machine's socket as its RTP; 'wait-bye' waits for our BYE, 'hangup' hangs up after pauseMs. */
async function faxCall(how: 'wait-bye' | 'hangup', dialled: string, machine: RtpFaxTransmitter, pauseMs?: number): Promise<SippResult> {
  const opts = {
    scenario: `${NUMBERS}caller-${how}.xml`,
    remote: rig.remote,
    localPort: await freePort(),
    calls: 1,
    timeoutMs: 100_000,
    vars: { caller: '0612345678', rtp: String(machine.port) },
    extra: ['-s', dialled, ...(pauseMs !== undefined ? ['-d', String(pauseMs)] : [])],
  };
  const running = await startSipp(opts);
  machine.start();
  return running.done;
}

function pdfOf(mail: ParsedMail): ParsedMail['attachments'][number] {
  const pdfs = mail.attachments.filter((a) => a.contentType === 'application/pdf');
  expect(pdfs, 'one PDF attached').toHaveLength(1);
  return pdfs[0];
}

/** The attached PDF, rendered at the fax resolution, shows exactly `sent`, page for page. */
async function expectPdfShows(mail: ParsedMail, sent: Bitmap[]): Promise<void> {
  const file = join(dir, `attachment-${Date.now()}.pdf`);
  writeFileSync(file, pdfOf(mail).content);
  const rendered = await renderPdf(file);
  expect(rendered.map((p) => [p.width, p.height])).toEqual(sent.map((p) => [p.width, p.height]));
  for (const [i, page] of sent.entries()) expect(difference(page, rendered[i]), `page ${i + 1} differs from the page sent`).toBe(0);
}

describe.skipIf(!FAX_TOOLS_PRESENT)('fax-to-email', () => {
  it('a fax to a fax number arrives by mail as a PDF of the pages sent, with pages, sender id and duration', async () => {
    const before = smtp.mails.length;
    const n = await rig.addNumber({ e164: '+31207770001', type: 'geographic', planId: 'file:fax' });
    const machine = await RtpFaxTransmitter.open(twoPages, SENDER_ID);
    try {
      const result = await faxCall('wait-bye', '0207770001', machine);
      expect(result.successful, describeRun(result)).toBe(1);
      expect(await machine.finished()).toMatchObject({ success: true, pages: 2, remoteIdent: 'ContactSuite' });
    } finally {
      await machine.close();
    }
    const [mail] = (await smtp.waitForMails(before + 1)).slice(before);
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('fax@helpdesk.example');
    expect(mail.subject).toBe(`Fax ontvangen: 2 pagina's van ${SENDER_ID} / Fax received`);
    expect(mail.text).toContain("Er is een fax ontvangen op +31207770001.");
    expect(mail.text).toContain("Pagina's:     2");
    expect(mail.text).toContain(`Afzender-id:  ${SENDER_ID}`);
    expect(mail.text).toContain('Beller:       0612345678');
    expect(mail.text).toMatch(/Duur: {9}0:\d\d/);
    await expectPdfShows(mail, TWO);
    // The fax stays on disk after mailing (TIFF, PDF and its facts).
    const days = readdirSync(join(dir, 'fax'));
    const kept = days.flatMap((d) => readdirSync(join(dir, 'fax', d)));
    expect(kept.filter((f) => f.endsWith('.tif')).length).toBeGreaterThanOrEqual(1);
    // The fax inbox (/api/v1/faxes) finds it under the customer whose number was called.
    const inbox = await new FaxInbox(join(dir, 'fax'), silentLogger()).list({ customerId: n.customerId, calledNumber: '+31207770001' });
    expect(inbox.map((f) => [f.pages, f.remoteIdent, f.caller, f.document])).toEqual([[2, SENDER_ID, '0612345678', 'pdf']]);
    expect(rig.ended.at(-1)?.path.map((p) => [p.node, p.outcome])).toEqual([['ontvangen', 'fax received (2 pages)']]);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  }, 120_000);

  it('a fax machine that hangs up mid-transfer: the customer gets a notice with the reason, also when SMTP was down', async () => {
    const before = smtp.mails.length;
    const n = await rig.addNumber({ e164: '+31207770002', type: 'geographic', planId: 'file:fax' });
    const machine = await RtpFaxTransmitter.open(onePage, SENDER_ID);
    await smtp.stop();
    try {
      // 9 s: past the handshake and training, before the page is complete.
      const result = await faxCall('hangup', '0207770002', machine, 9_000);
      expect(result.successful, describeRun(result)).toBe(1);
      expect(machine.hangUp()?.success).toBe(false);
      // The notice waits in the outbox while the mail server is down.
      for (let i = 0; i < 200 && (await outbox.pending()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await outbox.pending()).toBe(1);
      expect(smtp.mails.length).toBe(before);
    } finally {
      await machine.close();
      await smtp.start();
    }
    const [mail] = (await smtp.waitForMails(before + 1)).slice(before);
    expect(mail.subject).toBe('Fax niet ontvangen op +31207770002 / Fax reception failed');
    expect(mail.text).toContain('Reden:        de verbinding werd verbroken voordat de fax compleet was');
    expect(mail.text).toContain("Pagina's:     0");
    expect(mail.text).toContain('Reason: The call dropped prematurely');
    expect(mail.attachments).toHaveLength(0);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  }, 60_000);

  it('a voice number whose plan listens for fax tones switches to fax reception when a fax machine calls', async () => {
    const before = smtp.mails.length;
    const n = await rig.addNumber({ e164: '+31207770003', type: 'geographic', planId: 'file:voice' });
    const machine = await RtpFaxTransmitter.open(onePage, SENDER_ID);
    try {
      const result = await faxCall('wait-bye', '0207770003', machine);
      expect(result.successful, describeRun(result)).toBe(1);
      expect(await machine.finished()).toMatchObject({ success: true, pages: 1 });
    } finally {
      await machine.close();
    }
    const [mail] = (await smtp.waitForMails(before + 1)).slice(before);
    expect(mail.subject).toBe(`Fax ontvangen: 1 pagina van ${SENDER_ID} / Fax received`);
    await expectPdfShows(mail, ONE);
    expect(rig.ended.at(-1)?.path.map((p) => [p.node, p.outcome])).toEqual([
      ['hallo', 'fax tone heard'],
      ['fax', 'fax received (1 page)'],
      ['ophangen', 'hung up (normal)'],
    ]);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  }, 120_000);

  it('the same voice plan plays its announcement to a caller who is not a fax machine', async () => {
    const n = await rig.addNumber({ e164: '+31207770004', type: 'geographic', planId: 'file:voice' });
    const result = await runSipp({
      scenario: `${NUMBERS}caller-wait-bye.xml`,
      remote: rig.remote,
      localPort: await freePort(),
      calls: 1,
      timeoutMs: 60_000,
      vars: { caller: '0612345678', rtp: String(await freePort()) },
      extra: ['-s', '0207770004'],
    });
    expect(result.successful, describeRun(result)).toBe(1);
    expect(rig.ended.at(-1)?.path.map((p) => [p.node, p.outcome])).toEqual([
      ['hallo', 'played'],
      ['ophangen', 'hung up (normal)'],
    ]);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  }, 60_000);
});
