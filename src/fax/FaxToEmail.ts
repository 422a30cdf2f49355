import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger.js';
import type { MailOutbox, OutgoingMail } from '../mail/MailOutbox.js';
import { FaxUnavailableError } from '../media/MediaErrors.js';
import type { Endpoint, FaxReceiveResult } from '../media/MediaTypes.js';
import type { FaxOutcome } from '../plans/nodes/fax.js';
import { faxMail, type FaxMailFacts } from './faxMail.js';

const run = promisify(execFile);

export interface FaxToEmailDeps {
  /** DATA_DIR/fax: every fax is kept here (TIFF, PDF, JSON), mailed or not. */
  dir: string;
  /** Unset: faxes are kept but not mailed (logged). */
  outbox?: Pick<MailOutbox, 'enqueue'>;
  logger: Logger;
  /** Our station id towards the sender (T.30 CSI, at most 20 characters). */
  ident?: string;
  now?: () => Date;
}

export interface FaxCall {
  endpoint: Endpoint;
  email: string[];
  calledNumber?: string;
  caller?: string;
  callId?: string;
  /** Whose number was called: the fax inbox (src/fax/FaxInbox.ts, /api/v1/faxes) shows it to that customer only. */
  customerId?: string;
  /** The plan left the node or the caller hung up: reception ends, the mail still goes out. */
  signal: AbortSignal;
}

/**
 * Fax-to-email: receives a fax on the call's endpoint into DATA_DIR/fax/<day>/<id>.tif, makes a
 * PDF of it (tiff2pdf, libtiff-tools), and queues a mail with the PDF, the page count, the
 * sender's station id and the duration, or a notice with the reason when reception failed. The
 * files stay on disk, so a fax survives a mail that cannot be delivered (the outbox retries).
 */
export class FaxToEmail {
  private readonly now: () => Date;

  constructor(private readonly deps: FaxToEmailDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async receive(call: FaxCall): Promise<FaxOutcome> {
    const startedAt = this.now();
    const day = startedAt.toISOString().slice(0, 10);
    const id = `${startedAt.toISOString().slice(11, 19).replaceAll(':', '')}-${randomBytes(4).toString('hex')}`;
    const dir = join(this.deps.dir, day);
    const base = join(dir, id);
    const log = this.deps.logger.child({ component: 'fax', fax: `${day}/${id}`, callId: call.callId });
    await mkdir(dir, { recursive: true });

    let result: FaxReceiveResult | { unavailable: string };
    try {
      result = await call.endpoint.receiveFax(`${base}.tif`, { signal: call.signal, ...(this.deps.ident ? { ident: this.deps.ident } : {}) });
    } catch (err) {
      if (!(err instanceof FaxUnavailableError)) throw err;
      result = { unavailable: err.detail };
    }
    const pages = 'unavailable' in result ? 0 : result.pages;
    log.info({ ...('unavailable' in result ? { unavailable: result.unavailable } : { success: result.success, pages, reason: result.reason, remoteIdent: result.remoteIdent, seconds: result.seconds }) }, 'fax reception ended');

    const attachment = pages > 0 ? await this.attachment(base, log) : undefined;
    const facts: FaxMailFacts = {
      result,
      receivedAt: startedAt,
      ...(call.calledNumber ? { calledNumber: call.calledNumber } : {}),
      ...(call.caller ? { caller: call.caller } : {}),
      ...(attachment ? { attachment: attachment.kind } : {}),
    };
    await writeFile(`${base}.json`, JSON.stringify({ id: `${day}/${id}`, ...facts, email: call.email, callId: call.callId, customerId: call.customerId }, null, 2));
    const mail: OutgoingMail = { to: call.email, ...faxMail(facts), ...(attachment ? { attachments: [attachment.file] } : {}) };
    if (!this.deps.outbox) {
      log.warn({ kept: `${base}.json` }, 'fax not mailed: no mail outbox (SMTP) configured');
    } else {
      try {
        await this.deps.outbox.enqueue(mail);
      } catch (err) {
        // The fax itself is on disk; an admin can resend it from there.
        log.error({ err: (err as Error).message, kept: `${base}.json` }, 'fax mail could not be queued');
      }
    }
    if ('unavailable' in result) return { success: false, pages: 0, reason: `fax unavailable: ${result.unavailable}` };
    return { success: result.success, pages, reason: result.reason };
  }

  /** The PDF of the received pages; the TIFF itself when tiff2pdf fails (the fax still reaches the customer). */
  private async attachment(base: string, log: Logger): Promise<{ kind: 'pdf' | 'tiff'; file: NonNullable<OutgoingMail['attachments']>[number] }> {
    const name = base.split('/').slice(-2).join('-');
    try {
      await run('tiff2pdf', ['-o', `${base}.pdf`, `${base}.tif`]);
      return { kind: 'pdf', file: { filename: `fax-${name}.pdf`, path: `${base}.pdf`, contentType: 'application/pdf' } };
    } catch (err) {
      log.error({ err: (err as Error).message }, 'tiff2pdf failed; attaching the TIFF');
      return { kind: 'tiff', file: { filename: `fax-${name}.tif`, path: `${base}.tif`, contentType: 'image/tiff' } };
    }
  }
}
