import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.js';

/**
 * A real SMTP server in the test process (smtp-server) on 127.0.0.1 and a free port. Every
 * accepted mail is parsed with mailparser. stop() and start() close and reopen the listener on
 * the same port, to test a mail server that is down for a while; rejecting(true) keeps it up but
 * answers every mail with a temporary 451 (or, rejecting(true, 550), a permanent refusal).
 */
export interface TestSmtp {
  port: number;
  /** The SMTP_URL for our mail outbox: plain SMTP, no TLS, no auth. */
  url: string;
  /** Mails accepted so far, in order. */
  mails: ParsedMail[];
  /** Resolves once at least `count` mails were accepted; rejects after timeoutMs (default 20 s). */
  waitForMails(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  /** While true, every mail gets "451 try again later" (or the given 4xx/5xx code) and is not kept. */
  rejecting(on: boolean, code?: number): void;
  /** Number of DATA commands seen (accepted or rejected). */
  attempts(): number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const port = await freePort();
  const mails: ParsedMail[] = [];
  const waiters = new Set<() => void>();
  let reject = false;
  let rejectCode = 451;
  let attempts = 0;
  let server: SMTPServer | undefined;

  function makeServer(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      // No STARTTLS: nodemailer would upgrade and then refuse smtp-server's self-signed certificate.
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 500,
      onData(stream, _session, callback) {
        attempts++;
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (reject) {
            const text = rejectCode >= 500 ? 'mailbox unavailable' : 'try again later';
            const err = Object.assign(new Error(text), { responseCode: rejectCode });
            callback(err);
            return;
          }
          simpleParser(Buffer.concat(chunks)).then(
            (mail) => {
              mails.push(mail);
              for (const w of [...waiters]) w();
              callback();
            },
            (err: Error) => callback(err),
          );
        });
      },
    });
  }

  async function start(): Promise<void> {
    if (server !== undefined) return;
    const s = makeServer();
    await new Promise<void>((resolve, rejectListen) => {
      s.once('error', rejectListen);
      s.listen(port, '127.0.0.1', () => {
        s.removeListener('error', rejectListen);
        // A client that drops mid-session must not crash the test process.
        s.on('error', () => undefined);
        resolve();
      });
    });
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await start();
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    attempts: () => attempts,
    rejecting(on, code = 451) {
      reject = on;
      rejectCode = code;
    },
    waitForMails(count, timeoutMs = 20_000) {
      if (mails.length >= count) return Promise.resolve(mails.slice());
      return new Promise((resolve, rejectWait) => {
        const check = (): void => {
          if (mails.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(mails.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rejectWait(new Error(`expected ${count} mails on SMTP port ${port}, got ${mails.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    stop,
    start,
  };
}
