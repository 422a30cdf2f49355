/**
 * The far end of an RTP stream in media tests: a real UDP socket on 127.0.0.1 that records what
 * it receives and sends RTP (audio and RFC 4733 events) to an endpoint.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { EmbeddedMediaServer } from '../../src/media/embedded/EmbeddedMediaServer.js';
import type { EmbeddedMediaServerOptions } from '../../src/media/embedded/EmbeddedMediaServerTypes.js';
import { decodeRtp, encodeRtp, type RtpPacket } from '../../src/media/embedded/rtp.js';
import { encodeTelephoneEvent } from '../../src/media/embedded/telephoneEvent.js';

export const PROMPT_DIR = fileURLToPath(new URL('../../prompts', import.meta.url));

/** A media server on 127.0.0.1 with its own port range (one range per test file: files run in parallel). */
export function mediaServer(portMin: number, extra: Partial<EmbeddedMediaServerOptions> = {}): EmbeddedMediaServer {
  return new EmbeddedMediaServer({ host: '127.0.0.1', portMin, portMax: portMin + 98, logger: silentLogger(), promptDir: PROMPT_DIR, ...extra });
}

export interface OfferOptions {
  port: number;
  /** m-line formats in order, e.g. [0, 8, 101]; rtpmap lines for the usual ones are added. */
  formats?: number[];
  /** Dynamic payload type for telephone-event (default 101). */
  tePt?: number;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  extraMedia?: string;
}

export function offer(o: OfferOptions): string {
  const tePt = o.tePt ?? 101;
  const formats = o.formats ?? [8, 0, tePt];
  const names: Record<number, string> = { 0: 'PCMU/8000', 8: 'PCMA/8000', 9: 'G722/8000', 18: 'G729/8000', [tePt]: 'telephone-event/8000' };
  const lines = [
    'v=0',
    'o=farend 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${o.port} RTP/AVP ${formats.join(' ')}`,
    ...formats.filter((f) => names[f]).map((f) => `a=rtpmap:${f} ${names[f]}`),
    ...(formats.includes(tePt) ? [`a=fmtp:${tePt} 0-16`] : []),
    `a=${o.direction ?? 'sendrecv'}`,
  ];
  if (o.extraMedia) lines.push(o.extraMedia);
  return lines.join('\r\n') + '\r\n';
}

export class FarEnd {
  readonly packets: RtpPacket[] = [];
  private seq = 1000;
  private ts = 50_000;
  private readonly ssrc = 0x12345678;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket, readonly port: number) {
    socket.on('message', (msg) => {
      const p = decodeRtp(msg);
      if (!p) return;
      // Copy: the payload is a view into a buffer Node may reuse.
      this.packets.push({ ...p, payload: Buffer.from(p.payload) });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(): Promise<FarEnd> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return new FarEnd(s, s.address().port);
  }

  /** Resolves once `pred` holds for the received packets, or rejects after `ms`. */
  async until(pred: (packets: RtpPacket[]) => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.packets)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`far end: condition not met after ${ms} ms (${this.packets.length} packets)`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 100));
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  send(to: number, buf: Buffer): Promise<void> {
    return new Promise((r, j) => this.socket.send(buf, to, '127.0.0.1', (e) => (e ? j(e) : r())));
  }

  /** Sends G.711 audio as 20 ms packets (without pacing: the engine does not need it to receive). */
  async sendAudio(to: number, pt: number, bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length; off += 160) {
      await this.send(to, encodeRtp({ payloadType: pt, marker: off === 0, sequence: this.seq++, timestamp: this.ts, ssrc: this.ssrc }, bytes.subarray(off, off + 160)));
      this.ts += 160;
    }
  }

  /** Sends one digit as RFC 4733 packets: a few updates, then the end packet three times. */
  async sendDigit(to: number, pt: number, event: number): Promise<void> {
    const start = this.ts;
    for (let i = 1; i <= 4; i++) {
      await this.send(to, encodeRtp({ payloadType: pt, marker: i === 1, sequence: this.seq++, timestamp: start, ssrc: this.ssrc }, encodeTelephoneEvent({ event, end: false, volume: 10, duration: i * 160 })));
    }
    const end = encodeRtp({ payloadType: pt, marker: false, sequence: this.seq++, timestamp: start, ssrc: this.ssrc }, encodeTelephoneEvent({ event, end: true, volume: 10, duration: 800 }));
    for (let i = 0; i < 3; i++) await this.send(to, end);
    this.ts += 1600;
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

/** The RTP packets (UDP payloads) of one of SIPp's RFC 2833 pcaps (Ethernet, IPv4, UDP). */
export function pcapRtp(name: string): Buffer[] {
  const d = readFileSync(join('/usr/share/sip-tester', name));
  const out: Buffer[] = [];
  for (let o = 24; o + 16 <= d.length; ) {
    const incl = d.readUInt32LE(o + 8);
    const frame = d.subarray(o + 16, o + 16 + incl);
    const ihl = (frame[14] & 0x0f) * 4;
    out.push(Buffer.from(frame.subarray(14 + ihl + 8)));
    o += 16 + incl;
  }
  return out;
}

/**
 * The usual fixture of a media test file: one server on its own port range, a fresh far end per
 * test, and after each test the check that nothing was left behind.
 */
export function useMediaServer(portMin: number): { server: EmbeddedMediaServer; far: FarEnd } {
  const fixture = { server: mediaServer(portMin), far: undefined as unknown as FarEnd };
  beforeEach(async () => {
    fixture.far = await FarEnd.open();
  });
  afterEach(async () => {
    await fixture.far.close();
    expect(fixture.server.stats()).toEqual({ endpoints: 0, portsInUse: 0 });
  });
  afterAll(() => fixture.server.close());
  return fixture;
}
