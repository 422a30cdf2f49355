import type { Logger } from '../../logger.js';
import { splitCommaList, type SipMessage } from '../sip/message.js';
import type { Inbound, Peer, TransportSender } from '../transport/TransportTypes.js';
import { ExpiryQueue } from './ExpiryQueue.js';
import { AckRequest, InviteClientTransaction, NonInviteClientTransaction, type BaseClientTransaction } from './ClientTransaction.js';
import { InviteServerTransaction, LEGACY_MARK, NonInviteServerTransaction, type BaseServerTransaction } from './ServerTransaction.js';
import {
  DEFAULT_TIMERS,
  type ClientTransaction,
  type ClientTransactionHandler,
  type ServerTransaction,
  type TimerValues,
  type TransactionUser,
} from './TransactionTypes.js';

/**
 * What a transaction needs from its layer. Internal to src/engine/transaction: the transactions
 * remove themselves from the maps on termination, so the layer never scans for dead ones.
 */
export interface TransactionContext {
  readonly sender: TransportSender;
  readonly timers: TimerValues;
  readonly logger: Logger;
  readonly servers: Map<string, BaseServerTransaction>;
  readonly clients: Map<string, BaseClientTransaction>;
  /** Timers J and L (64*T1) of server transactions. */
  readonly lingerLong: ExpiryQueue;
  /** Timer I (T4) of INVITE server transactions. */
  readonly lingerShort: ExpiryQueue;
}

/** RFC 3261 §8.1.1.7: branches starting with this were made by an RFC 3261 element. */
const MAGIC_COOKIE = 'z9hG4bK';

/**
 * The RFC 3261 §17 transaction layer (with the RFC 6026 Accepted states). It sits between the
 * transports (which parse) and the transaction user (the drachtio core), absorbing
 * retransmissions in both directions.
 */
export class TransactionLayer {
  private readonly ctx: TransactionContext;
  private readonly tu: TransactionUser;

  constructor(opts: { sender: TransportSender; tu: TransactionUser; timers?: TimerValues; logger: Logger }) {
    this.tu = opts.tu;
    const timers = opts.timers ?? DEFAULT_TIMERS;
    this.ctx = {
      sender: opts.sender,
      timers,
      logger: opts.logger,
      servers: new Map(),
      clients: new Map(),
      lingerLong: new ExpiryQueue(64 * timers.T1),
      lingerShort: new ExpiryQueue(timers.T4),
    };
  }

  /**
   * Feed every parsed message received from any transport. Requests are matched to server
   * transactions (§17.2.3), responses to client transactions (§17.1.3); what is not absorbed
   * goes to the transaction user.
   */
  receive(inbound: Inbound): void {
    if (inbound.msg.isRequest) this.receiveRequest(inbound);
    else this.receiveResponse(inbound);
  }

  /**
   * Start a client transaction for a complete request (its top Via carries a unique z9hG4bK
   * branch). The request is serialized once; retransmissions send the same bytes. An ACK is
   * sent once and gets no transaction (§17.1.1.3: the ACK for a 2xx is the TU's business); the
   * returned object is already terminated.
   */
  sendRequest(req: SipMessage, peer: Peer, handler: ClientTransactionHandler): ClientTransaction {
    const via = parseTopVia(req);
    if (via === undefined || via.branch === '') {
      throw new Error(`sendRequest: ${req.method} ${req.uri} has no top Via with a branch parameter`);
    }
    const ctx = this.ctx;
    const key = via.branch + '\n' + req.method;
    if (req.method === 'ACK') {
      const ack = new AckRequest(ctx, key, req, peer, handler);
      ack.start();
      return ack;
    }
    if (ctx.clients.has(key)) {
      throw new Error(`sendRequest: a ${req.method} client transaction with branch ${via.branch} already exists`);
    }
    let txn: BaseClientTransaction;
    if (req.method === 'INVITE') {
      const cseq = parseCSeq(req.get('cseq'));
      txn = new InviteClientTransaction(ctx, key, req, peer, handler, cseq?.seq ?? '1');
    } else {
      txn = new NonInviteClientTransaction(ctx, key, req, peer, handler);
    }
    ctx.clients.set(key, txn);
    txn.start();
    return txn;
  }

  /** The INVITE server transaction a CANCEL refers to (§9.2: same top Via branch and sent-by, method INVITE), if still alive. */
  findInviteForCancel(cancel: Inbound): ServerTransaction | undefined {
    const key = serverKey(cancel.msg, 'INVITE');
    return key === undefined ? undefined : this.ctx.servers.get(key);
  }

  /** Counts for metrics. */
  stats(): { server: number; client: number } {
    return { server: this.ctx.servers.size, client: this.ctx.clients.size };
  }

  /** Stop all timers and drop all transactions (engine shutdown). No callbacks fire. */
  close(): void {
    for (const t of this.ctx.servers.values()) t.drop();
    for (const t of this.ctx.clients.values()) t.drop();
    this.ctx.lingerLong.clear();
    this.ctx.lingerShort.clear();
    this.ctx.servers.clear();
    this.ctx.clients.clear();
  }

  private receiveRequest(inbound: Inbound): void {
    const msg = inbound.msg;
    const isAck = msg.method === 'ACK';
    const key = serverKey(msg, isAck ? 'INVITE' : msg.method);
    if (key === undefined) {
      // §8.2: without a Via there is nowhere to send a response.
      this.ctx.logger.debug({ method: msg.method, source: inbound.source }, 'request without a usable Via dropped');
      return;
    }
    const txn = this.ctx.servers.get(key);
    if (txn !== undefined) {
      if (!isAck) {
        txn.receiveRetransmission();
        return;
      }
      // RFC 2543 peers: the ACK must also carry the To tag of the response we sent (§17.2.3).
      const legacyMismatch = key.charCodeAt(0) === LEGACY_MARK && !sameToTag(msg, txn.lastResponse);
      // Not absorbed: an ACK for a 2xx (Accepted state, RFC 6026 §7.1) belongs to the TU.
      if (!legacyMismatch && txn.receiveAck()) return;
      this.tu.onRequest(inbound, undefined);
      return;
    }
    if (isAck) {
      // The ACK for a 2xx is its own transaction at the TU (§17.1.1.3, RFC 6026 §7.1).
      this.tu.onRequest(inbound, undefined);
      return;
    }
    let created: BaseServerTransaction;
    if (msg.method === 'INVITE') {
      const invite = new InviteServerTransaction(this.ctx, key, inbound);
      this.ctx.servers.set(key, invite);
      invite.sendTrying();
      created = invite;
    } else {
      created = new NonInviteServerTransaction(this.ctx, key, inbound);
      this.ctx.servers.set(key, created);
    }
    this.tu.onRequest(inbound, created);
  }

  private receiveResponse(inbound: Inbound): void {
    const msg = inbound.msg;
    const branch = topViaBranch(msg);
    const cseq = parseCSeq(msg.get('cseq'));
    const txn = branch && cseq ? this.ctx.clients.get(branch + '\n' + cseq.method) : undefined;
    if (txn === undefined) {
      this.tu.onStrayResponse(inbound);
      return;
    }
    txn.receiveResponse(inbound);
  }
}

/* ---------- minimal private parsing: only what §17 matching needs ---------- */


interface TopVia {
  /** The whole first Via value (RFC 2543 matching compares it as a whole). */
  raw: string;
  branch: string;
  /** host[:port], lower case, without whitespace. */
  sentBy: string;
}

const VIA_SENT_BY = /^\s*SIP\s*\/\s*[^/\s]+\s*\/\s*[^\s;]+\s+([^;]+)/i;
const BRANCH_PARAM = /;\s*branch\s*=\s*([^;,\s]+)/i;
const TAG_PARAM = /;\s*tag\s*=\s*([^;,\s]+)/i;
const CSEQ = /^\s*(\d+)\s+(\S+)/;

function firstViaValue(msg: SipMessage): string | undefined {
  const v = msg.get('via');
  if (v === undefined) return undefined;
  const comma = v.indexOf(',');
  if (comma < 0) return v;
  // Quotes may hide commas (a quoted Via parameter); the general splitter handles that rare case.
  return v.indexOf('"') < 0 ? v.slice(0, comma).trim() : splitCommaList(v)[0];
}

function parseTopVia(msg: SipMessage): TopVia | undefined {
  const raw = firstViaValue(msg);
  if (raw === undefined) return undefined;
  const m = VIA_SENT_BY.exec(raw);
  if (m === null) return undefined;
  let sentBy = m[1].trim().toLowerCase();
  if (/\s/.test(sentBy)) sentBy = sentBy.replace(/\s+/g, '');
  const b = BRANCH_PARAM.exec(raw);
  return { raw, branch: b === null ? '' : b[1], sentBy };
}

function topViaBranch(msg: SipMessage): string | undefined {
  const raw = firstViaValue(msg);
  if (raw === undefined) return undefined;
  const b = BRANCH_PARAM.exec(raw);
  return b === null ? undefined : b[1];
}

function parseCSeq(value: string | undefined): { seq: string; method: string } | undefined {
  if (value === undefined) return undefined;
  const m = CSEQ.exec(value);
  return m === null ? undefined : { seq: m[1], method: m[2] };
}

/** The tag parameter of a From/To value (after the name-addr's '>', so URI parameters do not count). */
function headerTag(value: string | undefined): string {
  if (value === undefined) return '';
  const gt = value.lastIndexOf('>');
  const m = TAG_PARAM.exec(gt < 0 ? value : value.slice(gt));
  return m === null ? '' : m[1];
}

function sameToTag(ack: SipMessage, response: SipMessage | undefined): boolean {
  return response !== undefined && headerTag(ack.get('to')) === headerTag(response.get('to'));
}

/**
 * §17.2.3 server transaction key. RFC 3261 peers: branch + sent-by + method (ACK and, for
 * findInviteForCancel, CANCEL are looked up as INVITE). RFC 2543 peers (branch without the magic
 * cookie): Request-URI, From tag, Call-ID, CSeq number, method and the whole top Via; the To
 * tag is left out because the original INVITE has none (ACKs are checked against it separately).
 */
function serverKey(msg: SipMessage, method: string): string | undefined {
  const via = parseTopVia(msg);
  if (via === undefined) return undefined;
  if (via.branch.startsWith(MAGIC_COOKIE)) return via.branch + '\n' + via.sentBy + '\n' + method;
  const cseq = parseCSeq(msg.get('cseq'));
  return (
    '!' + msg.uri + '\n' + (msg.get('call-id') ?? '') + '\n' + headerTag(msg.get('from')) + '\n' +
    (cseq?.seq ?? '') + '\n' + method + '\n' + via.raw
  );
}
