import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import type Mrf from 'drachtio-fsmrf';
import type { Logger } from '../../logger.js';
import { MediaAbortError, PromptFormatError } from '../MediaErrors.js';
import type {
  DtmfEvent,
  Endpoint,
  FaxReceiveResult,
  PlayCollectOptions,
  PlayCollectResult,
  PlayOptions,
  PlayResult,
  ReceiveFaxOptions,
  RecordOptions,
  RecordResult,
} from '../MediaTypes.js';
import {
  DIGITS_VARIABLE,
  dtmfDigits,
  dtmfFromFreeswitch,
  faxResultFromVariables,
  playAndGetDigitsArgs,
  recordArgs,
  recordTerminators,
  secondsFrom,
} from './freeswitchCommands.js';
import { playbackTarget, promptToFreeswitch, toFreeswitchPath, type FreeswitchMounts } from './FreeswitchPaths.js';

/** Why a FreeSWITCH endpoint ended, as given to its 'destroy' listeners. */
export type FreeswitchDestroyReason = 'destroy' | 'server-close' | 'media-server-hangup';

/** How long destroy() waits for FreeSWITCH's BYE after `hangup` before giving up on it. */
const HANGUP_WAIT_MS = 5_000;
/** 8 kHz 16-bit mono WAV, as FreeSWITCH records a G.711 channel (mod_sndfile). */
const WAV_HEADER_BYTES = 44;
const WAV_BYTES_PER_SECOND = 16_000;
const DEFAULT_FAX_SECONDS = 900;
/** What the fax-tone detector runs when it hears CNG; the DETECTED_TONE event is what we act on. */
const FAX_DETECT_ACTION = 'set contactsuite_fax_tone=true';

export interface FreeswitchEndpointContext {
  mounts: FreeswitchMounts;
  logger: Logger;
  /** Called once, after the endpoint is gone. */
  onClosed(ep: FreeswitchEndpoint): void;
}

type Cancel = (err: MediaAbortError) => void;

/**
 * One FreeSWITCH channel (drachtio-fsmrf Endpoint) behind the Endpoint seam. Media operations are
 * dptools applications executed over the channel's outbound event socket (playback,
 * play_and_get_digits, record, rxfax) or API commands (uuid_bridge, uuid_break,
 * uuid_send_dtmf); their CHANNEL_EXECUTE_COMPLETE variables become the results. FreeSWITCH
 * transcodes between bridged PCMA and PCMU legs itself.
 *
 * Aborting or superseding a prompt sends uuid_break; a hangup from FreeSWITCH's side ends pending
 * operations as the embedded engine does (a recording still returns what was written).
 */
export class FreeswitchEndpoint extends EventEmitter implements Endpoint {
  readonly id: string;
  private readonly cancellers = new Set<Cancel>();
  /** The prompt-like operation a new one supersedes (play, collect). */
  private current: Cancel | undefined;
  private peer: FreeswitchEndpoint | undefined;
  private faxDetecting = false;
  private destroyedBy: FreeswitchDestroyReason | undefined;
  private destroying: Promise<void> | undefined;

  constructor(
    private readonly fs: Mrf.Endpoint,
    private readonly ctx: FreeswitchEndpointContext,
  ) {
    super();
    this.id = fs.uuid;
    fs.on('dtmf', this.onDtmf);
    fs.on('tone', this.onTone);
    fs.on('destroy', this.onHangup);
  }

  get localSdp(): string {
    return this.fs.local.sdp;
  }

  get destroyed(): boolean {
    return this.destroyedBy !== undefined;
  }

  /** A re-INVITE towards FreeSWITCH with `remoteSdp` (answer to its offer, new offer, or hold); FreeSWITCH's answer becomes localSdp. */
  async modify(remoteSdp: string): Promise<void> {
    this.assertAlive();
    await this.fs.modify(remoteSdp);
  }

  // ---- prompts -------------------------------------------------------------------------------

  async play(file: string | string[], opts: PlayOptions = {}): Promise<PlayResult> {
    this.assertAlive();
    if (opts.signal?.aborted) throw new MediaAbortError('aborted');
    const files = Array.isArray(file) ? file : [file];
    const target = playbackTarget(files.map((f) => promptToFreeswitch(f, this.ctx.mounts)));
    await this.supersede();
    const evt = await this.track(this.fs.execute('playback', target), { signal: opts.signal, supersedable: true });
    if (evt.getHeader('Application-Response') === 'FILE NOT FOUND') throw new PromptFormatError(files.join(', '), `not found by FreeSWITCH (${target})`);
    return { playbackSeconds: secondsFrom(evt.getHeader('variable_playback_ms'), evt.getHeader('variable_playback_seconds')) };
  }

  async playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult> {
    this.assertAlive();
    if (opts.signal?.aborted) throw new MediaAbortError('aborted');
    const files = Array.isArray(opts.file) ? opts.file : [opts.file];
    const args = playAndGetDigitsArgs(opts, playbackTarget(files.map((f) => promptToFreeswitch(f, this.ctx.mounts))));
    await this.supersede();
    const evt = await this.track(this.fs.execute('play_and_get_digits', args), { signal: opts.signal, supersedable: true });
    const digits = evt.getHeader(`variable_${DIGITS_VARIABLE}`) ?? '';
    const terminator = evt.getHeader('variable_read_terminator_used');
    return { digits, ...(digits !== '' && terminator ? { terminator } : {}) };
  }

  // ---- recording -----------------------------------------------------------------------------

  /**
   * FreeSWITCH's record application into the shared DATA_DIR (a WAV it writes itself). Stops on a
   * terminator (playback_terminators), silence, or maxSeconds. If the caller hangs up meanwhile,
   * what FreeSWITCH wrote is returned, measured from the file.
   */
  async record(file: string, opts: RecordOptions): Promise<RecordResult> {
    this.assertAlive();
    if (opts.signal?.aborted) throw new MediaAbortError('aborted');
    const fsPath = toFreeswitchPath(file, this.ctx.mounts);
    const terminators = recordTerminators(opts.terminators);
    const work = (async () => {
      await this.fs.set('playback_terminators', terminators);
      const evt = await this.fs.execute('record', recordArgs(fsPath, opts));
      // Prompts are ended by uuid_break, never by a key: put the terminators back to none.
      if (terminators !== 'none') void this.fs.set('playback_terminators', 'none').catch(() => undefined);
      return evt;
    })();
    const result = await this.track<Mrf.EslEvent | RecordResult>(work, {
      signal: opts.signal,
      supersedable: false,
      onGone: (err) => (err.reason === 'aborted' ? undefined : recordedSeconds(file).then((seconds) => ({ seconds }))),
    });
    if (!isEslEvent(result)) return result;
    const terminator = result.getHeader('variable_playback_terminator_used');
    return {
      seconds: secondsFrom(result.getHeader('variable_record_ms'), result.getHeader('variable_record_seconds')),
      ...(terminator && terminator !== 'none' ? { terminator } : {}),
    };
  }

  // ---- DTMF ----------------------------------------------------------------------------------

  /** uuid_send_dtmf: RFC 2833 events towards this leg, at once (not queued behind a prompt). */
  async sendDtmf(digits: string): Promise<void> {
    this.assertAlive();
    if (dtmfDigits(digits) === '') return;
    const res = await this.fs.api('uuid_send_dtmf', [this.id, digits]);
    const body = res.getBody().trim();
    if (body.startsWith('-ERR')) throw new Error(`uuid_send_dtmf ${this.id} ${digits}: ${body}`);
  }

  private readonly onDtmf = (ev: { dtmf?: string; duration?: string }): void => {
    const d: DtmfEvent | undefined = dtmfFromFreeswitch(ev);
    if (d) this.emit('dtmf', d);
  };

  // ---- fax (mod_spandsp) -----------------------------------------------------------------------

  /**
   * rxfax into the shared DATA_DIR. maxSeconds and an abort end it with uuid_break, and the
   * result is still read from the channel; a hangup resolves at once as 'call-dropped' (the
   * event with FreeSWITCH's page count does not outlive the channel's event socket).
   */
  async receiveFax(tiffPath: string, opts: ReceiveFaxOptions = {}): Promise<FaxReceiveResult> {
    this.assertAlive();
    const fsPath = toFreeswitchPath(tiffPath, this.ctx.mounts);
    await this.supersede();
    const started = performance.now();
    const elapsed = (): number => (performance.now() - started) / 1000;
    const maxSeconds = opts.maxSeconds ?? DEFAULT_FAX_SECONDS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void this.breakMedia();
    }, maxSeconds * 1000);
    const stop = (): void => void this.breakMedia();
    opts.signal?.addEventListener('abort', stop, { once: true });
    try {
      const work = (async () => {
        if (opts.ident) await this.fs.set('fax_ident', opts.ident.slice(0, 20));
        return this.fs.execute('rxfax', fsPath);
      })();
      if (opts.signal?.aborted) stop();
      const result = await this.track<Mrf.EslEvent | FaxReceiveResult>(work, {
        supersedable: false,
        onGone: () =>
          Promise.resolve({ success: false, pages: 0, remoteIdent: '', reason: 'the call ended during reception', kind: 'call-dropped', seconds: elapsed() }),
      });
      if (!isEslEvent(result)) return result;
      const r = faxResultFromVariables((name) => result.getHeader(name), elapsed());
      return timedOut && !r.success ? { ...r, kind: 'timeout', reason: `no end of transmission within ${Math.round(maxSeconds)} s` } : r;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', stop);
    }
  }

  /** spandsp_start_fax_detect (CNG): mod_spandsp fires DETECTED_TONE with Detected-Fax-Tone, which drachtio-fsmrf emits as 'tone'. */
  startFaxDetect(): void {
    if (this.faxDetecting || this.destroyedBy) return;
    this.faxDetecting = true;
    this.fs.execute('spandsp_start_fax_detect', FAX_DETECT_ACTION).catch((err: Error) => this.ctx.logger.warn({ endpoint: this.id, err: err.message }, 'fax tone detection did not start'));
  }

  stopFaxDetect(): void {
    if (!this.faxDetecting || this.destroyedBy) return;
    this.faxDetecting = false;
    this.fs.execute('spandsp_stop_fax_detect').catch(() => undefined);
  }

  private readonly onTone = (ev: { tone?: string }): void => {
    if (ev.tone !== 'fax' || !this.faxDetecting) return;
    this.faxDetecting = false;
    this.ctx.logger.info({ endpoint: this.id }, 'fax calling tone (CNG) detected');
    this.emit('fax-tone');
  };

  // ---- bridge --------------------------------------------------------------------------------

  /** uuid_bridge: FreeSWITCH relays audio and DTMF, transcoding PCMA/PCMU where the legs differ. */
  async bridge(other: Endpoint): Promise<void> {
    this.assertAlive();
    if (!(other instanceof FreeswitchEndpoint)) throw new TypeError('can only bridge to an endpoint of the same FreeSWITCH media server');
    if (other === this) throw new Error('cannot bridge an endpoint to itself');
    other.assertAlive();
    if (this.peer === other) return;
    await this.unbridge();
    await other.unbridge();
    // Bridged legs hear each other, not prompts.
    await this.supersede();
    await other.supersede();
    await this.fs.bridge(other.fs);
    this.peer = other;
    other.peer = this;
  }

  /** Parks both legs again (uuid_transfer … -both park inline, as drachtio-fsmrf's unbridge does). */
  async unbridge(): Promise<void> {
    const peer = this.peer;
    if (!peer) return;
    this.peer = undefined;
    if (peer.peer === this) peer.peer = undefined;
    if (this.destroyedBy || peer.destroyedBy) return;
    try {
      await this.fs.unbridge();
    } catch (err) {
      this.ctx.logger.debug({ endpoint: this.id, err: (err as Error).message }, 'unbridge failed (a leg is gone)');
    }
  }

  // ---- teardown ------------------------------------------------------------------------------

  destroy(): Promise<void> {
    return this.destroyWith('destroy');
  }

  /** Idempotent: ends pending operations, hangs up the channel (unless FreeSWITCH already did), forgets the peer. */
  destroyWith(reason: FreeswitchDestroyReason): Promise<void> {
    if (this.destroying) return this.destroying;
    this.destroyedBy = reason;
    if (this.peer) {
      if (this.peer.peer === this) this.peer.peer = undefined;
      this.peer = undefined;
    }
    const err = new MediaAbortError(reason);
    const cancelAll = (): void => {
      for (const cancel of [...this.cancellers]) cancel(err);
      this.cancellers.clear();
    };
    this.destroying = (async () => {
      // FreeSWITCH's hangup can arrive in the same read as the last application's result (rxfax
      // ending because the sender hung up): let results already received settle first.
      if (reason === 'media-server-hangup') await new Promise((r) => setImmediate(r));
      cancelAll();
      try {
        if (reason !== 'media-server-hangup') await withTimeout(this.fs.destroy(), HANGUP_WAIT_MS);
      } catch (e) {
        this.ctx.logger.warn({ endpoint: this.id, err: (e as Error).message }, 'FreeSWITCH channel hangup not confirmed');
      } finally {
        this.fs.off('dtmf', this.onDtmf);
        this.fs.off('tone', this.onTone);
        this.fs.off('destroy', this.onHangup);
        this.ctx.onClosed(this);
        this.emit('destroy', reason);
      }
    })();
    return this.destroying;
  }

  private readonly onHangup = (): void => {
    void this.destroyWith('media-server-hangup');
  };

  // ---- operations ----------------------------------------------------------------------------

  /**
   * Settles with `work`, or earlier when the endpoint goes away, the signal aborts, or (for a
   * supersedable prompt) a newer prompt starts; an aborted or superseded operation is stopped on
   * FreeSWITCH with uuid_break. `onGone` may turn the ending into a result instead of a rejection.
   */
  private track<T>(
    work: Promise<T>,
    opts: { signal?: AbortSignal; supersedable: boolean; onGone?: (err: MediaAbortError) => Promise<T> | undefined },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const cleanup = (): void => {
        settled = true;
        this.cancellers.delete(cancel);
        if (this.current === cancel) this.current = undefined;
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const cancel: Cancel = (err) => {
        if (settled) return;
        cleanup();
        if (!this.destroyedBy) void this.breakMedia();
        const alt = opts.onGone?.(err);
        if (alt) alt.then(resolve, reject);
        else reject(err);
      };
      const onAbort = (): void => cancel(new MediaAbortError('aborted'));
      this.cancellers.add(cancel);
      if (opts.supersedable) this.current = cancel;
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      // Aborted while the previous prompt was being broken off: stop this one at once.
      if (opts.signal?.aborted) onAbort();
      work.then(
        (v) => {
          if (settled) return;
          cleanup();
          resolve(v);
        },
        (e: unknown) => {
          if (settled) return;
          cleanup();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** Ends the prompt in progress (rejecting it as superseded) and waits until FreeSWITCH took the break. */
  private async supersede(): Promise<void> {
    const cancel = this.current;
    if (!cancel) return;
    this.current = undefined;
    this.cancellers.delete(cancel);
    const broke = this.breakMedia();
    cancel(new MediaAbortError('superseded'));
    await broke;
  }

  private breaking: Promise<void> | undefined;

  /** uuid_break: stops the application running on the channel (one call for overlapping requests). */
  private breakMedia(): Promise<void> {
    this.breaking ??= this.fs
      .api('uuid_break', [this.id])
      .then(
        () => undefined,
        (err: Error) => this.ctx.logger.debug({ endpoint: this.id, err: err.message }, 'uuid_break failed'),
      )
      .finally(() => (this.breaking = undefined));
    return this.breaking;
  }

  private assertAlive(): void {
    if (this.destroyedBy) throw new MediaAbortError(this.destroyedBy);
  }
}

function isEslEvent(v: unknown): v is Mrf.EslEvent {
  return typeof (v as Mrf.EslEvent | undefined)?.getHeader === 'function';
}

/** Seconds of audio in a WAV FreeSWITCH wrote (0 when it wrote none). */
async function recordedSeconds(file: string): Promise<number> {
  try {
    const { size } = await stat(file);
    return Math.max(0, size - WAV_HEADER_BYTES) / WAV_BYTES_PER_SECOND;
  } catch {
    return 0;
  }
}

/** `p`, or a rejection naming the wait when it takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}
