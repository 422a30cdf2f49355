import type { FaxAddon, FaxSession } from '../../fax/faxAddon.js';
import type { FaxReceiveResult } from '../MediaTypes.js';
import { SAMPLES_PER_PACKET } from './g711.js';

export interface FaxReceptionOptions {
  /** The TIFF the pages go to. */
  file: string;
  /** Our station id (CSI), at most 20 characters. */
  ident?: string;
  /** Longest reception (audio time); then it ends as a failure. */
  maxSeconds: number;
}

/**
 * One fax reception on an embedded endpoint: spandsp's answering terminal (native/fax) fed with
 * the caller's decoded audio as it arrives, and asked for one 20 ms frame per clock tick. The
 * addon works synchronously: measured at about 10 µs per frame per call on this project's CI
 * machine (test/fax/faxAddon.test.ts prints the figure), i.e. well under 0.1% of a 20 ms tick,
 * so it runs on the media clock itself rather than in a worker.
 *
 * Ends (resolving `done`, never rejecting) at T.30 phase E, at `maxSeconds` of sent audio, or
 * when stop() is called because the call went away; a stopped reception keeps its complete pages.
 */
export class FaxReception {
  readonly done: Promise<FaxReceiveResult>;
  private session: FaxSession | undefined;
  private resolve!: (r: FaxReceiveResult) => void;
  private framesSent = 0;
  private readonly maxFrames: number;

  constructor(addon: FaxAddon, opts: FaxReceptionOptions) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.maxFrames = Math.ceil((opts.maxSeconds * 1000) / 20);
    this.session = new addon.FaxSession({ role: 'receiver', file: opts.file, ...(opts.ident ? { ident: opts.ident } : {}) });
  }

  get active(): boolean {
    return this.session !== undefined;
  }

  /** Audio from the caller. */
  rx(pcm: Int16Array): void {
    if (!this.session) return;
    this.session.rx(pcm);
    this.check();
  }

  /** The next frame to send (silence once the reception is over). */
  tx(): Int16Array {
    if (!this.session) return new Int16Array(SAMPLES_PER_PACKET);
    const out = this.session.tx(SAMPLES_PER_PACKET);
    this.framesSent++;
    if (this.framesSent >= this.maxFrames) this.finish('timeout');
    else this.check();
    return out;
  }

  /** The call went away (hangup, abort, endpoint destroyed): end now with what arrived. */
  stop(): void {
    this.finish();
  }

  private check(): void {
    if (this.session?.result()) this.finish();
  }

  private finish(why?: 'timeout'): void {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    // terminate() runs phase E (closing the TIFF) when the session had not ended yet.
    if (!s.result()) s.terminate();
    const r = s.result();
    s.close();
    const seconds = (this.framesSent * SAMPLES_PER_PACKET) / 8000;
    if (!r) {
      this.resolve({ success: false, pages: 0, remoteIdent: '', reason: 'the fax session ended without a result', kind: 'protocol', seconds });
      return;
    }
    this.resolve({
      success: r.success,
      pages: r.pages,
      remoteIdent: r.remoteIdent.trim(),
      reason: why === 'timeout' ? `no end of transmission within ${Math.round(seconds)} s` : r.reason,
      kind: why === 'timeout' ? 'timeout' : r.kind,
      seconds,
    });
  }
}
