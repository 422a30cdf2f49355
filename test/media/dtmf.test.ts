import { describe, expect, it } from 'vitest';
import type { DtmfEvent } from '../../src/media/MediaTypes.js';
import { decodeTelephoneEvent } from '../../src/media/embedded/telephoneEvent.js';
import { useMediaServer, offer, pcapRtp } from './farEnd.js';

const media = useMediaServer(46200);
const server = media.server;

function collectDigits(ep: { on(ev: 'dtmf', fn: (d: DtmfEvent) => void): unknown }): DtmfEvent[] {
  const got: DtmfEvent[] = [];
  ep.on('dtmf', (d) => got.push(d));
  return got;
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('RFC 4733 telephone-events', () => {
  it("reports each digit of SIPp's RFC 2833 pcaps once, with its duration", async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port, tePt: 101 }) });
    const got = collectDigits(ep);
    for (const name of ['dtmf_2833_1.pcap', 'dtmf_2833_pound.pcap', 'dtmf_2833_star.pcap']) {
      const pkts = pcapRtp(name);
      // 7 updates and the end packet three times (same sequence number, as the pcap has them).
      expect(pkts).toHaveLength(10);
      for (const p of pkts) await media.far.send(ep.port, p);
    }
    await until(() => got.length >= 3);
    // Give duplicate end packets time to arrive; none may produce a second report.
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([
      { digit: '1', durationMs: 280 },
      { digit: '#', durationMs: 280 },
      { digit: '*', durationMs: 280 },
    ]);
    await ep.destroy();
  });

  it('de-duplicates by timestamp at a dynamic payload type and reports the same digit pressed twice', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port, formats: [8, 96], tePt: 96 }) });
    const got = collectDigits(ep);
    await media.far.sendDigit(ep.port, 96, 5);
    await media.far.sendDigit(ep.port, 96, 5);
    await media.far.sendDigit(ep.port, 96, 11);
    await until(() => got.length >= 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map((d) => d.digit).join('')).toBe('55#');
    await ep.destroy();
  });

  it('sendDtmf sends each digit as events with one start timestamp, a marker, and three end packets', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port, formats: [8, 101] }) });
    await ep.sendDtmf('1#');
    await media.far.until((p) => p.length >= 16);
    const pkts = media.far.packets;
    expect(pkts).toHaveLength(16);
    expect(pkts.every((p) => p.payloadType === 101)).toBe(true);
    for (const [i, digitEvent] of [1, 11].entries()) {
      const ev = pkts.slice(i * 8, i * 8 + 8);
      expect(new Set(ev.map((p) => p.timestamp)).size).toBe(1);
      expect(ev.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false, false]);
      const payloads = ev.map((p) => decodeTelephoneEvent(p.payload)!);
      expect(payloads.every((e) => e.event === digitEvent)).toBe(true);
      expect(payloads.map((e) => e.end)).toEqual([false, false, false, false, false, true, true, true]);
      expect(payloads.map((e) => e.duration)).toEqual([160, 320, 480, 640, 800, 800, 800, 800]);
    }
    expect(pkts[8].timestamp).not.toBe(pkts[0].timestamp);
    for (let i = 1; i < pkts.length; i++) expect(pkts[i].sequence).toBe((pkts[i - 1].sequence + 1) & 0xffff);
    await expect(ep.sendDtmf('x')).rejects.toThrow(/not a DTMF digit/);
    await ep.destroy();
  });

  it('a second endpoint receives what the first sends and reports the digits', async () => {
    const b = await server.createEndpoint({ remoteSdp: offer({ port: 9 }) });
    const a = await server.createEndpoint({ remoteSdp: offer({ port: b.port }) });
    const got = collectDigits(b);
    await a.sendDtmf('0123456789*#');
    await until(() => got.length >= 12);
    expect(got.map((d) => d.digit).join('')).toBe('0123456789*#');
    expect(got.every((d) => d.durationMs === 100)).toBe(true);
    await Promise.all([a.destroy(), b.destroy()]);
  });
});
