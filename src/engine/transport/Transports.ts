import os from 'node:os';
import type { Logger } from '../../logger.js';
import { setParam, parseVia } from '../sip/headers.js';
import { parseMessage } from '../sip/parser.js';
import { makeResponse } from '../sip/response.js';
import { TcpTransport } from './TcpTransport.js';
import type { Inbound, LocalTransport, Peer, TransportProtocol, TransportSender } from './TransportTypes.js';
import { UdpTransport } from './UdpTransport.js';

export interface ListenSpec {
  protocol: TransportProtocol;
  host: string;
  port: number;
}

export interface TransportCounters {
  received: number;
  sent: number;
  malformed: number;
  oversize: number;
}

const MAX_DATAGRAM = 65_535;

/**
 * All of the engine's SIP sockets. Turns bytes into parsed messages (stamping RFC 3581
 * received/rport on requests), answers what cannot be parsed, and sends on the right socket.
 */
export class Transports implements TransportSender {
  private readonly udp: UdpTransport[] = [];
  private readonly tcp: TcpTransport[] = [];
  readonly counters: TransportCounters = { received: 0, sent: 0, malformed: 0, oversize: 0 };
  onInbound: (inbound: Inbound) => void = () => undefined;

  constructor(
    specs: ListenSpec[],
    private readonly logger: Logger,
  ) {
    for (const s of specs) {
      const adv = advertise(s.host);
      if (s.protocol === 'udp') {
        this.udp.push(new UdpTransport(s.host, s.port, adv, (b, src, l) => this.receive(b, src, l, true), logger));
      } else {
        this.tcp.push(new TcpTransport(s.host, s.port, adv, (b, src, l) => this.receive(b, src, l, false), logger));
      }
    }
  }

  async listen(): Promise<void> {
    for (const t of [...this.udp, ...this.tcp]) await t.listen();
  }

  async close(): Promise<void> {
    await Promise.all([...this.udp, ...this.tcp].map((t) => t.close()));
  }

  get locals(): LocalTransport[] {
    return [...this.udp.map((t) => t.local), ...this.tcp.map((t) => t.local)];
  }

  localFor(protocol: TransportProtocol): LocalTransport | undefined {
    return protocol === 'udp' ? this.udp[0]?.local : this.tcp[0]?.local;
  }

  /** Whether host:port names one of our own listening sockets (to refuse sending to ourselves). */
  isLocal(host: string, port: number | undefined): boolean {
    return this.locals.some(
      (l) =>
        (port ?? 5060) === l.port &&
        (host === l.advertisedHost || host === l.host || (l.host === '0.0.0.0' && isOwnAddress(host))),
    );
  }

  send(data: Buffer | string, to: Peer): Promise<void> {
    this.counters.sent++;
    const t = to.protocol === 'udp' ? this.udp[0] : this.tcp[0];
    if (!t) return Promise.reject(new Error(`requested protocol/transport not available: ${to.protocol}`));
    return t.send(data, to);
  }

  private receive(buf: Buffer, source: Peer, local: LocalTransport, datagram: boolean): void {
    this.counters.received++;
    // RFC 5626 §3.5.1 keep-alive (CRLF, or CRLFCRLF answered by CRLF on streams) over UDP.
    if (datagram && buf.length <= 4 && buf.every((b) => b === 0x0d || b === 0x0a)) return;
    if (buf.length > MAX_DATAGRAM) {
      this.counters.oversize++;
      this.logger.warn({ from: `${source.host}:${source.port}`, size: buf.length }, 'sip message refused: too large');
      return;
    }
    let r;
    try {
      r = parseMessage(buf, { datagram, maxSize: MAX_DATAGRAM });
    } catch (err) {
      // The parser returns results, never throws; this guards the process if it ever does.
      this.counters.malformed++;
      this.logger.warn({ from: `${source.host}:${source.port}`, err: (err as Error).message }, 'sip message dropped: parser error');
      return;
    }
    if (!r.ok) {
      this.counters.malformed++;
      const m = r.msg;
      if (m && m.isRequest && m.method !== 'ACK' && m.get('via')) {
        this.logger.warn({ from: `${source.host}:${source.port}`, reason: r.reason }, 'malformed sip request: 400');
        this.replyStateless(m, 400, 'Bad Request - ' + r.reason.replace(/[\r\n]/g, ' '), source);
      } else {
        this.logger.warn({ from: `${source.host}:${source.port}`, reason: r.reason }, 'malformed sip message dropped');
      }
      return;
    }
    const msg = r.msg;
    if (msg.isRequest) stampReceived(msg, source);
    // A datagram's source is a fresh object already; a stream's is shared by its messages.
    this.onInbound({ msg, source: datagram ? source : { ...source }, local, size: r.consumed || buf.length, receivedAt: Date.now() });
  }

  /** A response sent outside any transaction (400 to garbage, 481, 503 …) to the request's source. */
  replyStateless(req: import('../sip/message.js').SipMessage, status: number, reason: string, to: Peer): void {
    try {
      const res = makeResponse(req, status, reason);
      this.send(res.toBuffer(), to).catch((err: Error) => this.logger.debug({ err: err.message }, 'stateless reply failed'));
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'could not build stateless reply');
    }
  }
}

/** RFC 3581 §4 / RFC 3261 §18.2.1: record where the request really came from in the top Via. */
function stampReceived(msg: import('../sip/message.js').SipMessage, source: Peer): void {
  const idx = msg.headers.findIndex((h) => h.name.length <= 3 && /^(via|v)$/i.test(h.name));
  if (idx < 0) return;
  const h = msg.headers[idx];
  // Only the first value of the line is the top Via.
  const comma = topValueEnd(h.value);
  let top = h.value.slice(0, comma);
  const rest = h.value.slice(comma);
  const via = parseVia(top);
  if (!via) return;
  top = setParam(top, 'received', source.host);
  top = setParam(top, 'rport', String(source.port));
  msg.headers[idx] = { name: h.name, value: top + rest };
}

function topValueEnd(v: string): number {
  let q = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (q) {
      if (c === '\\') i++;
      else if (c === '"') q = false;
    } else if (c === '"') q = true;
    else if (c === ',') return i;
  }
  return v.length;
}

function advertise(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function isOwnAddress(host: string): boolean {
  if (host === '127.0.0.1' || host === 'localhost') return true;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.address === host) return true;
  }
  return false;
}
