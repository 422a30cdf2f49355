/**
 * The embedded SIP engine: a drop-in for drachtio-server. SIP sockets (UDP, TCP) feed the
 * transaction layer; the drachtio core is its transaction user and serves apps on the
 * control port with the drachtio protocol (../shared/drachtio-protocol.md).
 */
import type { Logger } from '../logger.js';
import { ControlServer } from './drachtio/ControlServer.js';
import { Core } from './drachtio/Core.js';
import { SCANNER_TO_USERS, SCANNER_USER_AGENTS } from './drachtio/spammers.js';
import type { SipMessage } from './sip/message.js';
import { TransactionLayer } from './transaction/TransactionLayer.js';
import { DEFAULT_TIMERS, type TimerValues } from './transaction/TransactionTypes.js';
import { Transports, type ListenSpec } from './transport/Transports.js';

export interface EngineOptions {
  sip: ListenSpec[];
  control: { host: string; port: number; secret: string };
  logger: Logger;
  /** Emit cdr:attempt/start/stop frames to apps that route them (drachtio `<cdrs>true</cdrs>`). */
  cdrs?: boolean;
  timers?: TimerValues;
  /** Requests whose User-Agent matches are dropped unanswered (default: known scanners; null: none). */
  dropUserAgents?: RegExp | null;
}

function isScanner(msg: SipMessage, ua: RegExp): boolean {
  const agent = msg.get('user-agent');
  if (agent !== undefined && ua.test(agent)) return true;
  const to = msg.get('to');
  const user = to ? /sips?:([^@;>]+)@/i.exec(to)?.[1] : undefined;
  return user !== undefined && SCANNER_TO_USERS.test(user);
}

export class Engine {
  private readonly transports: Transports;
  private readonly tl: TransactionLayer;
  private readonly control: ControlServer;
  private readonly core: Core;
  private started = false;
  private scannersDropped = 0;

  constructor(private readonly opts: EngineOptions) {
    const log = opts.logger;
    const timers = opts.timers ?? DEFAULT_TIMERS;
    this.transports = new Transports(opts.sip, log);
    // The core is created below; the layer reaches it through this indirection.
    const tu = {
      onRequest: (...a: Parameters<Core['onRequest']>) => this.core.onRequest(...a),
      onStrayResponse: (...a: Parameters<Core['onStrayResponse']>) => this.core.onStrayResponse(...a),
    };
    this.tl = new TransactionLayer({ sender: this.transports, tu, timers, logger: log });
    this.control = new ControlServer(
      {
        host: opts.control.host,
        port: opts.control.port,
        secret: opts.control.secret,
        logger: log,
        hostports: () => {
          const list = this.transports.locals.map((l) => `${l.protocol}/${l.advertisedHost}:${l.port}`).join(',');
          const local = this.transports.locals.map((l) => `${l.protocol}/${l.host}:${l.port}`).join(',');
          return { hostports: list, local };
        },
      },
      {
        onFrame: (conn, tokens, sip) => this.core.onAppFrame(conn, tokens, sip),
        onClose: (conn) => this.core.onAppClose(conn),
      },
    );
    this.core = new Core(this.tl, this.transports, this.control, timers, log, opts.cdrs ?? false);
    const scannerUa = opts.dropUserAgents === undefined ? SCANNER_USER_AGENTS : opts.dropUserAgents;
    this.transports.onInbound = (inbound) => {
      try {
        if (scannerUa && inbound.msg.isRequest && isScanner(inbound.msg, scannerUa)) {
          this.scannersDropped++;
          log.debug({ from: `${inbound.source.host}:${inbound.source.port}`, ua: inbound.msg.get('user-agent') }, 'scanner request dropped');
          return;
        }
        this.tl.receive(inbound);
      } catch (err) {
        // One message that trips a bug must not stop the engine: log it and go on.
        log.error({ err: (err as Error).stack, from: `${inbound.source.host}:${inbound.source.port}` }, 'error handling sip message');
      }
    };
  }

  async start(): Promise<void> {
    await this.transports.listen();
    await this.control.listen();
    this.started = true;
    this.opts.logger.info({ sip: this.listening.sip, control: this.listening.control }, 'sip engine listening');
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.core.close();
    this.tl.close();
    await this.control.close();
    await this.transports.close();
  }

  get listening(): { sip: string[]; control: string } {
    return {
      sip: this.transports.locals.map((l) => `${l.protocol}:${l.host}:${l.port}`),
      control: `${this.opts.control.host}:${this.control.port}`,
    };
  }

  /** Whether at least one app is connected and authenticated. */
  get appsConnected(): number {
    let n = 0;
    for (const c of this.control.connections) if (c.authenticated) n++;
    return n;
  }

  stats(): Record<string, number> {
    const t = this.tl.stats();
    return {
      ...this.core.stats(),
      serverTransactions: t.server,
      clientTransactions: t.client,
      apps: this.appsConnected,
      scannersDropped: this.scannersDropped,
      ...this.transports.counters,
    };
  }
}
