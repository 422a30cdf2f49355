import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerTransaction } from '../../../src/engine/transaction/TransactionTypes.js';
import type { Peer } from '../../../src/engine/transport/TransportTypes.js';
import { inbound, newLayer, recordingHandler, recordingTu, request, responseTo } from './support.js';

const UAS: Peer = { protocol: 'udp', host: '127.0.0.1', port: 5080 };

describe('transaction cleanup', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no transaction behind once every timer has run, whatever the outcome', async () => {
    const terminated = vi.fn();
    const rec = recordingTu((inb, txn) => {
      if (!txn) return;
      txn.onTerminated(terminated);
      const req = inb.msg;
      // Vary the outcome by Call-ID so every server path is walked.
      const n = Number(/(\d+)/.exec(req.get('call-id') ?? '')?.[1] ?? 0);
      if (req.method !== 'INVITE') void txn.respond(responseTo(req, 200, 'OK', 'tt'));
      else if (n % 3 === 0) void txn.respond(responseTo(req, 200, 'OK', 'tt'));
      else if (n % 3 === 1) void txn.respond(responseTo(req, 486, 'Busy Here', 'tt'));
      // n % 3 === 2: left unanswered here, answered below.
    });
    const { layer } = newLayer(rec.tu);
    const { handler } = recordingHandler();

    for (let i = 0; i < 30; i++) {
      const opts = { branch: `z9hG4bK-s${i}`, callId: `call-${i}` };
      layer.receive(inbound(request(i % 2 ? 'INVITE' : 'OPTIONS', opts)));
      if (i % 6 === 1) layer.receive(inbound(request('ACK', { ...opts, toTag: 'tt' })));
    }
    // INVITEs the TU never answered get a 486 that is never ACKed (Timer H path).
    for (const { txn } of rec.requests) {
      if (txn && txn.state === 'proceeding') void (txn as ServerTransaction).respond(responseTo(txn.request, 486, 'Busy Here', 'tt'));
    }

    for (let i = 0; i < 20; i++) {
      const method = ['INVITE', 'OPTIONS', 'BYE', 'INVITE'][i % 4];
      const req = request(method, { branch: `z9hG4bK-c${i}`, sentBy: '127.0.0.1:5060', callId: `out-${i}` });
      layer.sendRequest(req, UAS, handler);
      if (i % 4 === 0) layer.receive(inbound(responseTo(req, 200, 'OK', 'bt'), UAS));
      if (i % 4 === 1) layer.receive(inbound(responseTo(req, 404, 'Not Found', 'bt'), UAS));
      if (i % 4 === 3) layer.receive(inbound(responseTo(req, 603, 'Decline', 'bt'), UAS));
      // i % 4 === 2: unanswered BYE → Timer F.
    }

    expect(layer.stats().server).toBe(30);
    expect(layer.stats().client).toBe(20);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(layer.stats()).toEqual({ server: 0, client: 0 });
    expect(terminated).toHaveBeenCalledTimes(30);
    expect(handler.onTimeout).toHaveBeenCalledTimes(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() stops every timer and drops every transaction without callbacks', async () => {
    const rec = recordingTu();
    const { sender, layer } = newLayer(rec.tu);
    const { handler } = recordingHandler();
    layer.receive(inbound(request('INVITE')));
    const terminated = vi.fn();
    rec.requests[0].txn?.onTerminated(terminated);
    layer.sendRequest(request('OPTIONS', { branch: 'z9hG4bK-c', sentBy: '127.0.0.1:5060' }), UAS, handler);
    layer.close();
    expect(layer.stats()).toEqual({ server: 0, client: 0 });
    expect(vi.getTimerCount()).toBe(0);
    const sentBefore = sender.sent.length;
    await vi.advanceTimersByTimeAsync(64_000);
    expect(sender.sent).toHaveLength(sentBefore);
    expect(handler.onTimeout).not.toHaveBeenCalled();
    expect(terminated).not.toHaveBeenCalled();
  });
});
