/**
 * The drachtio core: what drachtio-server does between its SIP stack and its apps
 * (../shared/drachtio-protocol.md). It is the transaction user of the transaction layer and
 * the handler of app frames on the control port:
 *   - network requests → route to an app (`sip` frames), or answer them itself (481, 503 …);
 *   - app responses → sent in their server transaction, creating dialogs;
 *   - app requests → new client transactions (UAC), in-dialog requests, ACK, CANCEL;
 *   - network responses → back to the app that sent the request;
 *   - `proxy` → the stateful proxy in Proxy.ts.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { Logger } from '../../logger.js';
import { getParam, parseCSeq, setParam } from '../sip/headers.js';
import { SipMessage } from '../sip/message.js';
import { makeResponse, reasonPhrase } from '../sip/response.js';
import { serialize } from '../transaction/ServerTransaction.js';
import { parseUri } from '../sip/uri.js';
import { checkRequest } from '../sip/validate.js';
import type { TransactionLayer } from '../transaction/TransactionLayer.js';
import type { ClientTransaction, ServerTransaction, TimerValues, TransactionUser } from '../transaction/TransactionTypes.js';
import type { Transports } from '../transport/Transports.js';
import type { Inbound, LocalTransport, Peer, TransportProtocol } from '../transport/TransportTypes.js';
import { applyAppHeaders, ensureContentType, parseAppMessage, type AppMessage } from './appMessage.js';
import type { AppConnection, ControlServer } from './ControlServer.js';
import { type Dialog, dialogKey } from './Dialog.js';
import { Proxy } from './Proxy.js';
import { branch, hostPort, localContact, replaceLocalhost, timeOfDay, token, uriOf, uuid } from './wire.js';

/** A request from the network that an app is handling (or was handed and never answered). */
interface Incoming {
  txnId: string;
  txn: ServerTransaction;
  inbound: Inbound;
  conn: AppConnection;
  method: string;
  /** Our To tag for this request (chosen on the first response that needs one). */
  localTag?: string;
  dialog?: Dialog;
  /** The dialog the request arrived in (in-dialog requests). */
  inDialog?: Dialog;
  finalSent: boolean;
  canceled: boolean;
  /** Pending-request guard (spec §3.2.8): an app that never answers does not leak state. */
  guard?: NodeJS.Timeout;
  /** Our onTerminated callback on txn, withdrawn when we drop the request first. */
  onEnd?: () => void;
}

/** A request an app sent (UAC), until its final response. */
interface Outgoing {
  txnId: string;
  ctx: ClientTransaction | undefined;
  conn: AppConnection;
  method: string;
  request: SipMessage;
  peer: Peer;
  local: LocalTransport;
  dialog?: Dialog;
  /** Set when the request was sent inside a dialog. */
  inDialog?: Dialog;
  provisional: boolean;
  final: boolean;
  canceled: boolean;
  /** A CANCEL waiting for the first provisional response (RFC 3261 §9.1). */
  cancelWaiting?: SipMessage;
  cancelGuard?: NodeJS.Timeout;
}

const SUPPORTED_NEW = new Set(['INVITE', 'REGISTER', 'MESSAGE', 'OPTIONS', 'INFO', 'NOTIFY', 'SUBSCRIBE', 'PUBLISH']);
const PENDING_TIMEOUT_MS = 64_000;
const CANCEL_GUARD_MS = 32_000;
/** Retry-After (seconds) of our own 503 when no app takes the method. */
export const NO_APP_RETRY_AFTER_S = 5;

export interface CoreCounters {
  callsAttempted: number;
  callsAnswered: number;
  requestsRouted: number;
  rejected503: number;
}

export class Core implements TransactionUser {
  private readonly incoming = new Map<string, Incoming>();
  private readonly incomingByTxn = new Map<ServerTransaction, Incoming>();
  private readonly outgoing = new Map<string, Outgoing>();
  readonly dialogs = new Map<string, Dialog>();
  private readonly dialogsByKey = new Map<string, Dialog>();
  /**
   * Connection reuse for phones registered over TCP (spec §3.10): `user@host:port` of a
   * registered Contact → the connection the REGISTER came on, until the registration expires.
   * A phone behind NAT can only be reached that way.
   */
  private readonly flows = new Map<string, { peer: Peer; expires: number }>();
  private readonly flowSweep: NodeJS.Timeout;
  readonly proxy: Proxy;
  readonly counters: CoreCounters = { callsAttempted: 0, callsAnswered: 0, requestsRouted: 0, rejected503: 0 };

  constructor(
    private readonly tl: TransactionLayer,
    private readonly transports: Transports,
    private readonly control: ControlServer,
    private readonly timers: TimerValues,
    private readonly log: Logger,
    private readonly cdrs: boolean,
  ) {
    this.proxy = new Proxy({
      tl,
      transports,
      log,
      resolve: (uri, proto) => this.resolveUri(uri, proto),
      emitCdr: (kind, source, msg, extra) => this.cdr(kind, source, msg, extra),
    });
    this.flowSweep = setInterval(() => {
      const now = Date.now();
      for (const [k, f] of this.flows) if (f.expires <= now) this.flows.delete(k);
    }, 60_000);
    this.flowSweep.unref();
  }

  stats(): Record<string, number> {
    return {
      incoming: this.incoming.size,
      outgoing: this.outgoing.size,
      dialogs: this.dialogs.size,
      ...this.counters,
    };
  }

  close(): void {
    clearInterval(this.flowSweep);
    for (const d of this.dialogs.values()) this.clearDialogTimers(d);
    for (const i of this.incoming.values()) if (i.guard) clearTimeout(i.guard);
    for (const o of this.outgoing.values()) if (o.cancelGuard) clearTimeout(o.cancelGuard);
    this.proxy.close();
  }

  // ───────────────────────────── network → engine ─────────────────────────────

  onRequest(inbound: Inbound, txn: ServerTransaction | undefined): void {
    const msg = inbound.msg;
    if (this.proxy.handleRequest(inbound, txn)) return;
    if (msg.method === 'ACK') return this.networkAck(inbound);
    if (!txn) return;
    const toTag = getParam(msg.get('to') ?? '', 'tag');
    if (msg.method === 'CANCEL') return this.networkCancel(inbound, txn);
    if (toTag) return this.inDialogRequest(inbound, txn, toTag);
    this.newRequest(inbound, txn);
  }

  onStrayResponse(inbound: Inbound): void {
    // A 2xx retransmitted after the INVITE client transaction ended: re-send our ACK.
    const res = inbound.msg;
    if (res.status >= 200 && res.status < 300 && res.method === 'INVITE') {
      const d = this.findDialogForResponse(res);
      const cseq = parseCSeq(res.get('cseq') ?? '')?.seq;
      if (d?.lastAck && d.lastAck.cseq === cseq) {
        this.transports.send(d.lastAck.bytes, d.peer).catch(() => undefined);
        return;
      }
    }
    this.log.debug({ status: res.status, callId: res.get('call-id') }, 'response matched no transaction; dropped');
  }

  private newRequest(inbound: Inbound, txn: ServerTransaction): void {
    const msg = inbound.msg;
    const rejection = checkRequest(msg);
    if (rejection) {
      const res = makeResponse(msg, rejection.status, rejection.reason, { toTag: token() });
      for (const h of rejection.headers ?? []) res.add(h.name, h.value);
      void txn.respond(res).catch(() => undefined);
      return;
    }
    if (!SUPPORTED_NEW.has(msg.method)) {
      // drachtio-server discards these silently; we answer so that the caller's transaction
      // (and ours) ends: out-of-dialog BYE/UPDATE/PRACK have no dialog, anything else is not allowed.
      const status = msg.method === 'BYE' || msg.method === 'UPDATE' || msg.method === 'PRACK' ? 481 : 405;
      const res = makeResponse(msg, status, reasonPhrase(status), { toTag: token() });
      if (status === 405) res.set('Allow', [...SUPPORTED_NEW, 'ACK', 'CANCEL', 'BYE', 'UPDATE', 'PRACK', 'REFER'].join(', '));
      void txn.respond(res).catch(() => undefined);
      return;
    }
    const verb = msg.method.toLowerCase();
    const conn = this.control.select(verb);
    if (!conn) {
      this.counters.rejected503++;
      const res = makeResponse(msg, 503, 'Service Unavailable', { toTag: token() });
      // RFC 3261 §21.5.4: say when to try again, so that phones and trunks retry soon (an app
      // reconnects within seconds) rather than give up or mark us down for their own long time.
      res.add('Retry-After', String(NO_APP_RETRY_AFTER_S));
      void txn.respond(res).catch(() => undefined);
      if (msg.method === 'INVITE') this.cdr('cdr:stop', 'application', msg, 'call-rejected');
      return;
    }
    const txnId = uuid();
    const inc: Incoming = { txnId, txn, inbound, conn, method: msg.method, finalSent: false, canceled: false };
    this.trackIncoming(inc);
    if (msg.method === 'INVITE') {
      this.counters.callsAttempted++;
      this.cdr('cdr:attempt', 'network', msg);
    }
    this.counters.requestsRouted++;
    conn.send(this.networkFrame(inbound, txnId, '', true));
  }

  private trackIncoming(inc: Incoming): void {
    this.incoming.set(inc.txnId, inc);
    this.incomingByTxn.set(inc.txn, inc);
    inc.guard = setTimeout(() => {
      if (!inc.finalSent) {
        this.log.warn({ txnId: inc.txnId, method: inc.method }, 'app never answered request; state dropped');
        this.dropIncoming(inc);
      }
    }, PENDING_TIMEOUT_MS);
    inc.guard.unref();
    inc.onEnd = this.forgetOnTermination(inc.txnId, inc.txn);
  }

  /**
   * The callback lives as long as the transaction (up to 32 s after the final response), so it
   * is made in its own scope: a closure sharing trackIncoming's scope would keep the whole
   * request alive through `inc`.
   */
  private forgetOnTermination(txnId: string, txn: ServerTransaction): () => void {
    const cb = (): void => {
      const i = this.incoming.get(txnId);
      if (i) this.dropIncoming(i);
      this.incomingByTxn.delete(txn);
    };
    txn.onTerminated(cb);
    return cb;
  }

  private dropIncoming(inc: Incoming): void {
    if (inc.guard) clearTimeout(inc.guard);
    // The transaction may linger 32 s (Timer J) after we are done with it; it need not call us.
    if (inc.onEnd) inc.txn.offTerminated(inc.onEnd);
    inc.onEnd = undefined;
    if (this.incoming.get(inc.txnId) === inc) this.incoming.delete(inc.txnId);
    this.incomingByTxn.delete(inc.txn);
  }

  private inDialogRequest(inbound: Inbound, txn: ServerTransaction, toTag: string): void {
    const msg = inbound.msg;
    const callId = msg.get('call-id') ?? '';
    const fromTag = getParam(msg.get('from') ?? '', 'tag') ?? '';
    const d = this.dialogsByKey.get(dialogKey(callId, toTag, fromTag));
    if (!d) {
      void txn.respond(makeResponse(msg, 481, 'Call/Transaction Does Not Exist')).catch(() => undefined);
      return;
    }
    if (msg.method === 'INVITE' && !msg.get('contact')) {
      void txn.respond(makeResponse(msg, 400, 'Bad Request - missing Contact')).catch(() => undefined);
      return;
    }
    if (msg.method === 'BYE' || endsSubscription(d, msg)) this.removeDialog(d);
    const conn = d.conn;
    if (!conn || conn.closed) {
      void txn.respond(makeResponse(msg, 481, 'Call/Transaction Does Not Exist')).catch(() => undefined);
      return;
    }
    if (msg.method === 'PRACK') this.prackReceived(d, msg);
    if (msg.method === 'INVITE' || msg.method === 'UPDATE') {
      const contact = msg.get('contact');
      if (contact) d.remoteTarget = uriOf(contact);
    }
    if (msg.method === 'BYE') this.cdr('cdr:stop', 'network', msg, 'normal-release');
    const txnId = uuid();
    const inc: Incoming = { txnId, txn, inbound, conn, method: msg.method, localTag: toTag, inDialog: d, finalSent: false, canceled: false };
    this.trackIncoming(inc);
    conn.send(this.networkFrame(inbound, txnId, d.id));
  }

  /** ACK that no INVITE server transaction absorbed: the ACK for a 2xx (RFC 3261 §13.3.1.4). */
  private networkAck(inbound: Inbound): void {
    const msg = inbound.msg;
    const toTag = getParam(msg.get('to') ?? '', 'tag');
    if (!toTag) return;
    const d = this.dialogsByKey.get(dialogKey(msg.get('call-id') ?? '', toTag, getParam(msg.get('from') ?? '', 'tag') ?? ''));
    if (!d) return;
    const cseq = parseCSeq(msg.get('cseq') ?? '')?.seq;
    const p = d.pending2xx;
    if (!p || p.cseq !== cseq) return; // a retransmitted ACK: already delivered
    clearTimeout(p.timer);
    d.pending2xx = undefined;
    const initial = cseq === d.remoteInviteCSeq;
    if (initial) {
      // Call established: a late CANCEL now simply gets 481 from the transaction layer's side.
      const inc = this.incoming.get(d.inviteTxnId);
      if (inc) this.dropIncoming(inc);
    }
    if (!d.conn || d.conn.closed) return;
    const txnId = initial ? d.inviteTxnId : uuid();
    d.conn.send(this.networkFrame(inbound, txnId, d.id));
  }

  private networkCancel(inbound: Inbound, txn: ServerTransaction): void {
    const msg = inbound.msg;
    const inviteTxn = this.tl.findInviteForCancel(inbound);
    const inc = inviteTxn ? this.incomingByTxn.get(inviteTxn) : undefined;
    if (!inviteTxn || !inc) {
      void txn.respond(makeResponse(msg, 481, 'Call/Transaction Does Not Exist')).catch(() => undefined);
      return;
    }
    if (inc.finalSent) {
      void txn.respond(makeResponse(msg, 481, 'Call/Transaction Does Not Exist')).catch(() => undefined);
      const d = inc.dialog;
      if (d && d.pending2xx) this.teardown(d, 'CANCEL after 200 OK');
      return;
    }
    void txn.respond(makeResponse(msg, 200, 'OK', { toTag: inc.localTag })).catch(() => undefined);
    const tag = inc.localTag ?? (inc.localTag = token());
    void inviteTxn.respond(makeResponse(inc.inbound.msg, 487, 'Request Terminated', { toTag: tag })).catch(() => undefined);
    inc.finalSent = true;
    inc.canceled = true;
    const d = inc.dialog;
    if (d) this.removeDialog(d);
    this.cdr('cdr:stop', 'network', msg, 'call-canceled');
    if (!inc.conn.closed) inc.conn.send(this.networkFrame(inbound, inc.txnId, d ? d.id : '', d === undefined));
  }

  // ───────────────────────────── app frames ─────────────────────────────

  onAppFrame(conn: AppConnection, tokens: string[], sip: string | undefined): void {
    const msgId = tokens[0];
    if (tokens[1] === 'proxy') return this.proxy.handleFrame(conn, tokens, sip, (txnId) => this.takeForProxy(txnId));
    const parsed = sip ? parseAppMessage(sip) : undefined;
    if (!parsed) {
      conn.respond(msgId, 'NOK|Invalid message format: no SIP message');
      return;
    }
    const txnId = tokens[2] ?? '';
    const dialogId = tokens[3] ?? '';
    const m = parsed.msg;
    if (!m.isRequest) {
      if (!txnId) {
        conn.respond(msgId, 'NO|transaction id missing');
        conn.socket.end();
        return;
      }
      return this.appResponse(conn, msgId, txnId, parsed);
    }
    if (dialogId) {
      void this.appInDialogRequest(conn, msgId, dialogId, parsed).catch((err: Error) => this.appError(conn, msgId, err));
      return;
    }
    if (txnId) {
      if (m.method === 'CANCEL') return this.appCancel(conn, msgId, txnId, parsed);
      conn.respond(msgId, 'NOK|a request with a transaction id must be a CANCEL');
      return;
    }
    void this.appNewRequest(conn, msgId, parsed, tokens[4]).catch((err: Error) => this.appError(conn, msgId, err));
  }

  onAppClose(conn: AppConnection): void {
    for (const d of this.dialogs.values()) if (d.conn === conn) d.conn = undefined;
    for (const o of this.outgoing.values()) {
      if (o.conn === conn && o.method !== 'INVITE') {
        o.ctx?.terminate();
        this.outgoing.delete(o.txnId);
      }
    }
    this.proxy.onAppClose(conn);
  }

  private appError(conn: AppConnection, msgId: string, err: Error): void {
    this.log.warn({ err: err.message }, 'app request failed');
    conn.respond(msgId, `NOK|${err.message.replace(/[|\r\n]/g, ' ')}`);
  }

  /** The app answers a request we handed it (spec §2.6). */
  private appResponse(conn: AppConnection, msgId: string, txnId: string, app: AppMessage): void {
    const inc = this.incoming.get(txnId);
    if (!inc || inc.canceled) {
      conn.respond(msgId, 'NOK|Response not sent due to unknown transaction');
      return;
    }
    if (inc.method === 'CANCEL' || inc.method === 'ACK') {
      conn.respond(msgId, 'NOK|200 OK to incoming CANCEL is automatically generated by the stack');
      return;
    }
    const status = app.msg.status;
    if (inc.finalSent) {
      // A second final response: discarded (spec §2.6); echo the one already sent.
      const s = inc.inbound.source;
      conn.respond(msgId, `OK|application|0|${s.protocol}|${s.host}|${s.port}|${timeOfDay()}|${txnId}|${inc.dialog?.id ?? inc.inDialog?.id ?? ''}||Msg sent:|`);
      return;
    }
    const req = inc.inbound.msg;
    const local = inc.inbound.local;
    const res = makeResponse(req, status, app.msg.reason || reasonPhrase(status));
    // Local tag: the app's To tag if it gave one (spec §2.6), else ours.
    if (status > 100 && !getParam(req.get('to') ?? '', 'tag')) {
      if (!inc.localTag) inc.localTag = getParam(app.msg.get('to') ?? '', 'tag') ?? token();
      res.set('To', setParam(req.get('to') ?? '', 'tag', inc.localTag));
    }
    applyAppHeaders(res, app.msg, SKIP_IN_RESPONSE);
    const isInviteLike = inc.method === 'INVITE' || inc.method === 'SUBSCRIBE';
    const contact = res.get('contact');
    if (contact) res.set('Contact', replaceLocalhost(contact, local));
    else if (isInviteLike && ((status >= 200 && status < 300) || (status > 100 && status < 200 && wantsReliable(app.msg)) || (inc.inDialog && status > 100))) {
      res.set('Contact', localContact(local));
    }
    res.body = app.msg.body;
    const ctErr = ensureContentType(res);
    if (ctErr) {
      conn.respond(msgId, `NOK|${ctErr}`);
      return;
    }
    let d = inc.dialog;
    const initialInvite = isInviteLike && !inc.inDialog;
    if (initialInvite && status > 100 && status < 300 && !d) d = this.createUasDialog(inc, res);
    const reliable = inc.method === 'INVITE' && status > 100 && status < 200 && wantsReliable(app.msg);
    if (reliable) {
      const opts = (req.getAll('supported').join(',') + ',' + req.getAll('require').join(',')).toLowerCase();
      if (!opts.includes('100rel')) {
        conn.respond(msgId, 'NOK|Remote endpoint does not support 100rel');
        return;
      }
      if (d) {
        d.rseq = (d.rseq ?? Math.floor(Math.random() * 1000) + 1) + 1;
        res.set('RSeq', String(d.rseq));
        d.conn = conn;
      }
    }
    if (status >= 200) {
      inc.finalSent = true;
      if (inc.guard) clearTimeout(inc.guard);
    }
    if (d && res.body.length && status < 300) d.localSdp = res.body.toString('utf8');
    // Serialized once: the transaction sends and keeps it, the app gets it echoed.
    const wire = serialize(res);
    inc.txn.respond(res, wire).then(
      () => undefined,
      (err: Error) => this.log.debug({ err: err.message }, 'sending response failed'),
    );
    const bytes = (): Buffer => (typeof wire === 'string' ? Buffer.from(wire, 'utf8') : wire);
    if (d && reliable && d.rseq) this.startReliable(d, d.rseq, bytes(), inc.inbound);
    const isInvite = inc.method === 'INVITE';
    if (isInvite && status >= 200 && status < 300) {
      const target = d ?? inc.inDialog;
      if (target) {
        const cseq = parseCSeq(req.get('cseq') ?? '')?.seq ?? 0;
        this.start2xx(target, cseq, bytes(), inc.inbound);
      }
      if (d && initialInvite) {
        d.confirmed = true;
        d.conn = conn;
        this.counters.callsAnswered++;
        this.cdr('cdr:start', 'application', res, 'uas');
      }
    } else if (inc.method === 'SUBSCRIBE' && status >= 200 && status < 300 && d) {
      d.confirmed = true;
      d.conn = conn;
    } else if (initialInvite && status >= 300) {
      if (d) this.removeDialog(d);
      if (isInvite) this.cdr('cdr:stop', 'application', res, 'call-rejected');
    }
    if ((inc.method === 'REGISTER' || inc.method === 'SUBSCRIBE') && status >= 200 && status < 300 && inc.inbound.source.protocol === 'tcp') {
      this.rememberFlows(res, inc.inbound.source);
    }
    const dialogId = d?.id ?? inc.inDialog?.id ?? '';
    const src = inc.inbound.source;
    const text = typeof wire === 'string' ? wire : wire.toString('utf8');
    const size = typeof wire === 'string' ? Buffer.byteLength(wire, 'utf8') : wire.length;
    conn.respond(msgId, `OK|application|${size}|${src.protocol}|${src.host}|${src.port}|${timeOfDay()}|${txnId}|${dialogId}||Msg sent:|\r\n${text}`);
    if (status >= 300 || (status >= 200 && !isInvite)) this.dropIncoming(inc);
  }

  private rememberFlows(res: SipMessage, source: Peer): void {
    const defaultExpires = Number(res.get('expires') ?? '3600');
    for (const c of res.getAll('contact')) {
      const key = flowKey(uriOf(c));
      if (!key) continue;
      const exp = Number(getParam(c, 'expires') ?? defaultExpires);
      if (exp > 0) this.flows.set(key, { peer: { ...source }, expires: Date.now() + exp * 1000 });
      else this.flows.delete(key);
    }
  }

  private createUasDialog(inc: Incoming, res: SipMessage): Dialog {
    const req = inc.inbound.msg;
    const callId = req.get('call-id') ?? '';
    const remoteTag = getParam(req.get('from') ?? '', 'tag') ?? '';
    const localTag = inc.localTag ?? token();
    const rr = req.getAll('record-route');
    const contact = req.get('contact');
    const src = inc.inbound.source;
    // NAT handling (spec §3.7): with no Record-Route, in-dialog requests go back to where the
    // INVITE came from (this is also how TCP reuses the caller's connection).
    const peer: Peer = rr.length ? this.peerFromUriSync(uriOf(rr[0]), src.protocol) ?? src : { ...src };
    const d: Dialog = {
      id: `${callId};from-tag=${remoteTag}`,
      role: 'uas',
      kind: inc.method === 'SUBSCRIBE' ? 'subscribe' : 'invite',
      callId,
      localTag,
      remoteTag,
      localUri: res.get('to') ?? '',
      remoteUri: req.get('from') ?? '',
      remoteTarget: contact ? uriOf(contact) : req.uri,
      routeSet: rr,
      localContact: res.get('contact') ?? localContact(inc.inbound.local),
      localCSeq: Math.floor(Math.random() * 10000) + 1,
      inviteCSeq: 0,
      remoteInviteCSeq: parseCSeq(req.get('cseq') ?? '')?.seq ?? 0,
      peer,
      conn: inc.conn,
      confirmed: false,
      inviteTxnId: inc.txnId,
      local: inc.inbound.local,
      createdAt: Date.now(),
    };
    inc.dialog = d;
    this.addDialog(d);
    return d;
  }

  /** Our 2xx to INVITE is retransmitted until the ACK (RFC 3261 §13.3.1.4); no ACK in 64*T1 ends the call. */
  private start2xx(d: Dialog, cseq: number, bytes: Buffer, inbound: Inbound): void {
    if (d.pending2xx) clearTimeout(d.pending2xx.timer);
    const reliable = inbound.source.protocol !== 'udp';
    const deadline = Date.now() + 64 * this.timers.T1;
    const p = { cseq, bytes, interval: this.timers.T1, deadline, reliable, timer: undefined as unknown as NodeJS.Timeout };
    const tick = (): void => {
      if (d.pending2xx !== p) return;
      if (Date.now() >= p.deadline) {
        d.pending2xx = undefined;
        this.teardown(d, 'ACK timeout');
        return;
      }
      if (!p.reliable) this.transports.send(p.bytes, inbound.source).catch(() => undefined);
      p.interval = Math.min(p.interval * 2, this.timers.T2);
      p.timer = setTimeout(tick, p.reliable ? p.deadline - Date.now() : Math.min(p.interval, Math.max(1, p.deadline - Date.now())));
      p.timer.unref();
    };
    p.timer = setTimeout(tick, reliable ? 64 * this.timers.T1 : this.timers.T1);
    p.timer.unref();
    d.pending2xx = p;
  }

  /** Reliable provisional responses are retransmitted until PRACK (RFC 3262 §3). */
  private startReliable(d: Dialog, rseq: number, bytes: Buffer, inbound: Inbound): void {
    if (d.pendingReliable) clearTimeout(d.pendingReliable.timer);
    if (inbound.source.protocol !== 'udp') return;
    const p = { rseq, bytes, interval: this.timers.T1, deadline: Date.now() + 64 * this.timers.T1, timer: undefined as unknown as NodeJS.Timeout };
    const tick = (): void => {
      if (d.pendingReliable !== p || Date.now() >= p.deadline) return;
      this.transports.send(p.bytes, inbound.source).catch(() => undefined);
      p.interval = Math.min(p.interval * 2, this.timers.T2);
      p.timer = setTimeout(tick, p.interval);
      p.timer.unref();
    };
    p.timer = setTimeout(tick, p.interval);
    p.timer.unref();
    d.pendingReliable = p;
  }

  private prackReceived(d: Dialog, msg: SipMessage): void {
    const rack = (msg.get('rack') ?? '').trim().split(/\s+/);
    const p = d.pendingReliable;
    if (p && Number(rack[0]) === p.rseq) {
      clearTimeout(p.timer);
      d.pendingReliable = undefined;
    }
  }

  /** The app sends a new out-of-dialog request (spec §2.7). */
  private async appNewRequest(conn: AppConnection, msgId: string, app: AppMessage, proxyUri: string | undefined): Promise<void> {
    const m = app.msg;
    const ruri = parseUri(m.uri);
    if (!ruri || !['sip', 'sips', 'tel'].includes(ruri.scheme)) {
      conn.respond(msgId, `NOK|invalid request-uri: ${m.uri}`);
      return;
    }
    const hop = proxyUri ? proxyUri : m.uri;
    const hopUri = parseUri(hop.startsWith('sip') || hop.startsWith('tel') ? hop : `sip:${hop}`);
    if (!hopUri || hopUri.scheme === 'tel') {
      conn.respond(msgId, `NOK|invalid request-uri: ${hop}`);
      return;
    }
    const flow = proxyUri ? undefined : this.flowFor(m.uri);
    const protocol: TransportProtocol = flow ? 'tcp' : (hopUri.params.transport ?? '').toLowerCase() === 'tcp' || hopUri.scheme === 'sips' ? 'tcp' : 'udp';
    const local = this.transports.localFor(protocol);
    if (!local) {
      conn.respond(msgId, 'NOK|requested protocol/transport not available');
      return;
    }
    const peer = flow ?? (await this.resolveUri(hop, protocol));
    if (!peer) {
      conn.respond(msgId, `NOK|invalid request-uri: ${hop}`);
      return;
    }
    if (this.transports.isLocal(peer.host, peer.port)) {
      conn.respond(msgId, 'NOK|can not send request to myself');
      return;
    }
    const req = SipMessage.request(m.method, m.uri);
    req.add('Via', `SIP/2.0/${protocol.toUpperCase()} ${hostPort(local)};branch=${branch()};rport`);
    req.add('Max-Forwards', m.get('max-forwards') ?? '70');
    let from = m.get('from');
    from = from ? replaceLocalhost(from, local) : localContact(local);
    if (!getParam(from, 'tag')) from = setParam(from.includes('<') ? from : `<${from}>`, 'tag', token());
    req.add('From', from);
    req.add('To', m.get('to') ?? `<${m.uri}>`);
    const callId = m.get('call-id') ?? uuid();
    req.add('Call-ID', callId);
    const cseqNum = parseCSeq(m.get('cseq') ?? '')?.seq ?? Math.floor(Math.random() * 100000) + 1;
    req.add('CSeq', `${cseqNum} ${m.method}`);
    const appContact = m.get('contact');
    if (appContact) req.add('Contact', replaceLocalhost(appContact, local));
    else if (m.method === 'INVITE' || m.method === 'SUBSCRIBE') req.add('Contact', localContact(local));
    applyAppHeaders(req, m, SKIP_IN_NEW_REQUEST);
    for (const name of ['p-asserted-identity']) {
      const v = req.get(name);
      if (v) req.set(name === 'p-asserted-identity' ? 'P-Asserted-Identity' : name, replaceLocalhost(v, local));
    }
    req.body = m.body;
    const ctErr = ensureContentType(req);
    if (ctErr) {
      conn.respond(msgId, `NOK|${ctErr}`);
      return;
    }
    const txnId = uuid();
    const out: Outgoing = { txnId, ctx: undefined, conn, method: m.method, request: req, peer, local, provisional: false, final: false, canceled: false };
    if (m.method === 'INVITE' || m.method === 'SUBSCRIBE') {
      const localTag = getParam(from, 'tag') ?? '';
      const d: Dialog = {
        id: `${callId};from-tag=${localTag}`,
        role: 'uac',
        kind: m.method === 'SUBSCRIBE' ? 'subscribe' : 'invite',
        callId,
        localTag,
        remoteTag: undefined,
        localUri: from,
        remoteUri: req.get('to') ?? '',
        remoteTarget: m.uri,
        routeSet: [],
        localContact: req.get('contact') ?? localContact(local),
        localCSeq: cseqNum,
        inviteCSeq: cseqNum,
        remoteInviteCSeq: -1,
        peer,
        conn,
        confirmed: false,
        inviteTxnId: txnId,
        local,
        createdAt: Date.now(),
      };
      if (req.body.length) d.localSdp = req.body.toString('utf8');
      out.dialog = d;
      this.dialogs.set(d.id, d);
      if (m.method === 'INVITE') this.cdr('cdr:attempt', 'application', req);
    }
    this.outgoing.set(txnId, out);
    const bytes = req.toBuffer();
    out.ctx = this.tl.sendRequest(req, peer, this.clientHandler(out));
    conn.respond(msgId, this.sentEcho(bytes, protocol, local, txnId));
  }

  /** A request inside a dialog, ACK and PRACK included (spec §2.8, §2.9). */
  private async appInDialogRequest(conn: AppConnection, msgId: string, dialogId: string, app: AppMessage): Promise<void> {
    const m = app.msg;
    const d = this.dialogs.get(dialogId);
    if (!d) {
      conn.respond(msgId, 'NOK|Server error: unable to find dialog for dialog id provided');
      return;
    }
    if (m.method === 'ACK') return this.appAck(conn, msgId, d, m);
    const local = d.local;
    // An app-supplied CSeq (digest retry) is used when it is ahead of ours (spec §5.5).
    const appCSeq = parseCSeq(m.get('cseq') ?? '')?.seq;
    const cseq = appCSeq !== undefined && appCSeq > d.localCSeq ? appCSeq : ++d.localCSeq;
    d.localCSeq = cseq;
    const req = this.dialogRequest(d, m.method, cseq);
    const appContact = m.get('contact');
    if (appContact) req.add('Contact', replaceLocalhost(appContact, local));
    // RFC 6665 §8.2.1: a NOTIFY carries Contact too (it is a target refresh of the subscription).
    else if (m.method === 'INVITE' || m.method === 'SUBSCRIBE' || m.method === 'REFER' || m.method === 'UPDATE' || m.method === 'NOTIFY') req.add('Contact', d.localContact);
    applyAppHeaders(req, m, SKIP_IN_DIALOG);
    req.body = m.body;
    const ctErr = ensureContentType(req);
    if (ctErr) {
      conn.respond(msgId, `NOK|Server error: ${ctErr}`);
      return;
    }
    if (m.method === 'INVITE') {
      d.inviteCSeq = cseq;
      if (req.body.length) d.localSdp = req.body.toString('utf8');
    }
    if (m.method === 'PRACK' && !d.remoteTag) {
      conn.respond(msgId, 'NOK|Server error: unable to find IIP when sending PRACK');
      return;
    }
    if (m.method === 'BYE') {
      d.byeSent = true;
      this.cdr('cdr:stop', 'application', req, 'normal-release');
    }
    const txnId = uuid();
    const out: Outgoing = { txnId, ctx: undefined, conn, method: m.method, request: req, peer: d.peer, local, inDialog: d, provisional: false, final: false, canceled: false };
    this.outgoing.set(txnId, out);
    const bytes = req.toBuffer();
    out.ctx = this.tl.sendRequest(req, d.peer, this.clientHandler(out));
    conn.respond(msgId, this.sentEcho(bytes, d.peer.protocol, local, txnId));
  }

  private appAck(conn: AppConnection, msgId: string, d: Dialog, m: SipMessage): void {
    if (!d.confirmed || d.role !== 'uac' && d.inviteCSeq === 0) {
      conn.respond(msgId, 'NOK|Server error: ACK for non-success final response is automatically generated by server');
      return;
    }
    const local = d.local;
    const req = this.dialogRequest(d, 'ACK', d.inviteCSeq);
    applyAppHeaders(req, m, SKIP_IN_DIALOG);
    req.body = m.body;
    ensureContentType(req);
    const bytes = req.toBuffer();
    d.lastAck = { cseq: d.inviteCSeq, bytes };
    this.transports.send(bytes, d.peer).catch((err: Error) => this.log.debug({ err: err.message }, 'sending ACK failed'));
    conn.respond(msgId, this.sentEcho(bytes, d.peer.protocol, local, uuid()));
    if (d.ackBye) {
      d.ackBye = false;
      this.teardown(d, 'ACK-BYE due to cancel race condition');
    }
  }

  /** The app cancels its own INVITE (spec §2.10). */
  private appCancel(conn: AppConnection, msgId: string, txnId: string, app: AppMessage): void {
    const out = this.outgoing.get(txnId);
    if (!out || out.method !== 'INVITE' || out.final) {
      conn.respond(msgId, `NOK|unable to cancel unknown transaction id: ${txnId}`);
      return;
    }
    const inv = out.request;
    const cancel = SipMessage.request('CANCEL', inv.uri);
    cancel.add('Via', inv.get('via') ?? '');
    cancel.add('Max-Forwards', '70');
    for (const r of inv.getAll('route')) cancel.add('Route', r);
    cancel.add('From', inv.get('from') ?? '');
    cancel.add('To', inv.get('to') ?? '');
    cancel.add('Call-ID', inv.get('call-id') ?? '');
    cancel.add('CSeq', `${parseCSeq(inv.get('cseq') ?? '')?.seq ?? 1} CANCEL`);
    applyAppHeaders(cancel, app.msg, SKIP_IN_CANCEL);
    out.canceled = true;
    const bytes = cancel.toBuffer();
    if (out.provisional) this.sendCancel(out, cancel);
    else out.cancelWaiting = cancel;
    out.cancelGuard = setTimeout(() => {
      // No final response 32 s after CANCEL: clear state silently (spec §2.10).
      if (!out.final) {
        out.ctx?.terminate();
        this.outgoing.delete(out.txnId);
        if (out.dialog) this.removeDialog(out.dialog);
      }
    }, CANCEL_GUARD_MS);
    out.cancelGuard.unref();
    conn.respond(msgId, this.sentEcho(bytes, out.peer.protocol, out.local, uuid()));
  }

  private sendCancel(out: Outgoing, cancel: SipMessage): void {
    out.cancelWaiting = undefined;
    this.tl.sendRequest(cancel, out.peer, {
      onResponse: () => undefined, // the 200 to a CANCEL is never forwarded (spec §2.3)
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
  }

  private clientHandler(out: Outgoing) {
    return {
      onResponse: (inbound: Inbound) => this.networkResponse(out, inbound),
      onTimeout: () => this.synthesizeFinal(out, 408, 'Request Timeout'),
      onTransportError: (_t: ClientTransaction, err: Error) => {
        this.log.debug({ err: err.message, to: `${out.peer.host}:${out.peer.port}` }, 'request could not be sent');
        this.synthesizeFinal(out, 503, 'Service Unavailable');
      },
    };
  }

  /** A response to a request the app sent (spec §2.3). */
  private networkResponse(out: Outgoing, inbound: Inbound): void {
    const res = inbound.msg;
    const status = res.status;
    if (status === 100) {
      if (!out.provisional) {
        out.provisional = true;
        if (out.cancelWaiting) this.sendCancel(out, out.cancelWaiting);
      }
      return;
    }
    const d = out.dialog;
    const isInvite = out.method === 'INVITE';
    if (status < 200) {
      out.provisional = true;
      if (out.cancelWaiting) this.sendCancel(out, out.cancelWaiting);
      if (d && res.get('rseq') && !d.remoteTag) this.establishUacDialog(d, out, inbound, false);
    } else if (status < 300) {
      if (out.final && isInvite) {
        // A retransmitted (or forked) 2xx: absorbed; our ACK goes again once the app sent it.
        const target = d ?? out.inDialog;
        const cseq = parseCSeq(res.get('cseq') ?? '')?.seq;
        if (target?.lastAck && target.lastAck.cseq === cseq) this.transports.send(target.lastAck.bytes, target.peer).catch(() => undefined);
        return;
      }
      if (d && !d.confirmed) {
        this.establishUacDialog(d, out, inbound, true);
        this.counters.callsAnswered += isInvite ? 1 : 0;
        if (isInvite) this.cdr('cdr:start', 'network', res, 'uac');
        if (out.canceled && isInvite) d.ackBye = true;
      }
    } else if (out.final) {
      return;
    } else if (d) {
      this.removeDialog(d);
      if (isInvite) this.cdr('cdr:stop', 'network', res, status === 487 ? 'call-canceled' : 'call-rejected');
    }
    if (status >= 200) {
      out.final = true;
      if (out.cancelGuard) clearTimeout(out.cancelGuard);
      this.outgoing.delete(out.txnId);
      const dd = out.inDialog;
      if (dd && (out.method === 'BYE' || endsSubscription(dd, out.request)) && status !== 401 && status !== 407) {
        this.removeDialog(dd);
      }
      if (isInvite && status >= 300 && out.inDialog) {
        // A failed re-INVITE leaves the dialog as it was (RFC 3261 §14.1).
      }
    }
    if (out.conn.closed) return;
    const dialogId = d?.id ?? out.inDialog?.id ?? '';
    out.conn.send(this.networkFrame(inbound, out.txnId, dialogId));
  }

  private establishUacDialog(d: Dialog, out: Outgoing, inbound: Inbound, confirm: boolean): void {
    const res = inbound.msg;
    const toTag = getParam(res.get('to') ?? '', 'tag');
    if (!toTag) return;
    if (d.remoteTag && d.remoteTag !== toTag) {
      this.dialogsByKey.delete(dialogKey(d.callId, d.localTag, d.remoteTag));
    }
    d.remoteTag = toTag;
    d.remoteUri = res.get('to') ?? d.remoteUri;
    const rr = res.getAll('record-route').reverse();
    d.routeSet = rr;
    const contact = res.get('contact');
    if (contact) d.remoteTarget = uriOf(contact);
    const src = inbound.source;
    if (rr.length) {
      d.peer = this.peerFromUriSync(uriOf(rr[0]), out.peer.protocol) ?? out.peer;
    } else if (contact) {
      const p = this.peerFromUriSync(d.remoteTarget, out.peer.protocol);
      // NAT (spec §3.7): a Contact that is not where the response came from is not trusted.
      d.peer = p && p.host === src.host ? p : { ...src };
    } else {
      d.peer = { ...src };
    }
    if (out.peer.protocol === 'tcp') d.peer = { ...src };
    d.conn = out.conn;
    if (confirm) d.confirmed = true;
    this.dialogsByKey.set(dialogKey(d.callId, d.localTag, toTag), d);
  }

  /** 408 on timeout, 503 on transport failure, delivered like a network response (spec §2.3). */
  private synthesizeFinal(out: Outgoing, status: number, reason: string): void {
    if (out.final) return;
    out.final = true;
    this.outgoing.delete(out.txnId);
    if (out.cancelGuard) clearTimeout(out.cancelGuard);
    const res = makeResponse(out.request, status, reason);
    res.method = out.method;
    if (out.dialog) this.removeDialog(out.dialog);
    if (out.inDialog && out.method === 'BYE') this.removeDialog(out.inDialog);
    if (out.conn.closed) return;
    const inbound: Inbound = { msg: res, source: out.peer, local: out.local, size: 0, receivedAt: Date.now() };
    out.conn.send(this.networkFrame(inbound, out.txnId, out.dialog?.id ?? out.inDialog?.id ?? ''));
  }

  /** The engine ends a call by itself: BYE to the peer, and a copy to the app (spec §2.5). */
  private teardown(d: Dialog, reason: string): void {
    const local = d.local;
    const bye = this.dialogRequest(d, 'BYE', ++d.localCSeq);
    bye.add('Reason', `SIP ;cause=200 ;text="${reason}"`);
    this.tl.sendRequest(bye, d.peer, { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined });
    this.removeDialog(d);
    this.cdr('cdr:stop', 'application', bye, reason.startsWith('ACK-BYE') ? 'system-initiated-termination' : 'normal-release');
    const conn = d.conn;
    if (!conn || conn.closed) return;
    const text = bye.toString();
    conn.send(`${uuid()}|sip|application|${Buffer.byteLength(text)}|${d.peer.protocol}|${local.advertisedHost}|${local.port}|${timeOfDay()}|unsolicited|${d.id}|\r\n${text}`);
  }

  /** Start an in-dialog request: R-URI, Via, Max-Forwards, Route set, From, To, Call-ID, CSeq (RFC 3261 §12.2.1.1). */
  private dialogRequest(d: Dialog, method: string, cseq: number): SipMessage {
    const req = SipMessage.request(method, d.remoteTarget);
    req.add('Via', `SIP/2.0/${d.peer.protocol.toUpperCase()} ${hostPort(d.local)};branch=${branch()};rport`);
    req.add('Max-Forwards', '70');
    for (const r of d.routeSet) req.add('Route', r);
    req.add('From', d.localUri);
    req.add('To', d.remoteUri);
    req.add('Call-ID', d.callId);
    req.add('CSeq', `${cseq} ${method}`);
    return req;
  }

  // ───────────────────────────── dialogs ─────────────────────────────

  private addDialog(d: Dialog): void {
    this.dialogs.set(d.id, d);
    if (d.remoteTag !== undefined) this.dialogsByKey.set(dialogKey(d.callId, d.localTag, d.remoteTag), d);
  }

  private removeDialog(d: Dialog): void {
    this.clearDialogTimers(d);
    if (this.dialogs.get(d.id) === d) this.dialogs.delete(d.id);
    if (d.remoteTag !== undefined) {
      const k = dialogKey(d.callId, d.localTag, d.remoteTag);
      if (this.dialogsByKey.get(k) === d) this.dialogsByKey.delete(k);
    }
  }

  private clearDialogTimers(d: Dialog): void {
    if (d.pending2xx) clearTimeout(d.pending2xx.timer);
    if (d.pendingReliable) clearTimeout(d.pendingReliable.timer);
    d.pending2xx = undefined;
    d.pendingReliable = undefined;
  }

  private findDialogForResponse(res: SipMessage): Dialog | undefined {
    const fromTag = getParam(res.get('from') ?? '', 'tag') ?? '';
    const toTag = getParam(res.get('to') ?? '', 'tag') ?? '';
    return this.dialogsByKey.get(dialogKey(res.get('call-id') ?? '', fromTag, toTag));
  }

  /** Hand an unanswered incoming request over to the proxy (the app no longer owns it). */
  private takeForProxy(txnId: string): Inbound & { txn: ServerTransaction } | undefined {
    const inc = this.incoming.get(txnId);
    if (!inc || inc.finalSent) return undefined;
    this.dropIncoming(inc);
    return { ...inc.inbound, txn: inc.txn };
  }

  // ───────────────────────────── frames, cdrs, addresses ─────────────────────────────

  /**
   * `sip|network|…` frame for a message from the network: a new request (spec §2.1, with the
   * receivedOn tokens), or an in-dialog request or a response (§2.2, §2.3).
   */
  private networkFrame(inbound: Inbound, txnId: string, dialogId: string, isNew = false): string {
    const text = inbound.msg.toString();
    const s = inbound.source;
    const l = inbound.local;
    const tail = isNew ? `|${l.advertisedHost}|${l.port}|` : '|';
    return `${uuid()}|sip|network|${Buffer.byteLength(text)}|${s.protocol}|${s.host}|${s.port}|${timeOfDay(inbound.receivedAt)}|${txnId}|${dialogId}${tail}\r\n${text}`;
  }

  /** The reply to an app's request once it is on its way (spec §2.7): what was sent, from where. */
  private sentEcho(bytes: Buffer, protocol: TransportProtocol, local: LocalTransport, txnId: string): string {
    return `OK|application|${bytes.length}|${protocol}|${local.advertisedHost}|${local.port}|${timeOfDay()}|${txnId}|Msg sent:|\r\n${bytes.toString('utf8')}`;
  }

  private cdr(kind: 'cdr:attempt' | 'cdr:start' | 'cdr:stop', source: 'network' | 'application', msg: SipMessage, extra?: string): void {
    if (!this.cdrs) return;
    const conn = this.control.select(kind);
    if (!conn) return;
    conn.send(`${uuid()}|${kind}|${source}|${timeOfDay()}${extra ? '|' + extra : ''}\r\n${msg.toString()}`);
  }

  private peerFromUriSync(uri: string, protocol: TransportProtocol): Peer | undefined {
    const u = parseUri(uri);
    if (!u || !u.host) return undefined;
    const host = u.host.startsWith('[') ? u.host.slice(1, -1) : u.host;
    if (net.isIP(host) === 0) return undefined;
    const t = (u.params.transport ?? '').toLowerCase();
    return { protocol: t === 'tcp' ? 'tcp' : t === 'udp' ? 'udp' : protocol, host, port: u.port ?? 5060 };
  }

  private flowFor(uri: string): Peer | undefined {
    const key = flowKey(uri);
    const f = key ? this.flows.get(key) : undefined;
    if (!f) return undefined;
    if (f.expires > Date.now()) return f.peer;
    this.flows.delete(key as string);
    return undefined;
  }

  /** Where a URI sends us: its host (A/AAAA lookup for names; no SRV/NAPTR yet), port and transport. */
  async resolveUri(uri: string, protocol: TransportProtocol): Promise<Peer | undefined> {
    const sync = this.peerFromUriSync(uri, protocol);
    if (sync) return sync;
    const u = parseUri(uri);
    if (!u || !u.host) return undefined;
    try {
      const { address } = await lookup(u.host);
      const t = (u.params.transport ?? '').toLowerCase();
      return { protocol: t === 'tcp' ? 'tcp' : t === 'udp' ? 'udp' : protocol, host: address, port: u.port ?? 5060 };
    } catch {
      return undefined;
    }
  }
}

/**
 * A NOTIFY with Subscription-State: terminated ends a SUBSCRIBE dialog (RFC 6665 §4.4.1). In
 * an INVITE dialog it only ends the implicit REFER subscription (RFC 3515), never the call.
 */
function endsSubscription(d: Dialog, msg: SipMessage): boolean {
  return d.kind === 'subscribe' && msg.method === 'NOTIFY' && /^\s*terminated/i.test(msg.get('subscription-state') ?? '');
}

function flowKey(uri: string): string | undefined {
  const u = parseUri(uri);
  if (!u || !u.host) return undefined;
  return `${u.user ?? ''}@${u.host.toLowerCase()}:${u.port ?? 5060}`;
}

function wantsReliable(app: SipMessage): boolean {
  return app.getAll('require').some((v) => v.toLowerCase() === '100rel');
}

const SKIP_IN_RESPONSE = new Set(['from', 'to', 'call-id', 'cseq']);
const SKIP_IN_NEW_REQUEST = new Set(['from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards']);
const SKIP_IN_DIALOG = new Set(['from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards']);
const SKIP_IN_CANCEL = new Set(['from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards', 'p-asserted-identity']);
