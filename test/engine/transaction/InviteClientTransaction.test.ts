import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Peer } from '../../../src/engine/transport/TransportTypes.js';
import { flush, inbound, newLayer, recordingHandler, recordingTu, request, responseTo } from './support.js';

const UAS: Peer = { protocol: 'udp', host: '127.0.0.1', port: 5080 };
const UAS_TCP: Peer = { protocol: 'tcp', host: '127.0.0.1', port: 5080 };

function outgoingInvite(transport: 'UDP' | 'TCP' = 'UDP') {
  const inv = request('INVITE', { branch: 'z9hG4bK-out1', sentBy: '127.0.0.1:5060', transport, cseq: 7 });
  inv.uri = 'sip:bob@127.0.0.1:5080';
  inv.add('Route', '<sip:127.0.0.1:5090;lr>');
  inv.add('Route', '<sip:127.0.0.1:5091;lr>');
  return inv;
}

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retransmits by Timer A over UDP (T1 doubling) and reports Timer B as a timeout', async () => {
    const { tu } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler } = recordingHandler();
    const inv = outgoingInvite();
    const txn = layer.sendRequest(inv, UAS, handler);
    expect(txn.state).toBe('calling');
    expect(sender.sent).toHaveLength(1);
    expect(sender.sent[0].to).toEqual(UAS);
    expect(sender.sent[0].msg.toString()).toBe(inv.toString());

    let expected = 1;
    for (const interval of [500, 1000, 2000, 4000, 8000, 16000]) {
      await vi.advanceTimersByTimeAsync(interval - 1);
      expect(sender.sent).toHaveLength(expected);
      await vi.advanceTimersByTimeAsync(1);
      expected++;
      expect(sender.sent).toHaveLength(expected);
    }
    // 31.5 s elapsed; Timer B fires at 64*T1 = 32 s.
    expect(handler.onTimeout).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(500);
    expect(handler.onTimeout).toHaveBeenCalledTimes(1);
    expect(handler.onTimeout).toHaveBeenCalledWith(txn);
    expect(txn.state).toBe('terminated');
    expect(layer.stats().client).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sender.sent).toHaveLength(expected);
  });

  it('does not retransmit over TCP, but Timer B still fires', async () => {
    const { tu } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler } = recordingHandler();
    layer.sendRequest(outgoingInvite('TCP'), UAS_TCP, handler);
    await vi.advanceTimersByTimeAsync(32_000);
    expect(sender.sent).toHaveLength(1);
    expect(handler.onTimeout).toHaveBeenCalledTimes(1);
    expect(layer.stats().client).toBe(0);
  });

  it('passes every provisional up (100 included) and stops retransmitting once one arrives', async () => {
    const { tu } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler, responses } = recordingHandler();
    const inv = outgoingInvite();
    const txn = layer.sendRequest(inv, UAS, handler);
    layer.receive(inbound(responseTo(inv, 100, 'Trying'), UAS));
    layer.receive(inbound(responseTo(inv, 180, 'Ringing', 'bt'), UAS));
    layer.receive(inbound(responseTo(inv, 180, 'Ringing', 'bt'), UAS));
    expect(responses.map((r) => r.status)).toEqual([100, 180, 180]);
    expect(handler.onResponse.mock.calls[0][1]).toBe(txn);
    expect(txn.state).toBe('proceeding');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sender.sent).toHaveLength(1);
    // Timer B does not run in Proceeding (§17.1.1.2): the TU decides (CANCEL).
    expect(handler.onTimeout).not.toHaveBeenCalled();
    txn.terminate();
    expect(layer.stats().client).toBe(0);
  });

  it('ACKs a 486 itself (§17.1.1.3), once per received final, and passes the 486 up once', async () => {
    const { tu, stray } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler, responses } = recordingHandler();
    const inv = outgoingInvite();
    const txn = layer.sendRequest(inv, UAS, handler);
    const busy = responseTo(inv, 486, 'Busy Here', 'bobtag');
    layer.receive(inbound(busy, UAS));
    expect(txn.state).toBe('completed');
    expect(responses.map((r) => r.status)).toEqual([486]);

    const acks = sender.sent.filter((s) => s.msg.method === 'ACK');
    expect(acks).toHaveLength(1);
    const ack = acks[0].msg;
    expect(acks[0].to).toEqual(UAS);
    expect(ack.uri).toBe(inv.uri);
    expect(ack.getAll('via')).toEqual([inv.getAll('via')[0]]);
    expect(ack.getAll('route')).toEqual(inv.getAll('route'));
    expect(ack.get('from')).toBe(inv.get('from'));
    expect(ack.get('to')).toBe(busy.get('to'));
    expect(ack.get('to')).toContain('tag=bobtag');
    expect(ack.get('call-id')).toBe(inv.get('call-id'));
    expect(ack.get('cseq')).toBe('7 ACK');
    expect(ack.get('max-forwards')).toBe('70');
    expect(ack.body.length).toBe(0);

    // Retransmitted 486: ACKed again, not passed up.
    layer.receive(inbound(busy, UAS));
    layer.receive(inbound(busy, UAS));
    expect(sender.sent.filter((s) => s.msg.method === 'ACK')).toHaveLength(3);
    expect(responses).toHaveLength(1);
    expect(stray).toHaveLength(0);

    // No INVITE retransmissions after the final; Timer D (32 s) ends it.
    await vi.advanceTimersByTimeAsync(32_000 - 1);
    expect(sender.sent.filter((s) => s.msg.method === 'INVITE')).toHaveLength(1);
    expect(layer.stats().client).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(layer.stats().client).toBe(0);
    expect(handler.onTimeout).not.toHaveBeenCalled();
  });

  it('over TCP ACKs the 486 and ends at once (Timer D = 0)', () => {
    const { tu } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler } = recordingHandler();
    const inv = outgoingInvite('TCP');
    const txn = layer.sendRequest(inv, UAS_TCP, handler);
    layer.receive(inbound(responseTo(inv, 486, 'Busy Here', 'bobtag'), UAS_TCP));
    expect(sender.lines()).toEqual([inv.startLine(), `ACK ${inv.uri} SIP/2.0`]);
    expect(handler.onResponse).toHaveBeenCalledTimes(1);
    expect(txn.state).toBe('terminated');
    expect(layer.stats().client).toBe(0);
  });

  it('passes every 2xx up while Accepted, for 64*T1, then 2xx are stray', async () => {
    const { tu, stray } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler, responses } = recordingHandler();
    const inv = outgoingInvite();
    const txn = layer.sendRequest(inv, UAS, handler);
    const ok = responseTo(inv, 200, 'OK', 'bobtag');
    layer.receive(inbound(ok, UAS));
    expect(txn.state).toBe('accepted');
    layer.receive(inbound(ok, UAS));
    layer.receive(inbound(responseTo(inv, 200, 'OK', 'forktag'), UAS));
    // A non-2xx while Accepted is not passed up.
    layer.receive(inbound(responseTo(inv, 486, 'Busy Here', 'x'), UAS));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    // The layer never ACKs a 2xx (the TU does) and stops retransmitting the INVITE.
    await vi.advanceTimersByTimeAsync(32_000 - 1);
    expect(sender.lines()).toEqual([inv.startLine()]);
    expect(layer.stats().client).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(layer.stats().client).toBe(0);
    layer.receive(inbound(ok, UAS));
    expect(responses).toHaveLength(3);
    expect(stray).toHaveLength(1);
    expect(stray[0].msg.status).toBe(200);
  });

  it('reports a transport error and terminates', async () => {
    const { tu } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler } = recordingHandler();
    sender.failWith = new Error('ECONNREFUSED');
    const txn = layer.sendRequest(outgoingInvite('TCP'), UAS_TCP, handler);
    await flush();
    expect(handler.onTransportError).toHaveBeenCalledTimes(1);
    expect(handler.onTransportError.mock.calls[0][0]).toBe(txn);
    expect(handler.onTransportError.mock.calls[0][1].message).toBe('ECONNREFUSED');
    expect(txn.state).toBe('terminated');
    expect(layer.stats().client).toBe(0);
    await vi.advanceTimersByTimeAsync(64_000);
    expect(handler.onTimeout).not.toHaveBeenCalled();
  });

  it('refuses a second client transaction with the same branch and method, and a request without a branch', () => {
    const { tu } = recordingTu();
    const { layer } = newLayer(tu);
    const { handler } = recordingHandler();
    layer.sendRequest(outgoingInvite(), UAS, handler);
    expect(() => layer.sendRequest(outgoingInvite(), UAS, handler)).toThrow(/already exists/);
    const noVia = outgoingInvite().remove('via');
    expect(() => layer.sendRequest(noVia, UAS, handler)).toThrow(/no top Via/);
    // A CANCEL shares the INVITE's branch but is its own transaction (§9.1).
    const cancel = request('CANCEL', { branch: 'z9hG4bK-out1', sentBy: '127.0.0.1:5060', cseq: 7 });
    const ct = layer.sendRequest(cancel, UAS, handler);
    expect(ct.method).toBe('CANCEL');
    expect(layer.stats().client).toBe(2);
    layer.close();
    expect(layer.stats()).toEqual({ server: 0, client: 0 });
  });
});
