import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispositionOfStatus, numberCallDisposition, numberCallHooks } from '../../src/cdr/callRecords.js';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { silentLogger } from '../../src/logger.js';
import { callerIdentityOf, shownCaller } from '../../src/cdr/callerIdentity.js';
import type { PathEntry } from '../../src/plans/CallMachineTypes.js';

const at = 0;
const forward = (outcome: string): PathEntry => ({ node: 'bellen', type: 'forward', enteredAt: at, outcome });
const announce: PathEntry = { node: 'welkom', type: 'announcement', enteredAt: at, outcome: 'played' };

describe('the disposition of a number call', () => {
  it.each<[string, Parameters<typeof numberCallDisposition>[0], string]>([
    ['refused at the number\'s channel limit', { sipStatus: 486, path: [] }, 'refused-channel-limit'],
    ['no common codec', { sipStatus: 488, path: [] }, 'failed'],
    ['cancelled before the answer', { sipStatus: 487, path: [] }, 'abandoned'],
    ['failed after our answer', { sipStatus: 200, path: [] }, 'failed'],
    ['connected to a forward', { end: 'answered', path: [forward('answered')] }, 'answered'],
    ['caller hung up in the plan', { end: 'caller-hungup', path: [announce] }, 'abandoned'],
    ['plan of announcements ran to its end', { end: 'hangup', path: [announce] }, 'answered'],
    ['forward busy, then the plan hung up', { end: 'hangup', path: [forward('busy'), announce] }, 'busy'],
    ['forward unanswered', { end: 'hangup', path: [forward('noanswer')] }, 'no-answer'],
    ['forward failed', { end: 'hangup', path: [forward('failed')] }, 'failed'],
  ])('%s', (_name, summary, disposition) => {
    expect(numberCallDisposition(summary)).toBe(disposition);
  });

  it.each([
    [200, 'answered'],
    [486, 'busy'],
    [480, 'no-answer'],
    [487, 'abandoned'],
    [404, 'failed'],
    [503, 'failed'],
  ])('SIP %i reads as %s', (status, disposition) => {
    expect(dispositionOfStatus(status)).toBe(disposition);
  });
});

describe('the caller and presentation restriction', () => {
  it.each<[string, { from?: string; pai?: string; privacy?: string }, { number?: string; restricted: boolean }, string]>([
    ['a plain caller', { from: '<sip:0612345678@carrier>;tag=1' }, { number: '0612345678', restricted: false }, '0612345678'],
    ['Privacy: id', { from: '<sip:0612345678@carrier>;tag=1', privacy: 'id' }, { number: '0612345678', restricted: true }, 'anonymous'],
    [
      'anonymous From, number in P-Asserted-Identity',
      { from: '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1', pai: '<tel:+31612345678>' },
      { number: '+31612345678', restricted: true },
      'anonymous',
    ],
    ['anonymous without any number', { from: '<sip:anonymous@anonymous.invalid>' }, { restricted: true }, 'anonymous'],
    ['Privacy: none', { from: 'sip:+31201234567@h', privacy: 'none' }, { number: '+31201234567', restricted: false }, '+31201234567'],
  ])('%s', (_name, headers, identity, shown) => {
    const caller = callerIdentityOf(headers);
    expect(caller).toEqual(identity);
    expect(shownCaller(caller)).toBe(shown);
  });
});

describe('the number-call hooks', () => {
  it('record a forwarded call with the account that took it and a restricted caller', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-cdr-hooks-'));
    try {
      const log = await FileCdrLog.open(dir, silentLogger());
      const recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger: silentLogger(), instanceId: 't' });
      const hooks = numberCallHooks(recorder);
      const headers: Record<string, string> = { 'Call-ID': 'abc', From: '<sip:anonymous@anonymous.invalid>;tag=1', 'P-Asserted-Identity': '<sip:+31612345678@carrier>', Privacy: 'id' };
      const req = { get: (h: string) => headers[h] } as unknown as Parameters<typeof hooks.onCallStarted>[0];
      const t0 = Date.parse('2026-10-07T10:00:00+02:00');
      hooks.onCallStarted(req, { id: 'n1', e164: '+319061110001', type: '0906', customerId: 'c1', status: 'active', tariff: { perCallCents: 100 }, createdAt: 0 }, t0);
      hooks.onCallEnded({
        callId: 'abc',
        numberId: 'n1',
        e164: '+319061110001',
        planSource: 'file:x',
        startedAt: t0,
        answeredAt: t0,
        endedAt: t0 + 60_000,
        end: 'answered',
        path: [forward('answered')],
        tariffAnnouncementEndedAt: t0 + 5000,
        answeredBy: { account: '202', accountId: 'acc-202', contact: 'sip:202@127.0.0.1:5070' } as { account: string },
      });
      await recorder.stop();
      const [cdr] = await log.readAll();
      expect(cdr).toMatchObject({ disposition: 'answered', answeredBy: { account: '202' }, caller: { number: '+31612345678', restricted: true }, billableSeconds: 55, chargeInclVatCents: 100 });
      expect(shownCaller(cdr.caller)).toBe('anonymous');
      await log.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
