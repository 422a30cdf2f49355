import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import type { SipMessage } from '../../../src/engine/sip/message.js';
import { TransactionLayer } from '../../../src/engine/transaction/TransactionLayer.js';
import type { ServerTransaction } from '../../../src/engine/transaction/TransactionTypes.js';
import type { LocalTransport, Peer, TransportSender } from '../../../src/engine/transport/TransportTypes.js';
import { parse, recordingHandler, recordingTu, request, responseTo } from './support.js';

/** One side of the exchange: a real UDP socket on 127.0.0.1, a minimal sender and a layer. */
interface Side {
  socket: dgram.Socket;
  local: LocalTransport;
  peer: Peer;
  layer: TransactionLayer;
  /** Every datagram this socket received, parsed. */
  received: SipMessage[];
}

async function side(tu: ReturnType<typeof recordingTu>['tu']): Promise<Side> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  const local: LocalTransport = { protocol: 'udp', host: '127.0.0.1', port, advertisedHost: '127.0.0.1' };
  const sender: TransportSender = {
    send: (data, to) =>
      new Promise((resolve, reject) => socket.send(data, to.port, to.host, (err) => (err ? reject(err) : resolve()))),
    localFor: () => local,
  };
  const layer = new TransactionLayer({ sender, tu, logger: silentLogger() });
  const received: SipMessage[] = [];
  socket.on('message', (buf, rinfo) => {
    const msg = parse(buf);
    received.push(msg);
    layer.receive({
      msg,
      source: { protocol: 'udp', host: rinfo.address, port: rinfo.port },
      local,
      size: buf.length,
      receivedAt: Date.now(),
    });
  });
  return { socket, local, peer: { protocol: 'udp', host: '127.0.0.1', port }, layer, received };
}

/** Wait for a condition, bounded to 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sides: Side[] = [];
afterEach(async () => {
  for (const s of sides.splice(0)) {
    s.layer.close();
    await new Promise<void>((resolve) => s.socket.close(() => resolve()));
  }
});

describe('transaction layer over real UDP sockets on 127.0.0.1', () => {
  it('completes an OPTIONS exchange and absorbs a retransmitted request, answering it again', async () => {
    const uasTu = recordingTu((inb, txn) => {
      void txn?.respond(responseTo(inb.msg, 200, 'OK', 'uas'));
    });
    const uas = await side(uasTu.tu);
    const uacTu = recordingTu();
    const uac = await side(uacTu.tu);
    sides.push(uas, uac);

    const options = request('OPTIONS', { branch: 'z9hG4bK-real1', sentBy: `127.0.0.1:${uac.local.port}` });
    const { handler, responses } = recordingHandler();
    const txn = uac.layer.sendRequest(options, uas.peer, handler);
    await until(() => responses.length === 1, 'the 200 at the client');
    expect(responses[0].status).toBe(200);
    expect(responses[0].get('to')).toContain('tag=uas');
    expect(txn.state).toBe('completed');
    expect(uasTu.requests).toHaveLength(1);

    // The same bytes again, as a retransmission: the server transaction absorbs it and
    // sends the 200 again; the client transaction (Completed) absorbs that in turn.
    uac.socket.send(options.toBuffer(), uas.peer.port, '127.0.0.1');
    await until(() => uac.received.length === 2, 'the re-sent 200');
    expect(uac.received.map((m) => m.status)).toEqual([200, 200]);
    expect(uasTu.requests).toHaveLength(1);
    expect(responses).toHaveLength(1);
    expect(uacTu.stray).toHaveLength(0);
  });

  it('rejects an INVITE with 486 and the client layer ACKs it, confirming the server transaction', async () => {
    const uasTu = recordingTu((inb, txn) => {
      if (inb.msg.method === 'INVITE') void txn?.respond(responseTo(inb.msg, 486, 'Busy Here', 'uas'));
    });
    const uas = await side(uasTu.tu);
    const uacTu = recordingTu();
    const uac = await side(uacTu.tu);
    sides.push(uas, uac);

    const invite = request('INVITE', { branch: 'z9hG4bK-real2', sentBy: `127.0.0.1:${uac.local.port}` });
    const { handler, responses } = recordingHandler();
    uac.layer.sendRequest(invite, uas.peer, handler);
    await until(() => responses.some((r) => r.status === 486), 'the 486 at the client');
    const serverTxn = uasTu.requests[0].txn as ServerTransaction;
    await until(() => serverTxn.state === 'confirmed', 'the ACK at the server');
    expect(responses.map((r) => r.status)).toEqual([100, 486]);
    expect(uasTu.requests).toHaveLength(1); // the ACK was absorbed by the server transaction
    expect(uas.received.map((m) => m.method)).toEqual(['INVITE', 'ACK']);
  });
});
