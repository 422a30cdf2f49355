import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerTransaction } from '../../../src/engine/transaction/TransactionTypes.js';
import type { Peer } from '../../../src/engine/transport/TransportTypes.js';
import { flush, inbound, newLayer, recordingTu, request, responseTo, UAC } from './support.js';

const BUSY = 'SIP/2.0 486 Busy Here';

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup() {
    const rec = recordingTu();
    const { sender, layer } = newLayer(rec.tu);
    const invite = request('INVITE');
    invite.add('Timestamp', '54');
    layer.receive(inbound(invite));
    const txn = rec.requests[0]?.txn as ServerTransaction;
    return { ...rec, sender, layer, invite, txn };
  }

  it('answers 100 Trying at once, copying Via, From, To, Call-ID, CSeq and Timestamp', () => {
    const { sender, requests, txn, invite } = setup();
    expect(requests).toHaveLength(1);
    expect(txn.method).toBe('INVITE');
    expect(txn.state).toBe('proceeding');
    expect(sender.sent).toHaveLength(1);
    const trying = sender.sent[0].msg;
    expect(trying.startLine()).toBe('SIP/2.0 100 Trying');
    expect(trying.getAll('via')).toEqual(invite.getAll('via'));
    for (const h of ['from', 'to', 'call-id', 'cseq', 'timestamp']) expect(trying.get(h)).toBe(invite.get(h));
    expect(trying.get('content-length')).toBe('0');
    expect(trying.has('contact')).toBe(false);
    expect(sender.sent[0].to).toEqual(UAC);
  });

  it('absorbs a retransmitted INVITE and re-sends the last response', async () => {
    const { sender, layer, requests, txn, invite } = setup();
    layer.receive(inbound(invite));
    expect(requests).toHaveLength(1);
    expect(sender.lines()).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 100 Trying']);

    await txn.respond(responseTo(invite, 180, 'Ringing', 'totag'));
    layer.receive(inbound(invite));
    expect(requests).toHaveLength(1);
    expect(sender.lines().slice(-2)).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 180 Ringing']);
    expect(txn.lastResponse?.status).toBe(180);
  });

  it('retransmits a 486 by Timer G at 500/1000/2000/4000/4000 ms until the ACK, and absorbs the ACK', async () => {
    const { sender, layer, requests, txn, invite } = setup();
    await txn.respond(responseTo(invite, 486, 'Busy Here', 'totag'));
    expect(txn.state).toBe('completed');
    expect(sender.count(BUSY)).toBe(1);

    // Each step: one tick short of the interval sends nothing, the full interval sends one more.
    let expected = 1;
    for (const interval of [500, 1000, 2000, 4000, 4000]) {
      await vi.advanceTimersByTimeAsync(interval - 1);
      expect(sender.count(BUSY)).toBe(expected);
      await vi.advanceTimersByTimeAsync(1);
      expected++;
      expect(sender.count(BUSY)).toBe(expected);
    }

    layer.receive(inbound(request('ACK', { toTag: 'totag' })));
    expect(txn.state).toBe('confirmed');
    expect(requests).toHaveLength(1); // the ACK did not reach the TU
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sender.count(BUSY)).toBe(expected); // Timer G stopped

    // Timer I (T4 over UDP) then ends it.
    expect(layer.stats().server).toBe(0);
    expect(txn.state).toBe('terminated');
  });

  it('over TCP sends the 486 once (no Timer G) and ends at the ACK (Timer I = 0)', async () => {
    const rec = recordingTu();
    const { sender, layer } = newLayer(rec.tu);
    const tcpPeer: Peer = { protocol: 'tcp', host: '127.0.0.1', port: 40000 };
    const invite = request('INVITE', { transport: 'TCP' });
    layer.receive(inbound(invite, tcpPeer));
    const txn = rec.requests[0].txn as ServerTransaction;
    const terminated = vi.fn();
    txn.onTerminated(terminated);
    await txn.respond(responseTo(invite, 486, 'Busy Here', 'totag'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sender.count(BUSY)).toBe(1);
    for (const s of sender.sent) expect(s.to).toEqual(tcpPeer);
    layer.receive(inbound(request('ACK', { transport: 'TCP', toTag: 'totag' }), tcpPeer));
    expect(txn.state).toBe('terminated');
    expect(terminated).toHaveBeenCalledTimes(1);
    expect(layer.stats()).toEqual({ server: 0, client: 0 });
  });

  it('fires onAckTimeout when Timer H (64*T1) expires without an ACK, then terminates once', async () => {
    const { layer, txn, invite } = setup();
    const ackTimeout = vi.fn();
    const terminated = vi.fn();
    txn.onAckTimeout?.(ackTimeout);
    txn.onTerminated(terminated);
    await txn.respond(responseTo(invite, 486, 'Busy Here', 'totag'));
    await vi.advanceTimersByTimeAsync(32_000 - 1);
    expect(ackTimeout).not.toHaveBeenCalled();
    expect(txn.state).toBe('completed');
    await vi.advanceTimersByTimeAsync(1);
    expect(ackTimeout).toHaveBeenCalledTimes(1);
    expect(terminated).toHaveBeenCalledTimes(1);
    expect(layer.stats().server).toBe(0);
    await vi.advanceTimersByTimeAsync(100_000);
    expect(ackTimeout).toHaveBeenCalledTimes(1);
    expect(terminated).toHaveBeenCalledTimes(1);
  });

  it('moves to Accepted on 2xx: absorbs INVITE retransmissions silently and passes the 2xx ACK up without a transaction', async () => {
    const { sender, layer, requests, txn, invite } = setup();
    const ok = responseTo(invite, 200, 'OK', 'totag');
    await txn.respond(ok);
    expect(txn.state).toBe('accepted');
    sender.clear();

    layer.receive(inbound(invite));
    expect(sender.sent).toHaveLength(0); // RFC 6026 §7.1: the TU retransmits the 2xx, not the transaction
    expect(requests).toHaveLength(1);

    // The TU's own 2xx retransmission still goes out through the transaction (RFC 6026 §8.5).
    await txn.respond(ok);
    expect(sender.lines()).toEqual(['SIP/2.0 200 OK']);

    // The ACK for a 2xx is a new transaction (new branch): it reaches the TU with txn undefined.
    const ack = request('ACK', { branch: 'z9hG4bK-ack2xx', toTag: 'totag' });
    layer.receive(inbound(ack));
    expect(requests).toHaveLength(2);
    expect(requests[1].inbound.msg.method).toBe('ACK');
    expect(requests[1].txn).toBeUndefined();
    // Even an ACK reusing the INVITE's branch is not absorbed while Accepted.
    layer.receive(inbound(request('ACK', { toTag: 'totag' })));
    expect(requests).toHaveLength(3);
    expect(requests[2].txn).toBeUndefined();
    expect(txn.state).toBe('accepted');

    // A final response after the 2xx is ignored: resolves, sends nothing.
    await expect(txn.respond(responseTo(invite, 486, 'Busy Here', 'totag'))).resolves.toBeUndefined();
    expect(sender.count(BUSY)).toBe(0);

    // Timer L (64*T1) ends it.
    await vi.advanceTimersByTimeAsync(32_000);
    expect(txn.state).toBe('terminated');
    expect(layer.stats().server).toBe(0);
  });

  it('terminates and rejects respond() when the transport fails', async () => {
    const { sender, layer, txn, invite } = setup();
    const terminated = vi.fn();
    txn.onTerminated(terminated);
    sender.failWith = new Error('connection closed');
    await expect(txn.respond(responseTo(invite, 180, 'Ringing', 'totag'))).rejects.toThrow('connection closed');
    expect(txn.state).toBe('terminated');
    expect(terminated).toHaveBeenCalledTimes(1);
    expect(layer.stats().server).toBe(0);
  });

  it('keeps transactions with the same branch but a different sent-by apart', () => {
    const { layer, requests } = setup();
    layer.receive(inbound(request('INVITE', { sentBy: '127.0.0.2:5070' })));
    expect(requests).toHaveLength(2);
    expect(requests[1].txn).not.toBe(requests[0].txn);
    expect(layer.stats().server).toBe(2);
  });

  it('matches RFC 2543 requests (branch without z9hG4bK) by Request-URI, tags, Call-ID, CSeq and top Via', async () => {
    const rec = recordingTu();
    const { sender, layer } = newLayer(rec.tu);
    const invite = request('INVITE', { branch: 'oldstyle1' });
    layer.receive(inbound(invite));
    layer.receive(inbound(invite));
    expect(rec.requests).toHaveLength(1);
    const txn = rec.requests[0].txn as ServerTransaction;
    await txn.respond(responseTo(invite, 486, 'Busy Here', 'totag'));

    // Another CSeq is another transaction.
    layer.receive(inbound(request('INVITE', { branch: 'oldstyle1', cseq: 2 })));
    expect(rec.requests).toHaveLength(2);

    // An ACK whose To tag is not the one we answered with does not match.
    layer.receive(inbound(request('ACK', { branch: 'oldstyle1', toTag: 'other' })));
    expect(rec.requests).toHaveLength(3);
    expect(rec.requests[2].txn).toBeUndefined();
    expect(txn.state).toBe('completed');

    layer.receive(inbound(request('ACK', { branch: 'oldstyle1', toTag: 'totag' })));
    expect(rec.requests).toHaveLength(3);
    expect(txn.state).toBe('confirmed');
    expect(sender.count(BUSY)).toBe(1);
  });

  it('gives a CANCEL its own transaction and finds the INVITE it refers to (§9.2)', async () => {
    const { layer, requests, txn, invite } = setup();
    const cancel = request('CANCEL');
    layer.receive(inbound(cancel));
    expect(requests).toHaveLength(2);
    const cancelTxn = requests[1].txn as ServerTransaction;
    expect(cancelTxn.method).toBe('CANCEL');
    expect(cancelTxn).not.toBe(txn);
    expect(layer.findInviteForCancel(requests[1].inbound)).toBe(txn);

    // Other branch or other sent-by: no INVITE.
    expect(layer.findInviteForCancel(inbound(request('CANCEL', { branch: 'z9hG4bK-other' })))).toBeUndefined();
    expect(layer.findInviteForCancel(inbound(request('CANCEL', { sentBy: '127.0.0.3:5070' })))).toBeUndefined();

    await cancelTxn.respond(responseTo(cancel, 200, 'OK', 'totag'));
    await txn.respond(responseTo(invite, 487, 'Request Terminated', 'totag'));
    layer.receive(inbound(request('ACK', { toTag: 'totag' })));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(layer.findInviteForCancel(requests[1].inbound)).toBeUndefined();
    await flush();
  });
});
