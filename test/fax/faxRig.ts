/*
 * The caller's fax machine for the fax tests: spandsp's transmitter (the addon's calling side)
 * on a UDP socket of the test at 127.0.0.1, sending a TIFF as G.711 A-law RTP every 20 ms to
 * wherever our endpoint's audio comes from, and feeding what it receives back into the
 * transmitter. SIPp does the signalling with this socket as its SDP's RTP port.
 */
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { loadFaxAddon, type FaxSession, type T30Result } from '../../src/fax/faxAddon.js';
import { decodeG711, encodeG711 } from '../../src/media/embedded/g711.js';
import { decodeRtp, encodeRtp } from '../../src/media/embedded/rtp.js';

/** spandsp's headers: where they are, scripts/test.sh builds the addon, so the fax tests must run. */
export const FAX_TOOLS_PRESENT =
  spawnSync('pkg-config', ['--exists', 'spandsp', 'libtiff-4']).status === 0 ||
  ['/usr/include/spandsp.h', '/usr/include/x86_64-linux-gnu/spandsp.h'].some((h) => existsSync(h));

/** At most this many overdue frames are sent at once after a stall; older ones are dropped like lost packets. */
const MAX_CATCHUP = 5;

export class RtpFaxTransmitter {
  private remotePort: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private frames = 0;
  private seq = 1;
  private ts = 0;
  private session: FaxSession | undefined;
  private final: T30Result | undefined;
  /** Packets received from our endpoint (to tell "it answered with audio"). */
  received = 0;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    session: FaxSession,
  ) {
    this.session = session;
    socket.on('message', (msg, rinfo) => {
      const p = decodeRtp(msg);
      if (!p || !this.session) return;
      this.received++;
      this.remotePort = rinfo.port;
      if (p.payloadType === 8 || p.payloadType === 0) this.session.rx(decodeG711(p.payloadType === 8 ? 'PCMA' : 'PCMU', p.payload));
      this.check();
    });
  }

  /** A transmitter of `file` (TIFF/F) on a fresh socket; start() begins the call's audio. */
  static async open(file: string, ident: string): Promise<RtpFaxTransmitter> {
    const addon = loadFaxAddon();
    if (!addon) throw new Error('the fax addon is not built: run npm run build:fax');
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new RtpFaxTransmitter(socket, socket.address().port, new addon.FaxSession({ role: 'transmitter', file, ident }));
  }

  /** Sends one frame per 20 ms of wall time (frames before our endpoint's first packet go nowhere). */
  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.pace(), 5);
  }

  private pace(): void {
    const due = Math.floor((performance.now() - this.startedAt) / 20) + 1 - this.frames;
    for (let i = 0; i < due && this.session; i++) {
      const pcm = this.session.tx(160);
      this.frames++;
      this.ts += 160;
      if (i >= due - MAX_CATCHUP && this.remotePort !== undefined) {
        const pkt = encodeRtp({ payloadType: 8, marker: this.seq === 1, sequence: this.seq++ & 0xffff, timestamp: this.ts >>> 0, ssrc: 0xfa7 }, encodeG711('PCMA', pcm));
        this.socket.send(pkt, this.remotePort, '127.0.0.1');
      }
    }
    this.check();
  }

  private check(): void {
    const r = this.session?.result();
    if (r) this.finish(r);
  }

  private finish(r: T30Result): void {
    this.final = r;
    this.session?.close();
    this.session = undefined;
    clearInterval(this.timer);
  }

  /** The fax machine's side hangs up: no more audio, the session ends (dropped unless already done). */
  hangUp(): T30Result | undefined {
    if (this.session) {
      this.session.terminate();
      this.finish(this.session.result() as T30Result);
    }
    return this.final;
  }

  /** Resolves with the transmitter's T.30 result (bounded wait). */
  async finished(timeoutMs = 90_000): Promise<T30Result> {
    const deadline = Date.now() + timeoutMs;
    while (!this.final) {
      if (Date.now() > deadline) throw new Error(`the fax transmitter did not finish within ${timeoutMs} ms (${this.frames} frames sent, ${this.received} received)`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.final;
  }

  close(): Promise<void> {
    this.hangUp();
    clearInterval(this.timer);
    return new Promise((r) => this.socket.close(() => r()));
  }
}
