/**
 * The FreeSWITCH side of each Endpoint operation, as pure functions: the application arguments
 * the adapter sends (mod_dptools, mod_spandsp) and how it reads the channel variables of the
 * CHANNEL_EXECUTE_COMPLETE event back into Endpoint results.
 */
import type { DtmfEvent, FaxReceiveResult, PlayCollectOptions, RecordOptions } from '../MediaTypes.js';

/** The channel variable play_and_get_digits stores the digits in. */
export const DIGITS_VARIABLE = 'contactsuite_digits';
/** Every DTMF key: play_and_get_digits only accepts input matching its regex. */
const DIGITS_REGEX = '^[0-9*#A-D]+$';
/**
 * play_and_get_digits substitutes '#' for an empty terminator list (mod_dptools.c), so "no
 * terminator" is a string without any DTMF key in it.
 */
const NO_TERMINATORS = 'none';
/** Played between tries after bad input: a short silence, as the embedded engine has no such prompt. */
const INVALID_INPUT_FILE = 'silence_stream://250';
/** play_and_get_digits raises timeouts below 1 s to 1 s (mod_dptools.c). */
const MIN_TIMEOUT_MS = 1000;
/** record's energy threshold for silence (its own scale; FreeSWITCH's documented example value). */
const SILENCE_THRESHOLD = 200;

const DTMF_KEYS = /^[0-9*#A-D]*$/;

/**
 * play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid_file>
 * <var_name> <regexp> <digit_timeout> (mod_dptools). `timeoutMs` is both the wait after the
 * prompt and between digits, as in the embedded engine.
 */
export function playAndGetDigitsArgs(opts: Pick<PlayCollectOptions, 'min' | 'max' | 'tries' | 'timeoutMs' | 'terminators'>, target: string): string {
  const terminators = opts.terminators ?? '';
  if (!DTMF_KEYS.test(terminators)) throw new Error(`terminators ${JSON.stringify(terminators)}: expected DTMF keys 0-9, *, #, A-D`);
  const timeout = Math.max(MIN_TIMEOUT_MS, Math.round(opts.timeoutMs));
  return [
    Math.max(0, opts.min),
    Math.max(opts.min, opts.max),
    Math.max(1, opts.tries ?? 1),
    timeout,
    terminators === '' ? NO_TERMINATORS : terminators,
    target,
    INVALID_INPUT_FILE,
    DIGITS_VARIABLE,
    DIGITS_REGEX,
    timeout,
  ].join(' ');
}

/** record <path> <time_limit_secs> [<silence_thresh> <silence_hits>]: silence_hits counts seconds (switch_ivr_play_say.c). */
export function recordArgs(path: string, opts: Pick<RecordOptions, 'maxSeconds' | 'silenceMs'>): string {
  const parts = [path, String(Math.max(1, Math.ceil(opts.maxSeconds)))];
  if (opts.silenceMs !== undefined && opts.silenceMs > 0) parts.push(String(SILENCE_THRESHOLD), String(Math.max(1, Math.round(opts.silenceMs / 1000))));
  return parts.join(' ');
}

/** The value for `playback_terminators` (which also ends record): the digits, or none. */
export function recordTerminators(terminators: string | undefined): string {
  const t = terminators ?? '';
  if (!DTMF_KEYS.test(t)) throw new Error(`terminators ${JSON.stringify(t)}: expected DTMF keys 0-9, *, #, A-D`);
  return t === '' ? NO_TERMINATORS : t;
}

/** Digits for uuid_send_dtmf; rejects anything that is not a DTMF key (the command line is FreeSWITCH's API). */
export function dtmfDigits(digits: string): string {
  if (!DTMF_KEYS.test(digits)) throw new Error(`DTMF digits ${JSON.stringify(digits)}: expected 0-9, *, #, A-D`);
  return digits;
}

/** A DTMF event's fields (drachtio-fsmrf's 'dtmf': DTMF-Digit, DTMF-Duration in 8 kHz samples) as ours. */
export function dtmfFromFreeswitch(ev: { dtmf?: string; duration?: string }): DtmfEvent | undefined {
  const digit = (ev.dtmf ?? '').toUpperCase();
  if (digit.length !== 1 || !DTMF_KEYS.test(digit)) return undefined;
  const samples = Number(ev.duration);
  return { digit, durationMs: Number.isFinite(samples) && samples > 0 ? Math.round(samples / 8) : 0 };
}

/** Seconds from a *_ms channel variable, else its whole-seconds twin, else 0. */
export function secondsFrom(ms: string | undefined, seconds: string | undefined): number {
  const m = Number(ms);
  if (ms !== undefined && Number.isFinite(m)) return m / 1000;
  const s = Number(seconds);
  return seconds !== undefined && Number.isFinite(s) ? s : 0;
}

/** spandsp's T30_ERR_* completion codes (spandsp/t30.h) that the kinds below tell apart. */
const T30 = { OK: 0, T0_EXPIRED: 2, T1_EXPIRED: 3, FILEERROR: 41, NOPAGE: 42, BADTIFF: 43, BADTIFFHDR: 46, RETRYDCN: 48, CALLDROPPED: 49 } as const;

/** The same coarse classes as the embedded engine's addon (native/fax/fax.c kind_of). */
export function faxKind(code: number, pages: number, remoteIdent: string): FaxReceiveResult['kind'] {
  if (code === T30.RETRYDCN && pages === 0 && remoteIdent === '') return 'no-fax';
  switch (code) {
    case T30.OK:
      return 'ok';
    case T30.CALLDROPPED:
      return 'call-dropped';
    case T30.T0_EXPIRED:
    case T30.T1_EXPIRED:
      return 'no-fax';
    case T30.FILEERROR:
    case T30.NOPAGE:
    case T30.BADTIFF:
    case T30.BADTIFFHDR:
      return 'file';
    default:
      return 'protocol';
  }
}

/**
 * rxfax's result, from the variables mod_spandsp sets on the channel (fax_success,
 * fax_result_code, fax_result_text, fax_document_transferred_pages, fax_remote_station_id).
 */
export function faxResultFromVariables(get: (name: string) => string | undefined, seconds: number): FaxReceiveResult {
  const code = Number(get('variable_fax_result_code'));
  const pages = Number(get('variable_fax_document_transferred_pages') ?? 0);
  const remoteIdent = (get('variable_fax_remote_station_id') ?? '').trim();
  const success = get('variable_fax_success') === '1';
  const known = Number.isInteger(code);
  return {
    success,
    pages: Number.isFinite(pages) ? pages : 0,
    remoteIdent,
    reason: get('variable_fax_result_text') ?? (known ? `result code ${code}` : 'no fax result from FreeSWITCH'),
    kind: known ? faxKind(code, pages, remoteIdent) : success ? 'ok' : 'protocol',
    seconds,
  };
}
