import { describe, expect, it } from 'vitest';
import {
  dtmfDigits,
  dtmfFromFreeswitch,
  faxKind,
  faxResultFromVariables,
  playAndGetDigitsArgs,
  recordArgs,
  recordTerminators,
  secondsFrom,
} from '../../../src/media/freeswitch/freeswitchCommands.js';

describe('play_and_get_digits arguments', () => {
  it.each([
    [{ min: 1, max: 4, tries: 3, timeoutMs: 5000, terminators: '#' }, '1 4 3 5000 # /p/a.wav silence_stream://250 contactsuite_digits ^[0-9*#A-D]+$ 5000'],
    // No terminator: FreeSWITCH would substitute '#' for an empty list, so a string without DTMF keys.
    [{ min: 1, max: 1, timeoutMs: 3000 }, '1 1 1 3000 none /p/a.wav silence_stream://250 contactsuite_digits ^[0-9*#A-D]+$ 3000'],
    // FreeSWITCH raises timeouts under 1 s to 1 s; max is never below min.
    [{ min: 3, max: 2, tries: 0, timeoutMs: 200, terminators: '*#' }, '3 3 1 1000 *# /p/a.wav silence_stream://250 contactsuite_digits ^[0-9*#A-D]+$ 1000'],
  ])('%j → %s', (opts, args) => {
    expect(playAndGetDigitsArgs(opts, '/p/a.wav')).toBe(args);
  });

  it('refuses terminators that are not DTMF keys (they would split the argument list)', () => {
    expect(() => playAndGetDigitsArgs({ min: 1, max: 1, timeoutMs: 1000, terminators: '# x' }, '/p/a.wav')).toThrow(/terminators "# x"/);
  });
});

describe('record arguments', () => {
  it.each([
    [{ maxSeconds: 120, silenceMs: 3000 }, '/d/m.wav 120 200 3'],
    [{ maxSeconds: 90.5 }, '/d/m.wav 91'],
    // silence_hits counts whole seconds (switch_ivr_play_say.c): at least one.
    [{ maxSeconds: 10, silenceMs: 200 }, '/d/m.wav 10 200 1'],
  ])('%j → %s', (opts, args) => {
    expect(recordArgs('/d/m.wav', opts)).toBe(args);
  });

  it.each([
    [undefined, 'none'],
    ['', 'none'],
    ['#', '#'],
    ['*#', '*#'],
  ])('terminators %j → playback_terminators=%s', (t, v) => {
    expect(recordTerminators(t)).toBe(v);
  });
});

describe('DTMF', () => {
  it.each([
    [{ dtmf: '5', duration: '800' }, { digit: '5', durationMs: 100 }],
    [{ dtmf: '#', duration: '2000' }, { digit: '#', durationMs: 250 }],
    [{ dtmf: 'a', duration: 'x' }, { digit: 'A', durationMs: 0 }],
    [{ dtmf: 'X', duration: '800' }, undefined],
    [{}, undefined],
  ])('FreeSWITCH %j → %j', (ev, d) => {
    expect(dtmfFromFreeswitch(ev)).toEqual(d);
  });

  it('sends only DTMF keys through uuid_send_dtmf', () => {
    expect(dtmfDigits('0123456789*#ABCD')).toBe('0123456789*#ABCD');
    expect(() => dtmfDigits('1; hupall')).toThrow(/DTMF digits/);
  });
});

describe('results from channel variables', () => {
  it.each([
    ['2320', '2', 2.32],
    [undefined, '4', 4],
    [undefined, undefined, 0],
  ])('ms %s / seconds %s → %s s', (ms, s, out) => {
    expect(secondsFrom(ms, s)).toBe(out);
  });

  it.each([
    [0, 2, 'X', 'ok'],
    [49, 1, 'X', 'call-dropped'],
    [2, 0, '', 'no-fax'],
    [48, 0, '', 'no-fax'],
    [48, 1, 'X', 'protocol'],
    [43, 0, 'X', 'file'],
    [26, 1, 'X', 'protocol'],
  ] as const)('T.30 code %i, %i pages, ident %j → %s', (code, pages, ident, kind) => {
    expect(faxKind(code, pages, ident)).toBe(kind);
  });

  it('reads rxfax\'s variables into a fax result', () => {
    const vars: Record<string, string> = {
      variable_fax_success: '0',
      variable_fax_result_code: '49',
      variable_fax_result_text: 'The call dropped prematurely',
      variable_fax_document_transferred_pages: '1',
      variable_fax_remote_station_id: ' 0201234567 ',
    };
    expect(faxResultFromVariables((n) => vars[n], 31)).toEqual({
      success: false,
      pages: 1,
      remoteIdent: '0201234567',
      reason: 'The call dropped prematurely',
      kind: 'call-dropped',
      seconds: 31,
    });
    expect(faxResultFromVariables(() => undefined, 2)).toMatchObject({ success: false, pages: 0, kind: 'protocol', reason: 'no fax result from FreeSWITCH' });
  });
});
