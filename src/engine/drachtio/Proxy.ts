/**
 * The `proxy` command (spec §2.11): a stateful proxy (RFC 3261 §16, simplified the way
 * drachtio-server simplifies it) for an incoming request the app handed back, serial or
 * simultaneous forking, optional Record-Route, and the loose-routed in-dialog requests of
 * calls we record-routed.
 */
import type { Logger } from '../../logger.js';
import { getParam } from '../sip/headers.js';
import type { SipMessage } from '../sip/message.js';
import { makeResponse } from '../sip/response.js';
import { parseUri } from '../sip/uri.js';
import type { TransactionLayer } from '../transaction/TransactionLayer.js';
import type { ClientTransaction, ServerTransaction } from '../transaction/TransactionTypes.js';
import type { Transports } from '../transport/Transports.js';
import type { Inbound, LocalTransport, Peer, TransportProtocol } from '../transport/TransportTypes.js';
import { parseAppMessage, applyAppHeaders } from './appMessage.js';
import type { AppConnection } from './ControlServer.js';
import { branch, hostPort, timeOfDay, uriOf } from './wire.js';

interface Branch {
  target: string;
  ctx?: ClientTransaction;
  request?: SipMessage;
  peer?: Peer;
  provisional: boolean;
  final?: SipMessage;
  provTimer?: NodeJS.Timeout;
}

interface ProxyCall {
  msgId: string;
  conn: AppConnection;
  inbound: Inbound;
  txn: ServerTransaction;
  recordRoute: boolean;
  full: boolean;
  follow: boolean;
  simultaneous: boolean;
  provisionalTimeoutMs: number;
  targets: string[];
  next: number;
  branches: Branch[];
  stubHeaders: SipMessage | undefined;
  best?: SipMessage;
  done: boolean;
  answered: boolean;
}

export interface ProxyDeps {
  tl: TransactionLayer;
  transports: Transports;
  log: Logger;
  resolve(uri: string, protocol: TransportProtocol): Promise<Peer | undefined>;
  emitCdr(kind: 'cdr:attempt' | 'cdr:start' | 'cdr:stop', source: 'network' | 'application', msg: SipMessage, extra?: string): void;
}

const SKIP_STUB = new Set(['from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards']);

export class Proxy {
  private readonly calls = new Map<ServerTransaction, ProxyCall>();

  constructor(private readonly deps: ProxyDeps) {}

  close(): void {
    for (const c of this.calls.values()) for (const b of c.branches) if (b.provTimer) clearTimeout(b.provTimer);
    this.calls.clear();
  }

  onAppClose(conn: AppConnection): void {
    // Proxied calls go on without their app (the app only hears about final responses).
    for (const c of this.calls.values()) if (c.conn === conn) c.full = false;
  }

  handleFrame(
    conn: AppConnection,
    tokens: string[],
    sip: string | undefined,
    take: (txnId: string) => (Inbound & { txn: ServerTransaction }) | undefined,
  ): void {
    const msgId = tokens[0];
    if (tokens.length < 4) {
      conn.respond(msgId, 'NO|Invalid proxy request: not enough information provided');
      conn.socket.end();
      return;
    }
    const txnId = tokens[2];
    const taken = take(txnId);
    if (!taken) {
      conn.respond(msgId, `NOK|Unknown transaction id: ${txnId}`);
      return;
    }
    const { txn, ...inbound } = taken;
    const req = inbound.msg;
    const mf = Number(req.get('max-forwards') ?? '70');
    if (mf <= 0) {
      void txn.respond(makeResponse(req, 483, 'Too Many Hops')).catch(() => undefined);
      conn.respond(msgId, 'NOK|Rejected with 483 Too Many Hops due to Max-Forwards value of 0');
      return;
    }
    const targets = tokens.slice(9).filter(Boolean).map((t) => (t.startsWith('sip') || t.startsWith('tel:') ? t : `sip:${t}`));
    const call: ProxyCall = {
      msgId,
      conn,
      inbound,
      txn,
      recordRoute: tokens[3] === 'remainInDialog',
      full: tokens[4] === 'fullResponse',
      follow: tokens[5] === 'followRedirects',
      simultaneous: tokens[6] === 'simultaneous',
      provisionalTimeoutMs: parseDuration(tokens[7]),
      targets,
      next: 0,
      branches: [],
      stubHeaders: sip ? parseAppMessage(sip)?.msg : undefined,
      done: false,
      answered: false,
    };
    if (targets.length === 0) {
      void txn.respond(makeResponse(req, 500, 'Server Internal Error')).catch(() => undefined);
      conn.respond(msgId, 'NOK|error proxying request to ');
      return;
    }
    this.calls.set(txn, call);
    txn.onTerminated(() => this.finish(call));
    if (!call.full) conn.respond(msgId, 'OK|done');
    if (call.simultaneous) for (let i = 0; i < targets.length; i++) void this.startNext(call);
    else void this.startNext(call);
  }

  /** Requests the proxy owns: CANCEL of a proxied INVITE, and loose-routed in-dialog requests. */
  handleRequest(inbound: Inbound, txn: ServerTransaction | undefined): boolean {
    const msg = inbound.msg;
    if (msg.method === 'CANCEL' && txn && this.calls.size) {
      const inv = this.deps.tl.findInviteForCancel(inbound);
      const call = inv ? this.calls.get(inv) : undefined;
      if (!call) return false;
      void txn.respond(makeResponse(msg, 200, 'OK')).catch(() => undefined);
      if (!call.answered && !call.done) {
        call.done = true;
        this.cancelBranches(call, undefined);
        void call.txn.respond(makeResponse(call.inbound.msg, 487, 'Request Terminated')).catch(() => undefined);
        this.deps.emitCdr('cdr:stop', 'network', msg, 'call-canceled');
        this.reportDone(call);
      }
      return true;
    }
    const route = msg.get('route');
    if (!route || !getParam(msg.get('to') ?? '', 'tag')) return false;
    const ru = parseUri(uriOf(route));
    if (!ru || ru.params.lr === undefined || !this.deps.transports.isLocal(stripBr(ru.host), ru.port)) return false;
    void this.forwardInDialog(inbound, txn);
    return true;
  }

  private async forwardInDialog(inbound: Inbound, txn: ServerTransaction | undefined): Promise<void> {
    const msg = inbound.msg.clone();
    msg.removeFirstValue('route');
    const mf = Number(msg.get('max-forwards') ?? '70');
    if (mf <= 0) {
      if (txn) void txn.respond(makeResponse(inbound.msg, 483, 'Too Many Hops')).catch(() => undefined);
      return;
    }
    msg.set('Max-Forwards', String(mf - 1));
    const next = msg.get('route') ? uriOf(msg.getAll('route')[0]) : msg.uri;
    const protoHint: TransportProtocol = inbound.source.protocol;
    const peer = await this.deps.resolve(next, protoHint);
    const local = peer && this.deps.transports.localFor(peer.protocol);
    if (!peer || !local) {
      if (txn) void txn.respond(makeResponse(inbound.msg, 404, 'Not Found')).catch(() => undefined);
      return;
    }
    msg.prepend('Via', `SIP/2.0/${peer.protocol.toUpperCase()} ${hostPort(local)};branch=${branch()};rport`);
    if (!txn) {
      // ACK for a 2xx: forwarded statelessly (RFC 3261 §16.11 after §16.10).
      this.deps.transports.send(msg.toBuffer(), peer).catch(() => undefined);
      return;
    }
    if (msg.method === 'BYE') this.deps.emitCdr('cdr:stop', 'network', inbound.msg, 'normal-release');
    this.deps.tl.sendRequest(msg, peer, {
      onResponse: (r) => {
        const up = r.msg.clone();
        up.removeFirstValue('via');
        if (up.status === 100) return;
        void txn.respond(up).catch(() => undefined);
      },
      onTimeout: () => void txn.respond(makeResponse(inbound.msg, 408, 'Request Timeout')).catch(() => undefined),
      onTransportError: () => void txn.respond(makeResponse(inbound.msg, 503, 'Service Unavailable')).catch(() => undefined),
    });
  }

  private async startNext(call: ProxyCall): Promise<void> {
    while (call.next < call.targets.length && !call.done) {
      const target = call.targets[call.next++];
      const b: Branch = { target, provisional: false };
      call.branches.push(b);
      if (await this.sendBranch(call, b)) return;
    }
    this.maybeFinish(call);
  }

  private async sendBranch(call: ProxyCall, b: Branch): Promise<boolean> {
    const orig = call.inbound.msg;
    const protocol: TransportProtocol = /;transport=tcp/i.test(b.target) ? 'tcp' : 'udp';
    const peer = await this.deps.resolve(b.target, protocol);
    const local: LocalTransport | undefined = peer && this.deps.transports.localFor(peer.protocol);
    if (!peer || !local || call.done) {
      b.final = makeResponse(orig, 503, 'Service Unavailable');
      return false;
    }
    const req = orig.clone();
    req.remove('route');
    // The R-URI becomes the target only when the request was addressed to us (spec §2.11).
    const ru = parseUri(orig.uri);
    if (!ru || this.deps.transports.isLocal(stripBr(ru.host), ru.port) || b.target.startsWith('tel:')) req.uri = b.target;
    req.set('Max-Forwards', String(Number(orig.get('max-forwards') ?? '71') - 1));
    if (call.recordRoute) {
      const t = peer.protocol === 'udp' ? '' : `;transport=${peer.protocol}`;
      req.prepend('Record-Route', `<sip:${hostPort(local)}${t};lr>`);
    }
    if (call.stubHeaders) applyAppHeaders(req, call.stubHeaders, SKIP_STUB);
    req.prepend('Via', `SIP/2.0/${peer.protocol.toUpperCase()} ${hostPort(local)};branch=${branch()};rport`);
    b.request = req;
    b.peer = peer;
    if (orig.method === 'INVITE') this.deps.emitCdr('cdr:attempt', 'application', req);
    b.ctx = this.deps.tl.sendRequest(req, peer, {
      onResponse: (r) => this.branchResponse(call, b, r),
      onTimeout: () => this.branchFinal(call, b, makeResponse(orig, 408, 'Request Timeout'), undefined),
      onTransportError: () => this.branchFinal(call, b, makeResponse(orig, 503, 'Service Unavailable'), undefined),
    });
    if (call.provisionalTimeoutMs > 0 && !call.simultaneous) {
      b.provTimer = setTimeout(() => {
        if (b.provisional || b.final || call.done) return;
        this.cancelBranch(b);
        this.branchFinal(call, b, makeResponse(orig, 408, 'Request Timeout'), undefined);
      }, call.provisionalTimeoutMs);
      b.provTimer.unref();
    }
    return true;
  }

  private branchResponse(call: ProxyCall, b: Branch, r: Inbound): void {
    const res = r.msg;
    if (res.status === 100) return;
    const up = res.clone();
    up.removeFirstValue('via');
    if (res.status < 200) {
      b.provisional = true;
      if (b.provTimer) clearTimeout(b.provTimer);
      if (!call.done) void call.txn.respond(up).catch(() => undefined);
      return;
    }
    if (res.status < 300) {
      if (call.answered) {
        // 2xx retransmissions (or another fork's 2xx) go upstream as they are (RFC 3261 §16.7.4).
        this.deps.transports.send(up.toBuffer(), call.inbound.source).catch(() => undefined);
        return;
      }
      call.answered = true;
      call.done = true;
      void call.txn.respond(up).catch(() => undefined);
      this.deps.emitCdr('cdr:start', 'network', res, 'proxy-uac');
      this.report(call, r);
      this.cancelBranches(call, b);
      this.reportDone(call);
      return;
    }
    this.branchFinal(call, b, up, r);
  }

  private branchFinal(call: ProxyCall, b: Branch, up: SipMessage, r: Inbound | undefined): void {
    if (b.final) return;
    b.final = up;
    if (b.provTimer) clearTimeout(b.provTimer);
    if (r) this.report(call, r);
    if (call.done) return;
    if (up.status === 401 || up.status === 407) {
      // A challenge goes upstream at once so the caller can retry (spec §2.11).
      call.done = true;
      void call.txn.respond(up).catch(() => undefined);
      this.cancelBranches(call, b);
      this.reportDone(call);
      return;
    }
    if (!call.best || better(up.status, call.best.status)) call.best = up;
    if (call.follow && up.status >= 300 && up.status < 400) {
      for (const c of up.getAll('contact')) call.targets.push(uriOf(c));
    }
    if (!call.simultaneous || call.next < call.targets.length) void this.startNext(call);
    else this.maybeFinish(call);
  }

  private maybeFinish(call: ProxyCall): void {
    if (call.done) return;
    if (call.next < call.targets.length) return;
    if (call.branches.some((b) => !b.final)) return;
    call.done = true;
    const best = call.best ?? makeResponse(call.inbound.msg, 408, 'Request Timeout');
    void call.txn.respond(best).catch(() => undefined);
    if (call.inbound.msg.method === 'INVITE') this.deps.emitCdr('cdr:stop', 'application', best, 'call-rejected');
    this.reportDone(call);
  }

  private report(call: ProxyCall, r: Inbound): void {
    if (!call.full || call.conn.closed) return;
    const text = r.msg.toString();
    const s = r.source;
    call.conn.respond(call.msgId, `OK|network|${Buffer.byteLength(text)}|${s.protocol}|${s.host}|${s.port}|${timeOfDay(r.receivedAt)}|||continue\r\n${text}`);
  }

  private reportDone(call: ProxyCall): void {
    if (call.full && !call.conn.closed) call.conn.respond(call.msgId, 'OK|done');
    call.full = false;
  }

  private cancelBranches(call: ProxyCall, except: Branch | undefined): void {
    for (const b of call.branches) if (b !== except && !b.final) this.cancelBranch(b);
  }

  private cancelBranch(b: Branch): void {
    if (b.provTimer) clearTimeout(b.provTimer);
    const inv = b.request;
    if (!inv || !b.peer || inv.method !== 'INVITE') {
      b.ctx?.terminate();
      return;
    }
    const cancel = inv.clone();
    cancel.method = 'CANCEL';
    cancel.headers = [];
    cancel.add('Via', inv.get('via') ?? '');
    cancel.add('Max-Forwards', '70');
    cancel.add('From', inv.get('from') ?? '');
    cancel.add('To', inv.get('to') ?? '');
    cancel.add('Call-ID', inv.get('call-id') ?? '');
    cancel.add('CSeq', `${(inv.get('cseq') ?? '1').split(/\s+/)[0]} CANCEL`);
    cancel.body = Buffer.alloc(0);
    this.deps.tl.sendRequest(cancel, b.peer, { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined });
  }

  private finish(call: ProxyCall): void {
    for (const b of call.branches) if (b.provTimer) clearTimeout(b.provTimer);
    // Keep the call while 2xx retransmissions may still come through the branches.
    setTimeout(() => this.calls.delete(call.txn), 32_000).unref();
  }
}

/** RFC 3261 §16.7.6 best response, simplified: any 6xx wins, else the lowest class, else the lowest code. */
function better(a: number, b: number): boolean {
  if (a >= 600 !== b >= 600) return a >= 600;
  const ca = Math.floor(a / 100);
  const cb = Math.floor(b / 100);
  return ca !== cb ? ca < cb : a < b;
}

function parseDuration(s: string | undefined): number {
  if (!s) return 0;
  const m = /^(\d+)(ms|s)?$/.exec(s.trim());
  if (!m) return 0;
  return m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000;
}

function stripBr(h: string): string {
  return h.startsWith('[') ? h.slice(1, -1) : h;
}

