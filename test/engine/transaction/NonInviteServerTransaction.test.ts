import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerTransaction } from '../../../src/engine/transaction/TransactionTypes.js';
import type { Peer } from '../../../src/engine/transport/TransportTypes.js';
import { inbound, newLayer, recordingTu, request, responseTo } from './support.js';

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('absorbs retransmissions: nothing while Trying, then the last response', async () => {
    const rec = recordingTu();
    const { sender, layer } = newLayer(rec.tu);
    const options = request('OPTIONS');
    layer.receive(inbound(options));
    const txn = rec.requests[0].txn as ServerTransaction;
    expect(txn.state).toBe('trying');
    expect(sender.sent).toHaveLength(0); // no 100 Trying for non-INVITE

    layer.receive(inbound(options));
    expect(sender.sent).toHaveLength(0);

    await txn.respond(responseTo(options, 183, 'Working', 'tt'));
    expect(txn.state).toBe('proceeding');
    layer.receive(inbound(options));
    expect(sender.lines()).toEqual(['SIP/2.0 183 Working', 'SIP/2.0 183 Working']);

    await txn.respond(responseTo(options, 200, 'OK', 'tt'));
    expect(txn.state).toBe('completed');
    layer.receive(inbound(options));
    layer.receive(inbound(options));
    expect(sender.lines().slice(2)).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
    expect(rec.requests).toHaveLength(1);
  });

  it('ignores a response after the final response', async () => {
    const rec = recordingTu();
    const { sender, layer } = newLayer(rec.tu);
    const bye = request('BYE', { toTag: 'tt' });
    layer.receive(inbound(bye));
    const txn = rec.requests[0].txn as ServerTransaction;
    await txn.respond(responseTo(bye, 200, 'OK'));
    await expect(txn.respond(responseTo(bye, 500, 'Server Error'))).resolves.toBeUndefined();
    expect(sender.lines()).toEqual(['SIP/2.0 200 OK']);
    // A retransmitted request still gets the 200, not the ignored 500.
    layer.receive(inbound(bye));
    expect(sender.lines()).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
  });

  it('is removed after Timer J (64*T1 over UDP) and fires onTerminated once', async () => {
    const rec = recordingTu();
    const { layer } = newLayer(rec.tu);
    const register = request('REGISTER');
    layer.receive(inbound(register));
    const txn = rec.requests[0].txn as ServerTransaction;
    const terminated = vi.fn();
    txn.onTerminated(terminated);
    await txn.respond(responseTo(register, 200, 'OK', 'tt'));
    await vi.advanceTimersByTimeAsync(32_000 - 1);
    expect(layer.stats().server).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(layer.stats().server).toBe(0);
    expect(txn.state).toBe('terminated');
    expect(terminated).toHaveBeenCalledTimes(1);

    // The same request again is now a new transaction for the TU.
    layer.receive(inbound(register));
    expect(rec.requests).toHaveLength(2);
    expect(rec.requests[1].txn).not.toBe(txn);
  });

  it('after the final response keeps only what a retransmission needs, and re-sends the same bytes until Timer J', async () => {
    const rec = recordingTu();
    const { sender, layer } = newLayer(rec.tu);
    const register = request('REGISTER');
    layer.receive(inbound(register));
    const txn = rec.requests[0].txn as ServerTransaction;
    const ok = responseTo(register, 200, 'OK', 'tt').add('Contact', '<sip:alice@127.0.0.1:5070>;expires=3600');
    await txn.respond(ok);
    // The parsed request is gone: only its method is left (thousands linger for 32 s).
    expect(txn.request.method).toBe('REGISTER');
    expect(txn.request.headers).toEqual([]);
    expect(txn.lastResponse).toBeUndefined();
    await vi.advanceTimersByTimeAsync(31_000);
    layer.receive(inbound(register));
    expect(sender.sent).toHaveLength(2);
    expect(sender.sent[1].msg).toEqual(sender.sent[0].msg);
    expect(sender.sent[1].msg.get('contact')).toBe('<sip:alice@127.0.0.1:5070>;expires=3600');
    expect(sender.sent[1].to).toEqual({ protocol: 'udp', host: '127.0.0.1', port: 5070 });
  });

  it('over TCP ends at the final response (Timer J = 0)', async () => {
    const rec = recordingTu();
    const { layer } = newLayer(rec.tu);
    const tcpPeer: Peer = { protocol: 'tcp', host: '127.0.0.1', port: 40001 };
    const info = request('INFO', { transport: 'TCP', toTag: 'tt' });
    layer.receive(inbound(info, tcpPeer));
    const txn = rec.requests[0].txn as ServerTransaction;
    const terminated = vi.fn();
    txn.onTerminated(terminated);
    await txn.respond(responseTo(info, 200, 'OK'));
    expect(txn.state).toBe('terminated');
    expect(terminated).toHaveBeenCalledTimes(1);
    expect(layer.stats().server).toBe(0);
    // onTerminated after the fact still runs (once).
    const late = vi.fn();
    txn.onTerminated(late);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('passes an ACK that matches no transaction up with txn undefined, and creates no transaction for it', () => {
    const rec = recordingTu();
    const { sender, layer } = newLayer(rec.tu);
    layer.receive(inbound(request('ACK', { toTag: 'tt' })));
    expect(rec.requests).toHaveLength(1);
    expect(rec.requests[0].txn).toBeUndefined();
    expect(layer.stats().server).toBe(0);
    expect(sender.sent).toHaveLength(0);
  });

  it('drops a request without a Via', () => {
    const rec = recordingTu();
    const { layer } = newLayer(rec.tu);
    const msg = request('OPTIONS').remove('via');
    layer.receive(inbound(msg));
    expect(rec.requests).toHaveLength(0);
    expect(layer.stats().server).toBe(0);
  });
});
