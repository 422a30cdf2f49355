/*
 * CDRs of real calls to a 090x number: a SIPp caller from the network, the engine, the number
 * runtime with the CDR hooks, the embedded media engine, and a CDR log in a temporary data
 * directory. The rig's clock is moved only after the caller has heard the whole tariff
 * announcement (and the start of the next prompt), so the billable seconds are exact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numberCallHooks } from '../../src/cdr/callRecords.js';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type { Cdr } from '../../src/cdr/CdrTypes.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { outpaymentReport } from '../../src/cdr/reports.js';
import { silentLogger } from '../../src/logger.js';
import { tariffAnnouncementPrompts } from '../../src/numbers/tariffAnnouncement.js';
import { describeRun } from '../support/sipp.js';
import { CallerAudio, expectedAudio, startNumberRig, type NumberRig } from '../calls/rig.js';

const LONG = `
name: long
start: gesloten
nodes:
  gesloten: { type: announcement, prompts: [nl/gesloten], next: ophangen }
  ophangen: { type: hangup }
`;

const T0 = new Date('2026-10-07T10:00:00+02:00');
const TARIFF = { perMinuteCents: 90 };

let rig: NumberRig;
let log: FileCdrLog;
let recorder: CdrRecorder;
let dir: string;
let hooks: ReturnType<typeof numberCallHooks>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cs-cdr-calls-'));
  log = await FileCdrLog.open(dir, silentLogger());
  recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger: silentLogger(), instanceId: 'test' });
  hooks = numberCallHooks(recorder);
  // The rig keeps its own onCallEnded (rig.ended); the CDR hook gets each summary from there.
  rig = await startNumberRig(48400, { onCallStarted: hooks.onCallStarted, onUnknownNumber: hooks.onUnknownNumber, maxCallsPerNumber: 1 });
  rig.writePlan('long', LONG);
  await rig.planLoaded('long');
}, 30_000);

afterAll(async () => {
  await rig?.stop();
  await recorder?.stop();
  await log?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** Hands the rig's newest summary to the CDR hook and returns the CDR written for it. */
async function cdrOf(seen: number): Promise<Cdr> {
  for (let i = 0; i < 250 && rig.ended.length <= seen; i++) await new Promise((r) => setTimeout(r, 20));
  const summary = rig.ended[seen];
  if (!summary) throw new Error('the call did not end');
  hooks.onCallEnded(summary);
  for (let i = 0; i < 100; i++) {
    const found = (await log.readAll()).find((c) => c.callId === summary.callId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no CDR for call ${summary.callId}`);
}

describe('CDRs of calls to a 0909 number at 90 ct a minute', () => {
  it('a 10-minute call after the tariff announcement is billed 10 minutes, with the providers\' outpayment', async () => {
    rig.setNow(T0);
    const n = await rig.addNumber({ e164: '+319091110001', type: '0909', planId: 'file:long', tariff: TARIFF });
    const audio = await CallerAudio.open();
    const seen = rig.ended.length;
    try {
      const call = await rig.startCall('caller-wait-bye', '09091110001', audio.port, { caller: '0612345678' });
      const tariff = await expectedAudio(tariffAnnouncementPrompts(TARIFF));
      // Past the tariff and into the plan's first prompt: the announcement's end is recorded.
      await audio.until(tariff.length + 3200);
      rig.setNow(new Date(T0.getTime() + 600_000));
      const result = await call.done;
      expect(result.successful, describeRun(result)).toBe(1);
    } finally {
      await audio.close();
    }
    const cdr = await cdrOf(seen);
    expect(cdr).toMatchObject({
      direction: 'inbound',
      numberId: n.id,
      customerId: rig.customerId,
      called: '+319091110001',
      calledType: '0909',
      caller: { number: '0612345678', restricted: false },
      disposition: 'answered',
      answeredBy: { plan: true },
      startedAt: T0.getTime(),
      answeredAt: T0.getTime(),
      tariffAnnouncementEndedAt: T0.getTime(),
      endedAt: T0.getTime() + 600_000,
      billableSeconds: 600,
      chargeInclVatCents: 900,
      chargeExclVatMilliCents: 743_802,
      costMilliCents: 101_300,
      outpaymentMilliCents: 642_502,
    });
    expect(cdr.path?.map((p) => p.node)).toEqual(['gesloten', 'ophangen']);
    const report = outpaymentReport('2026-10', await log.month('2026-10'));
    expect(report.customers[0].numbers.find((x) => x.number === '+319091110001')).toMatchObject({ calls: 1, minutes: '10.00', outpaymentMilliCents: 642_502 });
  }, 60_000);

  it('a caller who hangs up during the tariff announcement pays nothing', async () => {
    rig.setNow(T0);
    await rig.addNumber({ e164: '+319091110002', type: '0909', planId: 'file:long', tariff: TARIFF });
    const audio = await CallerAudio.open();
    const seen = rig.ended.length;
    try {
      // BYE half a second into the announcement ("Dit gesprek kost 90 cent per minuut" lasts seconds).
      const result = await rig.call('caller-hangup', '09091110002', audio.port, { pauseMs: 500, caller: '0201234567' });
      expect(result.successful, describeRun(result)).toBe(1);
    } finally {
      await audio.close();
    }
    const cdr = await cdrOf(seen);
    expect(cdr.tariffAnnouncementEndedAt).toBeUndefined();
    expect(cdr).toMatchObject({ disposition: 'abandoned', billableSeconds: 0, chargeInclVatCents: 0, costMilliCents: 0, outpaymentMilliCents: 0 });
    expect(cdr.path?.map((p) => p.node) ?? []).toEqual([]);
  }, 60_000);

  it('a call beyond the number\'s channel limit is refused with 486 and recorded as such', async () => {
    rig.setNow(T0);
    await rig.addNumber({ e164: '+319091110003', type: '0909', planId: 'file:long', tariff: TARIFF });
    const audio = await CallerAudio.open();
    const seen = rig.ended.length;
    try {
      const first = await rig.startCall('caller-hangup', '09091110003', audio.port, { pauseMs: 3000 });
      await audio.until(800);
      const second = await rig.call('caller-expect-486', '09091110003', audio.port, { caller: '0207654321' });
      expect(second.successful, describeRun(second)).toBe(1);
      const cdr = await cdrOf(seen);
      expect(cdr).toMatchObject({ disposition: 'refused-channel-limit', sipStatus: 486, caller: { number: '0207654321' }, billableSeconds: 0, chargeInclVatCents: 0 });
      expect(cdr.answeredAt).toBeUndefined();
      await first.done;
      await cdrOf(seen + 1);
    } finally {
      await audio.close();
    }
    const usage = (await log.month('2026-10')).get(rig.customerId, '+319091110003');
    expect(usage).toMatchObject({ attempts: 2, answered: 0 });
  }, 60_000);

  it('a call to a number we do not have is refused with 404 and still recorded', async () => {
    const audio = await CallerAudio.open();
    try {
      const result = await rig.call('caller-expect-404', '09099999999', audio.port, { caller: '0612345678' });
      expect(result.successful, describeRun(result)).toBe(1);
    } finally {
      await audio.close();
    }
    let cdr: Cdr | undefined;
    for (let i = 0; i < 100 && !cdr; i++) {
      cdr = (await log.readAll()).find((c) => c.called === '+319099999999');
      if (!cdr) await new Promise((r) => setTimeout(r, 20));
    }
    expect(cdr).toMatchObject({ direction: 'inbound', calledType: '0909', disposition: 'failed', sipStatus: 404, chargeInclVatCents: 0 });
    expect(cdr?.customerId).toBeUndefined();
  }, 30_000);
});
