import { randomInt, randomUUID } from 'node:crypto';
import type { Socket, RemoteInfo } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import wavefile from 'wavefile';
import type { Logger } from '../../logger.js';
import { FaxUnavailableError, MediaAbortError } from '../MediaErrors.js';
import { faxAvailability, loadFaxAddon } from '../../fax/faxAddon.js';
import type {
  DtmfEvent,
  Endpoint,
  FaxReceiveResult,
  PlayCollectOptions,
  PlayCollectResult,
  PlayOptions,
  PlayResult,
  RecordOptions,
  RecordResult,
  ReceiveFaxOptions,
} from '../MediaTypes.js';
import type { Codec, DestroyReason } from './EmbeddedMediaServerTypes.js';
import { decodeG711, encodeG711, rms, SAMPLES_PER_PACKET, SILENCE_BYTE, transcodeG711 } from './g711.js';
import { FaxReception } from './FaxReception.js';
import { FaxToneDetector } from './FaxToneDetector.js';
import type { ClockParticipant, PacingClock } from './PacingClock.js';
import type { PromptLibrary } from './PromptLibrary.js';
import { decodeRtp, encodeRtp, type RtpPacket } from './rtp.js';
import { acceptAnswer, awaitingAnswer, buildAnswer, buildOffer, negotiate, type MediaParams, type Negotiated } from './sdpNegotiation.js';
import { digitToEvent, DtmfDetector, encodeTelephoneEvent } from './telephoneEvent.js';

const { WaveFile } = wavefile;

/** A late endpoint sends at most this many overdue packets in one tick; older ones are skipped. */
const MAX_CATCHUP = 5;
/** RFC 4733 sending: 100 ms tone, the end packet three times (§2.5.1.4), then 60 ms before the next digit. */
const DTMF_TONE_SLOTS = 5;
const DTMF_END_PACKETS = 3;
const DTMF_GAP_SLOTS = 3;
const DTMF_VOLUME = 10;

/** What the server gives each endpoint. */
export interface EndpointContext {
  socket: Socket;
  port: number;
  host: string;
  clock: PacingClock;
  prompts: PromptLibrary;
  logger: Logger;
  silenceThreshold: number;
  /** Called once, after the socket is closed. */
  onClosed(ep: EmbeddedEndpoint): void;
}

interface Playback {
  data: Uint8Array;
  codec: Codec;
  offset: number;
  frames: number;
  resolve(r: PlayResult): void;
  reject(err: Error): void;
}

interface DtmfSending {
  events: number[];
  /** Slot within the current digit: tone, then end packets, then gap. */
  slot: number;
  startTs: number;
  resolve(): void;
  reject(err: Error): void;
}

interface Recording {
  chunks: Int16Array[];
  samples: number;
  maxSamples: number;
  silenceSamples: number;
  silenceLimit: number;
  terminators: string;
  finish(terminator?: string): void;
}

/**
 * One RTP stream of the embedded media engine: a UDP socket on an even port of the range, the
 * negotiated codec (PCMA/PCMU) and telephone-event payload type, and whatever it is sending now
 * (a prompt, DTMF, or audio relayed from a bridged endpoint). Prompts and DTMF are paced by the
 * server's shared clock; relayed audio goes out as it arrives.
 *
 * Made from a remote offer, it answers (localSdp is the answer). Made without one, it offers
 * (localSdp is the offer) and sends nothing until modify() gives it the answer.
 */
export class EmbeddedEndpoint extends EventEmitter implements Endpoint, ClockParticipant {
  readonly id = randomUUID();
  private sdp: string;
  private neg: MediaParams;
  /** True from creation in offer mode until modify() applies the answer. */
  private awaitingAnswer: boolean;
  private readonly sessionId = randomInt(1, 2 ** 47);
  private sdpVersion = 1;

  // RTP send state (RFC 3550 §5.1: random initial sequence number and timestamp).
  private readonly ssrc = randomInt(0, 2 ** 32);
  private seq = randomInt(0, 2 ** 16);
  private ts = randomInt(0, 2 ** 32);
  private lastSendNs: bigint | undefined;
  private talkspurtStart = true;
  private inClock = false;
  private nextTick = 0;

  private playback: Playback | undefined;
  private dtmfOut: DtmfSending | undefined;
  private recording: Recording | undefined;
  private peer: EmbeddedEndpoint | undefined;
  private relayTsOffset: number | undefined;
  private readonly detector = new DtmfDetector();
  private fax: FaxReception | undefined;
  private faxTone: FaxToneDetector | undefined;
  private readonly cancellers = new Set<(err: Error) => void>();

  private lastRxMs = performance.now();
  private destroyedBy: DestroyReason | undefined;
  private destroying: Promise<void> | undefined;
  /** Counters for tests and diagnostics. */
  readonly counters = { sent: 0, received: 0, sendErrors: 0 };

  /** `negotiated` is the answered remote offer; without it the endpoint makes an offer. */
  constructor(private readonly ctx: EndpointContext, negotiated?: Negotiated) {
    super();
    this.awaitingAnswer = negotiated === undefined;
    this.neg = negotiated ?? awaitingAnswer();
    this.sdp = negotiated ? this.answer(negotiated) : buildOffer(this.localAddress());
    ctx.socket.on('message', this.onMessage);
    ctx.socket.on('error', this.onSocketError);
  }

  get localSdp(): string {
    return this.sdp;
  }

  get port(): number {
    return this.ctx.port;
  }

  get codec(): Codec {
    return this.neg.codec;
  }

  get destroyed(): boolean {
    return this.destroyedBy !== undefined;
  }

  // ---- signalling ----------------------------------------------------------------------------

  /** Whether this endpoint made an offer that has no answer yet. */
  get offering(): boolean {
    return this.awaitingAnswer;
  }

  /**
   * The answer to our offer (offer mode, first call): sets the far end and the codec, and our
   * offer stays the local description. Otherwise a new offer (re-INVITE), which we answer.
   */
  async modify(remoteSdp: string): Promise<void> {
    this.assertAlive();
    if (this.awaitingAnswer) {
      this.neg = acceptAnswer(remoteSdp);
      this.awaitingAnswer = false;
    } else {
      const n = negotiate(remoteSdp);
      this.neg = n;
      this.sdpVersion++;
      this.sdp = this.answer(n);
    }
    // Coming off hold the far end may have been silent for long: restart the no-RTP timer.
    this.lastRxMs = performance.now();
  }

  private answer(n: Negotiated): string {
    return buildAnswer(n, this.localAddress());
  }

  private localAddress(): { host: string; port: number; sessionId: number; version: number } {
    return { host: this.ctx.host, port: this.ctx.port, sessionId: this.sessionId, version: this.sdpVersion };
  }

  // ---- play ----------------------------------------------------------------------------------

  async play(file: string | string[], opts: PlayOptions = {}): Promise<PlayResult> {
    this.assertAlive();
    const files = Array.isArray(file) ? file : [file];
    const codec = this.neg.codec;
    const parts = await Promise.all(files.map((f) => this.ctx.prompts.encoded(f, codec)));
    this.assertAlive();
    if (opts.signal?.aborted) throw new MediaAbortError('aborted');
    const data = concatPadded(parts, SILENCE_BYTE[codec]);
    this.stopPlayback(new MediaAbortError('superseded'));
    return new Promise<PlayResult>((resolve, reject) => {
      const cancel = (err: Error): void => this.stopPlayback(err);
      const onAbort = (): void => cancel(new MediaAbortError('aborted'));
      const done = (): void => {
        this.cancellers.delete(cancel);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      this.playback = {
        data,
        codec,
        offset: 0,
        frames: 0,
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      };
      this.cancellers.add(cancel);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.joinClock();
    });
  }

  /** Ends the current prompt: with `err` it rejects, without it resolves with what was played. */
  private stopPlayback(err?: Error): void {
    const p = this.playback;
    if (!p) return;
    this.playback = undefined;
    if (err) p.reject(err);
    else p.resolve({ playbackSeconds: p.frames * 0.02 });
  }

  // ---- play and collect ----------------------------------------------------------------------

  async playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult> {
    const tries = Math.max(1, opts.tries ?? 1);
    // Load the prompts first, so a digit cannot arrive between "collecting" and "playing".
    const codec = this.neg.codec;
    await Promise.all((Array.isArray(opts.file) ? opts.file : [opts.file]).map((f) => this.ctx.prompts.encoded(f, codec)));
    for (let attempt = 1; attempt <= tries; attempt++) {
      const r = await this.collectOnce(opts);
      if (r) return r;
    }
    return { digits: '' };
  }

  /** One try: prompt (stopped by the first digit), then digits until max, a terminator or the timeout. */
  private collectOnce(opts: PlayCollectOptions): Promise<PlayCollectResult | undefined> {
    this.assertAlive();
    const terminators = opts.terminators ?? '';
    return new Promise((resolve, reject) => {
      let digits = '';
      let settled = false;
      let prompting = true;
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        settled = true;
        if (timer) clearTimeout(timer);
        this.off('dtmf', onDigit);
        this.cancellers.delete(fail);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const finish = (r: PlayCollectResult | undefined): void => {
        if (settled) return;
        cleanup();
        if (prompting) this.stopPlayback();
        resolve(r);
      };
      const fail = (err: Error): void => {
        if (settled) return;
        cleanup();
        if (prompting) this.stopPlayback(err);
        reject(err);
      };
      const onAbort = (): void => fail(new MediaAbortError('aborted'));
      const armTimer = (): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => finish(digits.length > 0 && digits.length >= opts.min ? { digits } : undefined), opts.timeoutMs);
      };
      const onDigit = (d: DtmfEvent): void => {
        if (prompting) {
          prompting = false;
          this.stopPlayback();
        }
        if (terminators.includes(d.digit)) {
          finish(digits.length >= opts.min ? { digits, terminator: d.digit } : undefined);
          return;
        }
        digits += d.digit;
        if (digits.length >= opts.max) finish({ digits });
        else armTimer();
      };
      this.on('dtmf', onDigit);
      this.cancellers.add(fail);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.play(opts.file, { signal: opts.signal }).then(
        () => {
          if (settled) return;
          if (prompting) {
            prompting = false;
            armTimer();
          }
        },
        (err: Error) => {
          prompting = false;
          fail(err);
        },
      );
    });
  }

  // ---- record --------------------------------------------------------------------------------

  /**
   * Records received audio to an 8 kHz 16-bit PCM WAV until a terminator digit, `silenceMs` of
   * audio below the silence threshold, or `maxSeconds`. If the endpoint is destroyed meanwhile
   * (the caller hung up), what was recorded is still written and returned.
   */
  async record(file: string, opts: RecordOptions): Promise<RecordResult> {
    this.assertAlive();
    if (this.recording) throw new Error(`endpoint ${this.id} is already recording`);
    const result = await new Promise<{ pcm: Int16Array; terminator?: string }>((resolve, reject) => {
      const timer = setTimeout(() => rec.finish(), opts.maxSeconds * 1000);
      const onAbort = (): void => {
        cleanup();
        reject(new MediaAbortError('aborted'));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.recording = undefined;
        this.cancellers.delete(onDestroy);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const onDestroy = (): void => rec.finish();
      const rec: Recording = {
        chunks: [],
        samples: 0,
        maxSamples: Math.round(opts.maxSeconds * 8000),
        silenceSamples: 0,
        silenceLimit: opts.silenceMs ? Math.round(opts.silenceMs * 8) : Infinity,
        terminators: opts.terminators ?? '',
        finish: (terminator) => {
          if (this.recording !== rec) return;
          cleanup();
          const pcm = new Int16Array(rec.samples);
          let at = 0;
          for (const c of rec.chunks) pcm.set(c, (at += c.length) - c.length);
          resolve({ pcm, terminator });
        },
      };
      this.recording = rec;
      this.cancellers.add(onDestroy);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    const wav = new WaveFile();
    wav.fromScratch(1, 8000, '16', result.pcm);
    await writeFile(file, wav.toBuffer());
    return { seconds: result.pcm.length / 8000, ...(result.terminator ? { terminator: result.terminator } : {}) };
  }

  // ---- DTMF out ------------------------------------------------------------------------------

  async sendDtmf(digits: string): Promise<void> {
    this.assertAlive();
    if (this.neg.telephoneEventPt === undefined) throw new Error('the far end did not offer telephone-event (RFC 4733); cannot send DTMF');
    const events = [...digits].map(digitToEvent);
    if (events.length === 0) return;
    if (this.dtmfOut) throw new Error(`endpoint ${this.id} is already sending DTMF`);
    return new Promise<void>((resolve, reject) => {
      const cancel = (err: Error): void => {
        if (this.dtmfOut?.events !== events) return;
        this.dtmfOut = undefined;
        reject(err);
      };
      this.dtmfOut = {
        events,
        slot: 0,
        startTs: 0,
        resolve: () => (this.cancellers.delete(cancel), resolve()),
        reject,
      };
      this.cancellers.add(cancel);
      this.joinClock();
    });
  }

  // ---- fax (T.30 over G.711; see FaxReception) ------------------------------------------------

  async receiveFax(tiffPath: string, opts: ReceiveFaxOptions = {}): Promise<FaxReceiveResult> {
    this.assertAlive();
    const addon = loadFaxAddon(this.ctx.logger);
    if (!addon) throw new FaxUnavailableError((faxAvailability() as { reason: string }).reason);
    if (this.fax) throw new Error(`endpoint ${this.id} is already receiving a fax`);
    // The fax terminal owns what we send from now on.
    this.stopPlayback(new MediaAbortError('superseded'));
    const fax = new FaxReception(addon, { file: tiffPath, maxSeconds: opts.maxSeconds ?? 900, ...(opts.ident ? { ident: opts.ident } : {}) });
    this.fax = fax;
    const stop = (): void => fax.stop();
    this.cancellers.add(stop);
    opts.signal?.addEventListener('abort', stop, { once: true });
    if (opts.signal?.aborted) fax.stop();
    this.joinClock();
    try {
      return await fax.done;
    } finally {
      if (this.fax === fax) this.fax = undefined;
      this.cancellers.delete(stop);
      opts.signal?.removeEventListener('abort', stop);
    }
  }

  startFaxDetect(): void {
    this.faxTone ??= new FaxToneDetector();
  }

  stopFaxDetect(): void {
    this.faxTone = undefined;
  }

  /** One frame of the fax terminal's audio (computed even when the slot is skipped: its clock is the sample count). */
  private faxFrame(fax: FaxReception, tick: number | undefined): void {
    const marker = this.advanceTimestamp();
    const payload = encodeG711(this.neg.codec, fax.tx());
    if (tick !== undefined && this.neg.weSend) {
      this.send(this.neg.payloadType, marker, this.ts, payload);
      this.ctx.clock.recordSend(tick);
    }
  }

  // ---- bridge --------------------------------------------------------------------------------

  async bridge(other: Endpoint): Promise<void> {
    this.assertAlive();
    if (!(other instanceof EmbeddedEndpoint)) throw new TypeError('can only bridge to an endpoint of the embedded media server');
    if (other === this) throw new Error('cannot bridge an endpoint to itself');
    other.assertAlive();
    if (this.peer === other) return;
    await this.unbridge();
    await other.unbridge();
    // Bridged legs hear each other, not prompts.
    this.stopPlayback();
    other.stopPlayback();
    this.peer = other;
    other.peer = this;
  }

  async unbridge(): Promise<void> {
    const peer = this.peer;
    if (!peer) return;
    this.peer = undefined;
    this.relayTsOffset = undefined;
    this.talkspurtStart = true;
    if (peer.peer === this) {
      peer.peer = undefined;
      peer.relayTsOffset = undefined;
      peer.talkspurtStart = true;
    }
  }

  /** Sends a packet that arrived at the bridged peer, in our payload types and RTP numbering. */
  private relay(pkt: RtpPacket, fromCodec: Codec, isEvent: boolean): void {
    if (this.destroyedBy || !this.neg.weSend || this.inClock) return;
    const pt = isEvent ? this.neg.telephoneEventPt : this.neg.payloadType;
    if (pt === undefined) return;
    if (this.relayTsOffset === undefined) this.relayTsOffset = (this.resumeTimestamp() - pkt.timestamp) >>> 0;
    const ts = (pkt.timestamp + this.relayTsOffset) >>> 0;
    const payload = isEvent ? pkt.payload : transcodeG711(fromCodec, this.neg.codec, pkt.payload);
    if (!isEvent) this.ts = ts;
    this.send(pt, pkt.marker, ts, payload);
  }

  // ---- pacing --------------------------------------------------------------------------------

  private joinClock(): void {
    if (this.inClock || this.destroyedBy) return;
    this.inClock = true;
    this.nextTick = this.ctx.clock.add(this);
  }

  private leaveClock(): void {
    if (!this.inClock) return;
    this.inClock = false;
    this.talkspurtStart = true;
    this.ctx.clock.remove(this);
  }

  /** Sends every packet due by `tick`: packet n of a stream at its start tick + n. */
  onTick(tick: number, clock: PacingClock): void {
    let due = tick - this.nextTick + 1;
    if (due <= 0) return;
    if (due > MAX_CATCHUP) {
      const skip = due - MAX_CATCHUP;
      for (let i = 0; i < skip && this.inClock; i++) this.frame(undefined);
      clock.recordSkipped(skip);
      this.nextTick += skip;
      due = MAX_CATCHUP;
    }
    while (this.inClock && this.nextTick <= tick) {
      this.frame(this.nextTick);
      this.nextTick++;
    }
  }

  /** Produces the packet of one 20 ms slot (sent when `tick` is given, skipped otherwise). */
  private frame(tick: number | undefined): void {
    if (this.fax?.active) {
      this.faxFrame(this.fax, tick);
      return;
    }
    const dtmf = this.dtmfOut;
    if (dtmf) {
      this.dtmfFrame(dtmf, tick);
      return;
    }
    const p = this.playback;
    if (!p) {
      this.leaveClock();
      return;
    }
    const marker = this.advanceTimestamp();
    let payload: Uint8Array = p.data.subarray(p.offset, p.offset + SAMPLES_PER_PACKET);
    if (p.codec !== this.neg.codec) payload = transcodeG711(p.codec, this.neg.codec, payload);
    if (tick !== undefined && this.neg.weSend) {
      this.send(this.neg.payloadType, marker, this.ts, payload);
      this.ctx.clock.recordSend(tick);
    }
    p.offset += SAMPLES_PER_PACKET;
    p.frames++;
    if (p.offset >= p.data.length) {
      this.playback = undefined;
      p.resolve({ playbackSeconds: p.frames * 0.02 });
    }
  }

  private dtmfFrame(d: DtmfSending, tick: number | undefined): void {
    this.advanceTimestamp();
    if (d.slot === 0) d.startTs = this.ts;
    const event = d.events[0];
    const toneSlots = DTMF_TONE_SLOTS;
    if (d.slot < toneSlots + DTMF_END_PACKETS && tick !== undefined && this.neg.weSend) {
      const end = d.slot >= toneSlots;
      const duration = Math.min(d.slot + 1, toneSlots) * SAMPLES_PER_PACKET;
      // RFC 4733 §2.5.1.3: the marker goes on the first packet of an event only.
      const payload = encodeTelephoneEvent({ event, end, volume: DTMF_VOLUME, duration });
      this.send(this.neg.telephoneEventPt!, d.slot === 0, d.startTs, payload);
      this.ctx.clock.recordSend(tick);
    }
    d.slot++;
    if (d.slot >= toneSlots + DTMF_END_PACKETS + DTMF_GAP_SLOTS) {
      d.events.shift();
      d.slot = 0;
      if (d.events.length === 0) {
        this.dtmfOut = undefined;
        d.resolve();
      }
    }
  }

  /** Moves the RTP timestamp to this slot; true when the slot starts a talkspurt (marker bit). */
  private advanceTimestamp(): boolean {
    if (this.talkspurtStart) {
      this.talkspurtStart = false;
      this.ts = this.resumeTimestamp();
      return true;
    }
    this.ts = (this.ts + SAMPLES_PER_PACKET) >>> 0;
    return false;
  }

  /** The timestamp after a pause: the last one plus the time elapsed at 8 kHz (RFC 3550 §5.1). */
  private resumeTimestamp(): number {
    if (this.lastSendNs === undefined) return this.ts;
    const elapsed = Number((process.hrtime.bigint() - this.lastSendNs) / 125_000n);
    return (this.ts + Math.max(SAMPLES_PER_PACKET, elapsed)) >>> 0;
  }

  private send(pt: number, marker: boolean, ts: number, payload: Uint8Array): void {
    const buf = encodeRtp({ payloadType: pt, marker, sequence: this.seq, timestamp: ts, ssrc: this.ssrc }, payload);
    this.seq = (this.seq + 1) & 0xffff;
    this.lastSendNs = process.hrtime.bigint();
    this.counters.sent++;
    this.ctx.socket.send(buf, this.neg.remotePort, this.neg.remoteHost, this.onSent);
  }

  private readonly onSent = (err: Error | null): void => {
    if (err) this.counters.sendErrors++;
  };

  // ---- receive -------------------------------------------------------------------------------

  private readonly onMessage = (msg: Buffer, _rinfo: RemoteInfo): void => {
    const pkt = decodeRtp(msg);
    if (!pkt || this.destroyedBy) return;
    this.lastRxMs = performance.now();
    this.counters.received++;
    if (pkt.payloadType === this.neg.telephoneEventPt) {
      const d = this.detector.accept(pkt.timestamp, pkt.payload);
      this.peer?.relay(pkt, this.neg.codec, true);
      if (d) {
        const rec = this.recording;
        if (rec && rec.terminators.includes(d.digit)) rec.finish(d.digit);
        this.emit('dtmf', d);
      }
      return;
    }
    if (pkt.payloadType !== this.neg.payloadType) return;
    this.peer?.relay(pkt, this.neg.codec, false);
    if (this.fax || this.faxTone) this.faxAudio(decodeG711(this.neg.codec, pkt.payload));
    const rec = this.recording;
    if (rec) {
      const pcm = decodeG711(this.neg.codec, pkt.payload);
      rec.chunks.push(pcm);
      rec.samples += pcm.length;
      rec.silenceSamples = rms(pcm) < this.ctx.silenceThreshold ? rec.silenceSamples + pcm.length : 0;
      if (rec.samples >= rec.maxSamples || rec.silenceSamples >= rec.silenceLimit) rec.finish();
    }
  };

  private faxAudio(pcm: Int16Array): void {
    this.fax?.rx(pcm);
    if (this.faxTone?.accept(pcm)) {
      this.ctx.logger.info({ endpoint: this.id }, 'fax calling tone (CNG) detected');
      this.emit('fax-tone');
    }
  }

  private readonly onSocketError = (err: Error): void => {
    this.ctx.logger.warn({ err, endpoint: this.id, port: this.ctx.port }, 'RTP socket error; destroying endpoint');
    void this.destroyWith('rtp-timeout');
  };

  /** Called by the server's watchdog: destroys the endpoint if the far end should send and has not. */
  checkRtpTimeout(nowMs: number, timeoutMs: number): void {
    if (this.destroyedBy || !this.neg.theySend) return;
    if (nowMs - this.lastRxMs > timeoutMs) {
      this.ctx.logger.info({ endpoint: this.id, port: this.ctx.port, timeoutMs }, 'no RTP from the far end; destroying endpoint');
      void this.destroyWith('rtp-timeout');
    }
  }

  // ---- teardown ------------------------------------------------------------------------------

  destroy(): Promise<void> {
    return this.destroyWith('destroy');
  }

  /** Idempotent teardown: leaves the clock, ends pending operations, closes the socket, frees the port. */
  destroyWith(reason: DestroyReason): Promise<void> {
    if (this.destroying) return this.destroying;
    this.destroyedBy = reason;
    this.leaveClock();
    void this.unbridge();
    const err = new MediaAbortError(reason);
    for (const cancel of [...this.cancellers]) cancel(err);
    this.cancellers.clear();
    this.stopPlayback(err);
    this.ctx.socket.off('message', this.onMessage);
    this.destroying = new Promise<void>((resolve) => {
      const closed = (): void => {
        this.ctx.onClosed(this);
        this.emit('destroy', reason);
        resolve();
      };
      try {
        this.ctx.socket.close(closed);
      } catch {
        closed(); // already closed (after a socket error)
      }
    });
    return this.destroying;
  }

  private assertAlive(): void {
    if (this.destroyedBy) throw new MediaAbortError(this.destroyedBy);
  }
}

/** Joins prompt parts and pads the end with silence to whole 20 ms packets. */
function concatPadded(parts: Uint8Array[], silence: number): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const padded = Math.ceil(len / SAMPLES_PER_PACKET) * SAMPLES_PER_PACKET;
  const out = new Uint8Array(padded).fill(silence, len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
