import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Peer } from '../../../src/engine/transport/TransportTypes.js';
import { inbound, newLayer, recordingHandler, recordingTu, request, responseTo } from './support.js';

const UAS: Peer = { protocol: 'udp', host: '127.0.0.1', port: 5080 };

function outgoing(method: string, branch = 'z9hG4bK-n1') {
  return request(method, { branch, sentBy: '127.0.0.1:5060', toTag: 'bt' });
}

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retransmits by Timer E at T1, 2T1, 4T1, T2, T2 … and times out by Timer F', async () => {
    const { tu } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler } = recordingHandler();
    const txn = layer.sendRequest(outgoing('OPTIONS'), UAS, handler);
    expect(txn.state).toBe('trying');
    expect(sender.sent).toHaveLength(1);

    let expected = 1;
    let elapsed = 0;
    for (const interval of [500, 1000, 2000, 4000, 4000, 4000, 4000]) {
      await vi.advanceTimersByTimeAsync(interval - 1);
      expect(sender.sent).toHaveLength(expected);
      await vi.advanceTimersByTimeAsync(1);
      expected++;
      elapsed += interval;
      expect(sender.sent).toHaveLength(expected);
    }
    expect(sender.sent.every((s) => s.msg.method === 'OPTIONS')).toBe(true);
    expect(handler.onTimeout).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(32_000 - elapsed);
    expect(handler.onTimeout).toHaveBeenCalledTimes(1);
    expect(txn.state).toBe('terminated');
    expect(layer.stats().client).toBe(0);
  });

  it('retransmits every T2 while Proceeding', async () => {
    const { tu } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler, responses } = recordingHandler();
    const req = outgoing('INFO');
    const txn = layer.sendRequest(req, UAS, handler);
    layer.receive(inbound(responseTo(req, 100, 'Trying'), UAS));
    expect(txn.state).toBe('proceeding');
    expect(responses.map((r) => r.status)).toEqual([100]);
    await vi.advanceTimersByTimeAsync(500); // Timer E armed at T1 fires once, then T2 apart
    expect(sender.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(4000 - 1);
    expect(sender.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sender.sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(4000);
    expect(sender.sent).toHaveLength(4);
  });

  it('passes the final response up once, absorbs its retransmissions and ends after Timer K (T4)', async () => {
    const { tu, stray } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler, responses } = recordingHandler();
    const req = outgoing('BYE');
    const txn = layer.sendRequest(req, UAS, handler);
    const ok = responseTo(req, 200, 'OK');
    layer.receive(inbound(ok, UAS));
    layer.receive(inbound(ok, UAS));
    expect(responses.map((r) => r.status)).toEqual([200]);
    expect(txn.state).toBe('completed');
    expect(stray).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5000 - 1);
    expect(layer.stats().client).toBe(1);
    expect(sender.sent).toHaveLength(1); // no retransmission after the final
    await vi.advanceTimersByTimeAsync(1);
    expect(layer.stats().client).toBe(0);
    expect(handler.onTimeout).not.toHaveBeenCalled();
  });

  it('matches responses by top Via branch and CSeq method (§17.1.3); others are stray', () => {
    const { tu, stray } = recordingTu();
    const { layer } = newLayer(tu);
    const { handler, responses } = recordingHandler();
    const req = outgoing('MESSAGE');
    layer.sendRequest(req, UAS, handler);

    const otherBranch = responseTo(req, 200, 'OK');
    otherBranch.set('Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-unknown');
    layer.receive(inbound(otherBranch, UAS));

    const otherMethod = responseTo(req, 200, 'OK');
    otherMethod.set('CSeq', '1 INFO');
    layer.receive(inbound(otherMethod, UAS));

    expect(responses).toHaveLength(0);
    expect(stray).toHaveLength(2);

    layer.receive(inbound(responseTo(req, 202, 'Accepted'), UAS));
    expect(responses.map((r) => r.status)).toEqual([202]);
  });

  it('sends an ACK given to sendRequest once, without a transaction', async () => {
    const { tu } = recordingTu();
    const { sender, layer } = newLayer(tu);
    const { handler } = recordingHandler();
    const txn = layer.sendRequest(outgoing('ACK', 'z9hG4bK-ack'), UAS, handler);
    expect(txn.state).toBe('terminated');
    expect(layer.stats().client).toBe(0);
    await vi.advanceTimersByTimeAsync(64_000);
    expect(sender.lines()).toEqual(['ACK sip:bob@127.0.0.1:5060 SIP/2.0']);
  });
});
