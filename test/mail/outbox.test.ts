import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMailOutbox, retryDelay, type MailOutbox } from '../../src/mail/MailOutbox.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

const FAST = { initialMs: 50, maxMs: 400 };

describe('retryDelay', () => {
  it.each([
    [1, 50],
    [2, 100],
    [3, 200],
    [4, 400],
    [5, 400],
    [80, 400],
  ])('after %i failures waits %i ms', (failures, ms) => {
    expect(retryDelay(failures, FAST)).toBe(ms);
  });
});

describe('mail outbox', () => {
  let smtp: TestSmtp;
  let dir: string;
  const outboxes: MailOutbox[] = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    dir = await mkdtemp(join(tmpdir(), 'outbox-test-'));
  });
  afterAll(async () => {
    for (const o of outboxes) await o.close();
    await smtp.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function outbox(sub: string, withSmtp = true): MailOutbox {
    const o = createMailOutbox({
      ...(withSmtp ? { smtpUrl: smtp.url } : {}),
      from: 'ContactSuite <noreply@contactsuite.test>',
      dir: join(dir, sub),
      logger: silentLogger(),
      retry: FAST,
    });
    outboxes.push(o);
    return o;
  }

  async function waitPending(o: MailOutbox, n: number): Promise<void> {
    for (let i = 0; i < 400 && (await o.pending()) !== n; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await o.pending()).toBe(n);
  }

  it('delivers a mail with its attachment to every recipient, and empties the outbox', async () => {
    const src = join(dir, 'bericht.wav');
    await writeFile(src, Buffer.from('RIFF-not-really-a-wav'));
    const o = outbox('a');
    const before = smtp.mails.length;
    const id = await o.enqueue({
      to: ['jan@example.nl', 'piet@example.nl'],
      subject: 'Nieuw voicemailbericht',
      text: 'Er is een bericht ingesproken.',
      attachments: [{ filename: 'bericht.wav', path: src, contentType: 'audio/wav' }],
    });
    // The source may go away right after enqueue: the outbox holds its own copy.
    await rm(src);
    const mails = await smtp.waitForMails(before + 1);
    const mail = mails[before]!;
    expect(mail.subject).toBe('Nieuw voicemailbericht');
    expect(mail.headers.get('x-contactsuite-mail-id')).toBe(id);
    expect((mail.to as { value: { address: string }[] }).value.map((v) => v.address)).toEqual([
      'jan@example.nl',
      'piet@example.nl',
    ]);
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([
      ['bericht.wav', 'audio/wav', 'RIFF-not-really-a-wav'],
    ]);
    await waitPending(o, 0);
    expect(await readdir(join(dir, 'a'))).toEqual([]);
  });

  it('refuses an attachment it cannot read, naming the file, and keeps nothing of it', async () => {
    const o = outbox('b');
    await expect(
      o.enqueue({ to: ['a@example.nl'], subject: 's', text: 't', attachments: [{ filename: 'x.pdf', path: join(dir, 'missing.pdf'), contentType: 'application/pdf' }] }),
    ).rejects.toThrow(/missing\.pdf/);
    expect(await o.pending()).toBe(0);
    expect(await readdir(join(dir, 'b'))).toEqual([]);
  });

  it('keeps a mail while SMTP is down and delivers it exactly once when it is back', async () => {
    const o = outbox('c');
    await smtp.stop();
    const before = smtp.mails.length;
    try {
      await o.enqueue({ to: ['kantoor@example.nl'], subject: 'Tijdens storing', text: 'x' });
      // Several failed attempts happen while the server is down (connection refused).
      await new Promise((r) => setTimeout(r, 600));
      expect(await o.pending()).toBe(1);
    } finally {
      await smtp.start();
    }
    await smtp.waitForMails(before + 1);
    await waitPending(o, 0);
    // Longer than the largest backoff: no second copy arrives.
    await new Promise((r) => setTimeout(r, 900));
    expect(smtp.mails.slice(before).map((m) => m.subject)).toEqual(['Tijdens storing']);
  });

  it('retries a mail the server answers with a temporary error', async () => {
    const o = outbox('d');
    const before = smtp.mails.length;
    const attempts = smtp.attempts();
    smtp.rejecting(true);
    try {
      await o.enqueue({ to: ['kantoor@example.nl'], subject: 'Na 451', text: 'x' });
      for (let i = 0; i < 200 && smtp.attempts() < attempts + 2; i++) await new Promise((r) => setTimeout(r, 25));
      expect(smtp.attempts()).toBeGreaterThanOrEqual(attempts + 2);
    } finally {
      smtp.rejecting(false);
    }
    await smtp.waitForMails(before + 1);
    expect(smtp.mails.slice(before).map((m) => m.subject)).toEqual(['Na 451']);
  });

  it('survives a restart: a mail queued without SMTP is sent by the next outbox on the same folder', async () => {
    const first = outbox('e', false);
    expect(first.enabled).toBe(false);
    await first.enqueue({ to: ['kantoor@example.nl'], subject: 'Na herstart', text: 'x' });
    expect(await first.pending()).toBe(1);
    await first.close();
    const before = smtp.mails.length;
    const second = outbox('e');
    await smtp.waitForMails(before + 1);
    expect(smtp.mails[before]!.subject).toBe('Na herstart');
    await waitPending(second, 0);
  });
});
