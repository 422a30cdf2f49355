/**
 * Test support for the transaction layer: a recording TransportSender, message builders and a
 * tiny parser for bytes the layer sent. The fake sender is deliberate: these are unit tests of
 * the layer's state machines, so what matters is exactly which bytes it hands to the transport
 * and when (the real-socket test in udp.test.ts covers the network path).
 */
import { vi } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { SipMessage } from '../../../src/engine/sip/message.js';
import type {
  ClientTransaction,
  ClientTransactionHandler,
  ServerTransaction,
  TransactionUser,
} from '../../../src/engine/transaction/TransactionTypes.js';
import { TransactionLayer } from '../../../src/engine/transaction/TransactionLayer.js';
import type { Inbound, LocalTransport, Peer, TransportProtocol, TransportSender } from '../../../src/engine/transport/TransportTypes.js';

export interface Sent {
  msg: SipMessage;
  to: Peer;
}

export class RecordingSender implements TransportSender {
  readonly sent: Sent[] = [];
  /** When set, every send rejects with this error. */
  failWith: Error | undefined;

  send(data: Buffer, to: Peer): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.sent.push({ msg: parse(data), to });
    return Promise.resolve();
  }

  localFor(protocol: TransportProtocol): LocalTransport | undefined {
    return { protocol, host: '127.0.0.1', port: 5060, advertisedHost: '127.0.0.1' };
  }

  /** Start lines of everything sent so far, e.g. 'SIP/2.0 486 Busy Here', 'ACK sip:bob@… SIP/2.0'. */
  lines(): string[] {
    return this.sent.map((s) => s.msg.startLine());
  }

  count(startLine: string): number {
    return this.lines().filter((l) => l === startLine).length;
  }

  clear(): void {
    this.sent.length = 0;
  }
}

/** Minimal parser for the layer's own output (start line, header lines, body). */
export function parse(data: Buffer | string): SipMessage {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [start, ...lines] = head.split('\r\n');
  let msg: SipMessage;
  if (start.startsWith('SIP/2.0 ')) {
    const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(start);
    if (!m) throw new Error(`bad status line: ${start}`);
    msg = SipMessage.response(Number(m[1]), m[2]);
  } else {
    const [method, uri] = start.split(' ');
    msg = SipMessage.request(method, uri);
  }
  for (const line of lines) {
    const colon = line.indexOf(':');
    msg.add(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  if (!msg.isRequest) msg.method = (msg.get('cseq') ?? '').split(/\s+/)[1] ?? '';
  if (end >= 0) msg.body = Buffer.from(text.slice(end + 4), 'utf8');
  return msg;
}

export const UAC: Peer = { protocol: 'udp', host: '127.0.0.1', port: 5070 };
export const LOCAL_UDP: LocalTransport = { protocol: 'udp', host: '127.0.0.1', port: 5060, advertisedHost: '127.0.0.1' };

export function inbound(msg: SipMessage, source: Peer = UAC): Inbound {
  // A fresh copy each time, as a parser would produce for a retransmission.
  return {
    msg: msg.clone(),
    source,
    local: { ...LOCAL_UDP, protocol: source.protocol },
    size: msg.toBuffer().length,
    receivedAt: Date.now(),
  };
}

export interface RequestOpts {
  branch?: string;
  sentBy?: string;
  transport?: 'UDP' | 'TCP';
  cseq?: number;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  uri?: string;
}

export function request(method: string, o: RequestOpts = {}): SipMessage {
  const uri = o.uri ?? 'sip:bob@127.0.0.1:5060';
  const msg = SipMessage.request(method, uri);
  msg.add('Via', `SIP/2.0/${o.transport ?? 'UDP'} ${o.sentBy ?? '127.0.0.1:5070'};branch=${o.branch ?? 'z9hG4bK-1'};rport`);
  msg.add('Via', 'SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-lower');
  msg.add('Max-Forwards', '70');
  msg.add('From', `"Alice" <sip:alice@127.0.0.1>;tag=${o.fromTag ?? 'ftag'}`);
  msg.add('To', `<sip:bob@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}`);
  msg.add('Call-ID', o.callId ?? 'call-1@127.0.0.1');
  msg.add('CSeq', `${o.cseq ?? 1} ${method}`);
  msg.add('Contact', '<sip:alice@127.0.0.1:5070>');
  return msg;
}

/** A response to `req` as a UAS would build it (§8.2.6.2). */
export function responseTo(req: SipMessage, status: number, reason: string, toTag?: string): SipMessage {
  const res = SipMessage.response(status, reason);
  res.method = req.method;
  for (const v of req.getAll('via')) res.add('Via', v);
  res.add('From', req.get('from') ?? '');
  const to = req.get('to') ?? '';
  res.add('To', toTag && !/;tag=/.test(to) ? `${to};tag=${toTag}` : to);
  res.add('Call-ID', req.get('call-id') ?? '');
  res.add('CSeq', req.get('cseq') ?? '');
  return res;
}

/** A TransactionUser that records what reaches it. */
export function recordingTu(onRequest?: (inb: Inbound, txn: ServerTransaction | undefined) => void) {
  const requests: { inbound: Inbound; txn: ServerTransaction | undefined }[] = [];
  const stray: Inbound[] = [];
  const tu: TransactionUser = {
    onRequest(inb, txn) {
      requests.push({ inbound: inb, txn });
      onRequest?.(inb, txn);
    },
    onStrayResponse(inb) {
      stray.push(inb);
    },
  };
  return { tu, requests, stray };
}

export function recordingHandler() {
  const responses: SipMessage[] = [];
  const handler = {
    onResponse: vi.fn((inb: Inbound, _txn: ClientTransaction) => {
      responses.push(inb.msg);
    }),
    onTimeout: vi.fn((_txn: ClientTransaction) => {}),
    onTransportError: vi.fn((_txn: ClientTransaction, _err: Error) => {}),
  } satisfies ClientTransactionHandler;
  return { handler, responses };
}

export function newLayer(tu: TransactionUser) {
  const sender = new RecordingSender();
  const layer = new TransactionLayer({ sender, tu, logger: silentLogger() });
  return { sender, layer };
}

/** Let rejected/resolved send promises settle. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
