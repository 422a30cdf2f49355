import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { defineCounter } from '../http/metrics.js';
import type { Logger } from '../logger.js';

/**
 * The platform's outgoing mail (voicemail, fax-to-email): a queue on disk, delivered over SMTP
 * in the background. A mail is on disk before enqueue() resolves, so neither an unreachable
 * SMTP server nor a restart loses it; it leaves the disk only once the server accepted it.
 *
 * Layout: <dir>/<id>/mail.json plus copies of its attachments, written under <dir>/.tmp-<id>
 * and renamed into place, so a crash mid-write never leaves a half mail that looks complete.
 *
 * A mail the server refuses permanently (a 5xx reply, RFC 5321 §4.2.1: "do not repeat the
 * exact request") would otherwise be retried every 10 minutes forever. After `deadLetterAfter`
 * such refusals (MAIL_DEAD_LETTER_AFTER) it moves, whole, to <dir>/.dead-letter/<id>/ with a
 * dead-letter.json saying why: never lost, no longer retried, logged as an alert and counted in
 * /metrics (mail_dead_letter_total); /health reports how many wait there. A person fixes the
 * address or the server and moves the folder back into <dir> to send it again (on a restart).
 * Connection failures and 4xx replies are temporary and never count towards this.
 */

export interface OutgoingMail {
  to: string[];
  subject: string;
  text: string;
  attachments?: { filename: string; path: string; contentType: string }[];
}

export interface MailOutbox {
  /** Persists the mail (and copies its attachments) under DATA_DIR/outbox before resolving; delivery happens in the background with retry and backoff. */
  enqueue(mail: OutgoingMail): Promise<string /* id */>;
  /** Mails not yet delivered (for /health and tests). */
  pending(): Promise<number>;
  /** Mails moved to the dead-letter folder after repeated permanent refusals (for /health and tests). */
  dead(): Promise<number>;
  /** True when SMTP_URL is set; without it mails stay in the outbox until a restart with SMTP_URL. */
  readonly enabled: boolean;
  close(): Promise<void>;
}

export interface MailOutboxOptions {
  /** Unset: nothing is sent; mails are kept in the outbox and that is logged once. */
  smtpUrl?: string;
  from: string;
  dir: string;
  logger: Logger;
  /** Delay before the first retry, doubled per failure up to maxMs. Default 5 s … 10 min. */
  retry?: { initialMs: number; maxMs: number };
  /** Permanent (5xx) refusals of one mail before it moves to the dead-letter folder (default 5). */
  deadLetterAfter?: number;
}

/** The stored form of a mail; attachment paths are file names inside the mail's own folder. */
const StoredMail = z.object({
  id: z.string(),
  createdAt: z.string(),
  to: z.array(z.string()).min(1),
  subject: z.string(),
  text: z.string(),
  attachments: z.array(z.object({ filename: z.string(), file: z.string(), contentType: z.string() })),
});
type StoredMail = z.infer<typeof StoredMail>;

const MAIL_FILE = 'mail.json';
export const DEAD_LETTER_DIR = '.dead-letter';
export const DEFAULT_DEAD_LETTER_AFTER = 5;

const deadLetters = defineCounter({ name: 'mail_dead_letter_total', help: 'Mails moved to the outbox dead-letter folder after repeated permanent SMTP refusals' });

/** A permanent refusal: the server answered 5xx (nodemailer's responseCode); anything else may pass on a retry. */
export function isPermanentFailure(err: unknown): boolean {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
const DEFAULT_RETRY = { initialMs: 5_000, maxMs: 600_000 };

/** Delay before attempt n+1 after n failures: initial·2^(n-1), capped. */
export function retryDelay(failures: number, retry: { initialMs: number; maxMs: number }): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(retry.initialMs * 2 ** exponent, retry.maxMs);
}

function newId(): string {
  // Time first so that a directory listing is in enqueue order.
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}`;
}

interface Entry {
  mail: StoredMail;
  failures: number;
  /** Of those, 5xx refusals (in this run: after a restart a mail gets `deadLetterAfter` more tries). */
  permanentFailures: number;
  dueAt: number;
}

export function createMailOutbox(opts: MailOutboxOptions): MailOutbox {
  const retry = opts.retry ?? DEFAULT_RETRY;
  const deadLetterAfter = opts.deadLetterAfter ?? DEFAULT_DEAD_LETTER_AFTER;
  const deadDir = join(opts.dir, DEAD_LETTER_DIR);
  const log = opts.logger.child({ component: 'mail-outbox' });
  const transport = opts.smtpUrl !== undefined ? nodemailer.createTransport(opts.smtpUrl) : undefined;
  const queue = new Map<string, Entry>();
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;
  let closed = false;

  if (transport === undefined) {
    log.warn({ dir: opts.dir }, 'SMTP_URL is unset: mail is kept in the outbox and not sent');
  }

  async function loadExisting(): Promise<void> {
    await mkdir(opts.dir, { recursive: true });
    const names = (await readdir(opts.dir)).filter((n) => !n.startsWith('.')).sort();
    for (const name of names) {
      const file = join(opts.dir, name, MAIL_FILE);
      try {
        const mail = StoredMail.parse(JSON.parse(await readFile(file, 'utf8')));
        queue.set(mail.id, { mail, failures: 0, permanentFailures: 0, dueAt: 0 });
      } catch (err) {
        // Left in place for a person to look at; it is not counted as pending.
        log.error({ file, err: String(err) }, 'unreadable mail in the outbox, skipped');
      }
    }
    // Half-written mails from a crash during enqueue: the caller never got an id for them.
    for (const name of (await readdir(opts.dir)).filter((n) => n.startsWith('.tmp-'))) {
      await rm(join(opts.dir, name), { recursive: true, force: true });
    }
    if (queue.size > 0) log.info({ pending: queue.size }, 'outbox holds mail from before the restart');
  }

  const ready = loadExisting().then(
    () => schedule(),
    (err: unknown) => log.error({ dir: opts.dir, err: String(err) }, 'cannot read the mail outbox'),
  );

  function schedule(): void {
    if (closed || transport === undefined || sending !== undefined) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    let next: number | undefined;
    for (const entry of queue.values()) next = next === undefined ? entry.dueAt : Math.min(next, entry.dueAt);
    if (next === undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      sending = sendDue().finally(() => {
        sending = undefined;
        schedule();
      });
    }, Math.max(0, next - Date.now()));
  }

  /** Sends every due mail, one at a time, so that a mail is never in flight twice. */
  async function sendDue(): Promise<void> {
    for (const [id, entry] of [...queue.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (closed) return;
      if (entry.dueAt > Date.now()) continue;
      await deliver(id, entry);
    }
  }

  async function deliver(id: string, entry: Entry): Promise<void> {
    const folder = join(opts.dir, id);
    const { mail } = entry;
    try {
      await transport!.sendMail({
        from: opts.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        attachments: mail.attachments.map((a) => ({
          filename: a.filename,
          path: join(folder, a.file),
          contentType: a.contentType,
        })),
        headers: { 'X-ContactSuite-Mail-Id': id },
      });
    } catch (err) {
      entry.failures++;
      if (isPermanentFailure(err) && ++entry.permanentFailures >= deadLetterAfter) {
        await moveToDeadLetter(id, entry, err);
        return;
      }
      const delayMs = retryDelay(entry.failures, retry);
      entry.dueAt = Date.now() + delayMs;
      log.warn({ id, to: mail.to, failures: entry.failures, retryInMs: delayMs, err: String(err) }, 'mail not delivered, will retry');
      return;
    }
    queue.delete(id);
    log.info({ id, to: mail.to, subject: mail.subject }, 'mail delivered');
    try {
      await rm(folder, { recursive: true, force: true });
    } catch (err) {
      // Delivered already: a leftover folder would be sent again after a restart, so say so loudly.
      log.error({ id, folder, err: String(err) }, 'delivered mail could not be removed from the outbox');
    }
  }

  /** Takes the mail out of the queue into the dead-letter folder, with the reason next to it. */
  async function moveToDeadLetter(id: string, entry: Entry, err: unknown): Promise<void> {
    const { mail } = entry;
    const target = join(deadDir, id);
    try {
      await mkdir(deadDir, { recursive: true });
      const reason = { failures: entry.failures, permanentFailures: entry.permanentFailures, lastError: String(err), movedAt: new Date().toISOString() };
      await writeFile(join(opts.dir, id, 'dead-letter.json'), JSON.stringify(reason, null, 2));
      await rename(join(opts.dir, id), target);
    } catch (moveErr) {
      // Still in the outbox: retried later, as before; the next permanent refusal tries the move again.
      entry.dueAt = Date.now() + retryDelay(entry.failures, retry);
      log.error({ id, err: String(moveErr) }, 'mail could not be moved to the dead-letter folder; keeps retrying');
      return;
    }
    queue.delete(id);
    deadLetters.inc();
    log.error(
      { alert: 'mail-dead-letter', id, to: mail.to, subject: mail.subject, permanentFailures: entry.permanentFailures, folder: target, err: String(err) },
      'mail refused permanently by the SMTP server; moved to the dead-letter folder',
    );
  }

  return {
    enabled: transport !== undefined,

    async enqueue(input) {
      if (closed) throw new Error('mail outbox is closed');
      await ready;
      if (input.to.length === 0) throw new Error(`mail "${input.subject}" has no recipients`);
      const id = newId();
      const tmp = join(opts.dir, `.tmp-${id}`);
      await mkdir(tmp, { recursive: true });
      try {
        const attachments: StoredMail['attachments'] = [];
        for (const [i, a] of (input.attachments ?? []).entries()) {
          const file = `attachment-${i}-${basename(a.filename).replace(/[^\w.-]/g, '_')}`;
          try {
            await copyFile(a.path, join(tmp, file));
          } catch (err) {
            throw new Error(`attachment ${a.filename}: cannot copy ${a.path}: ${String(err)}`);
          }
          attachments.push({ filename: a.filename, file, contentType: a.contentType });
        }
        const mail: StoredMail = {
          id,
          createdAt: new Date().toISOString(),
          to: input.to,
          subject: input.subject,
          text: input.text,
          attachments,
        };
        await writeFile(join(tmp, MAIL_FILE), JSON.stringify(mail, null, 2));
        await rename(tmp, join(opts.dir, id));
        queue.set(id, { mail, failures: 0, permanentFailures: 0, dueAt: Date.now() });
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
      log.info({ id, to: input.to, subject: input.subject }, 'mail queued');
      schedule();
      return id;
    },

    async pending() {
      await ready;
      return queue.size;
    },

    async dead() {
      await ready;
      try {
        return (await readdir(deadDir, { withFileTypes: true })).filter((d) => d.isDirectory()).length;
      } catch {
        return 0;
      }
    },

    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await ready;
      await sending;
      transport?.close();
    },
  };
}
