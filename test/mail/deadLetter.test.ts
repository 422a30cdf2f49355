/*
 * A mail the SMTP server refuses permanently (5xx) is not retried forever: after
 * deadLetterAfter refusals it moves, whole, to the outbox's dead-letter folder (never lost),
 * an alert is logged and counted in /metrics, and /health reports the backlog without failing.
 * Temporary failures (4xx, server down) never send a mail there.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../../src/http/health.js';
import { registry } from '../../src/http/metrics.js';
import { silentLogger } from '../../src/logger.js';
import { createMailOutbox, DEAD_LETTER_DIR, isPermanentFailure, type MailOutbox } from '../../src/mail/MailOutbox.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

const FAST = { initialMs: 30, maxMs: 120 };

describe('isPermanentFailure', () => {
  it.each([
    ['550 mailbox unavailable', { responseCode: 550 }, true],
    ['554 transaction failed', { responseCode: 554 }, true],
    ['451 try again later', { responseCode: 451 }, false],
    ['421 service not available', { responseCode: 421 }, false],
    ['connection refused (no reply at all)', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' }), false],
    ['not an error object', undefined, false],
  ])('%s', (_name, err, permanent) => {
    expect(isPermanentFailure(err)).toBe(permanent);
  });
});

describe('dead-letter folder', () => {
  let smtp: TestSmtp;
  let dir: string;
  const outboxes: MailOutbox[] = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    dir = await mkdtemp(join(tmpdir(), 'outbox-dead-'));
  });
  afterAll(async () => {
    for (const o of outboxes) await o.close();
    await smtp.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function outbox(sub: string, deadLetterAfter = 3): MailOutbox {
    const o = createMailOutbox({ smtpUrl: smtp.url, from: 'ContactSuite <noreply@contactsuite.test>', dir: join(dir, sub), logger: silentLogger(), retry: FAST, deadLetterAfter });
    outboxes.push(o);
    return o;
  }

  async function deadLetters(): Promise<number> {
    return (await registry.getSingleMetric('mail_dead_letter_total')?.get())?.values[0]?.value ?? 0;
  }

  async function until(what: string, done: () => Promise<boolean> | boolean): Promise<void> {
    for (let i = 0; i < 400 && !(await done()); i++) await new Promise((r) => setTimeout(r, 25));
    if (!(await done())) throw new Error(`gave up waiting: ${what}`);
  }

  it('moves a mail refused permanently to the dead-letter folder after the configured refusals, with its attachment', async () => {
    const src = join(dir, 'bericht.wav');
    await writeFile(src, Buffer.from('RIFF-voicemail'));
    const o = outbox('a', 3);
    const metricBefore = await deadLetters();
    const attempts = smtp.attempts();
    smtp.rejecting(true, 550);
    let id: string;
    try {
      id = await o.enqueue({ to: ['bestaat-niet@example.nl'], subject: 'Nieuw voicemailbericht', text: 'x', attachments: [{ filename: 'bericht.wav', path: src, contentType: 'audio/wav' }] });
      await until('a dead letter', async () => (await o.dead()) === 1);
      // Refused three times, then no longer tried.
      expect(smtp.attempts() - attempts).toBe(3);
    } finally {
      smtp.rejecting(false);
    }
    expect(await o.pending()).toBe(0);
    expect(await deadLetters()).toBe(metricBefore + 1);
    // Kept whole: the mail, its attachment, and why it is there.
    const folder = join(dir, 'a', DEAD_LETTER_DIR, id);
    expect((await readdir(folder)).sort()).toEqual(['attachment-0-bericht.wav', 'dead-letter.json', 'mail.json']);
    expect((await readFile(join(folder, 'attachment-0-bericht.wav'))).toString()).toBe('RIFF-voicemail');
    const reason = JSON.parse(await readFile(join(folder, 'dead-letter.json'), 'utf8')) as { permanentFailures: number; lastError: string };
    expect(reason.permanentFailures).toBe(3);
    expect(reason.lastError).toMatch(/550/);
    // Another outbox on the same folder (a restart) does not send it again.
    await o.close();
    const before = smtp.mails.length;
    const restarted = outbox('a', 3);
    expect(await restarted.pending()).toBe(0);
    expect(await restarted.dead()).toBe(1);
    await restarted.enqueue({ to: ['kantoor@example.nl'], subject: 'Daarna', text: 'y' });
    await smtp.waitForMails(before + 1);
    expect(smtp.mails.slice(before).map((m) => m.subject)).toEqual(['Daarna']);
  });

  it('never dead-letters a mail that fails only temporarily, however often', async () => {
    const o = outbox('b', 2);
    const attempts = smtp.attempts();
    const before = smtp.mails.length;
    smtp.rejecting(true, 451);
    try {
      await o.enqueue({ to: ['kantoor@example.nl'], subject: 'Na vijf keer 451', text: 'x' });
      await until('five temporary refusals', () => smtp.attempts() >= attempts + 5);
      expect(await o.dead()).toBe(0);
      expect(await o.pending()).toBe(1);
    } finally {
      smtp.rejecting(false);
    }
    await smtp.waitForMails(before + 1);
    expect(smtp.mails.slice(before).map((m) => m.subject)).toEqual(['Na vijf keer 451']);
  });

  it('/health reports pending and dead mails without failing', async () => {
    const store = new MemoryStore();
    const o = outbox('a', 3);
    const report = await checkHealth({ isEngineConnected: () => true, store, mail: async () => ({ pending: await o.pending(), dead: await o.dead() }) });
    expect(report).toMatchObject({ status: 'ok', mail: { pending: 0, dead: 1 } });
  });
});
