/*
 * Calls to service numbers, end to end: a SIPp caller from the network, the engine, the app's
 * number runtime running a plan as an XState actor, the embedded media engine, and the caller's
 * RTP socket in the test, which checks the audio byte for byte against the prompt files.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tariffAnnouncementPrompts } from '../../src/numbers/tariffAnnouncement.js';
import { describeRun, scenario, startSipp } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { CallerAudio, expectedAudio, startNumberRig, type NumberRig } from './rig.js';

const ANNOUNCE = `
name: announce
start: hallo
nodes:
  hallo: { type: announcement, prompts: [nl/welkom], next: ophangen }
  ophangen: { type: hangup }
`;

const LONG = `
name: long
start: gesloten
nodes:
  gesloten: { type: announcement, prompts: [nl/gesloten, nl/gesloten], next: ophangen }
  ophangen: { type: hangup }
`;

const MENU = `
name: menu
start: keuze
nodes:
  keuze:
    type: menu
    prompts: [nl/menu-keuze]
    options: { "1": een, "2": twee }
    timeoutMs: 3000
    retries: 0
    invalid: [nl/ongeldige-keuze]
    fallback: ophangen
  een: { type: announcement, prompts: [nl/tot-ziens], next: ophangen }
  twee: { type: announcement, prompts: [nl/bezet], next: ophangen }
  ophangen: { type: hangup }
`;

const SCHEDULE = `
name: schedule
start: open
nodes:
  open:
    type: schedule
    timezone: Europe/Amsterdam
    weekly:
      mon: [["09:00", "17:30"]]
      tue: [["09:00", "17:30"]]
      wed: [["09:00", "17:30"]]
      thu: [["09:00", "17:30"]]
      fri: [["09:00", "17:30"]]
    open: welkom
    closed: gesloten
  welkom: { type: announcement, prompts: [nl/welkom], next: ophangen }
  gesloten: { type: announcement, prompts: [nl/tot-ziens], next: ophangen }
  ophangen: { type: hangup }
`;

const FORWARD = `
name: forward
start: bellen
nodes:
  bellen:
    type: forward
    to: { account: "202" }
    ringTimeoutMs: 10000
    onBusy: bezet
    onNoAnswer: bezet
    onFailure: bezet
  bezet: { type: announcement, prompts: [nl/bezet], next: ophangen }
  ophangen: { type: hangup }
`;

const FORWARD_OUT = `
name: forward-out
start: buiten
nodes:
  buiten:
    type: forward
    to: { number: "020 555 0100" }
    ringTimeoutMs: 10000
    onBusy: bezet
    onNoAnswer: bezet
    onFailure: bezet
  bezet: { type: announcement, prompts: [nl/bezet], next: ophangen }
  ophangen: { type: hangup }
`;

let rig: NumberRig;
let audio: CallerAudio;

beforeAll(async () => {
  rig = await startNumberRig(45000);
  for (const [name, yaml] of Object.entries({ announce: ANNOUNCE, long: LONG, menu: MENU, schedule: SCHEDULE, forward: FORWARD, 'forward-out': FORWARD_OUT })) rig.writePlan(name, yaml);
  for (const name of ['announce', 'long', 'menu', 'schedule', 'forward', 'forward-out', 'demo-0909']) await rig.planLoaded(name);
}, 30_000);
afterAll(() => rig.stop());
beforeEach(async () => {
  audio = await CallerAudio.open();
});
afterEach(async () => {
  await audio.close();
});

/** Whether `heard` starts with `expected` (the caller heard it first and completely). */
function startsWith(heard: Buffer, expected: Buffer): boolean {
  return heard.length >= expected.length && heard.subarray(0, expected.length).equals(expected);
}

describe('a call to a service number', () => {
  it('plays the announcement the plan names, byte for byte, then hangs up', async () => {
    const n = await rig.addNumber({ e164: '+31201110001', type: 'geographic', planId: 'file:announce' });
    const result = await rig.call('caller-wait-bye', '020 111 0001'.replace(/ /g, ''), audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    expect(audio.audio().equals(await expectedAudio(['nl/welkom']))).toBe(true);
    const seqs = audio.packets.map((p) => p.sequence);
    expect(seqs.every((s, i) => i === 0 || s === ((seqs[i - 1] + 1) & 0xffff))).toBe(true);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
    const summary = rig.ended.at(-1)!;
    expect(summary).toMatchObject({ numberId: n.id, end: 'hangup', planSource: 'file:announce' });
    expect(summary.path.map((p) => [p.node, p.outcome])).toEqual([
      ['hallo', 'played'],
      ['ophangen', 'hung up (normal)'],
    ]);
  }, 30_000);

  it('on a 0909 number with a tariff plays the tariff announcement first and records when it ended', async () => {
    const tariff = { perMinuteCents: 80, maxPerCallCents: 800 };
    const n = await rig.addNumber({ e164: '+319091110002', type: '0909', planId: 'file:announce', tariff });
    rig.setNow(new Date('2026-03-04T10:00:00+01:00'));
    const result = await rig.call('caller-wait-bye', '09091110002', audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    const tariffAudio = await expectedAudio(tariffAnnouncementPrompts(tariff));
    const expected = Buffer.concat([tariffAudio, await expectedAudio(['nl/welkom'])]);
    expect(startsWith(audio.audio(), await expectedAudio(['nl/tarief-intro']))).toBe(true);
    expect(audio.audio().equals(expected)).toBe(true);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'hangup', tariffAnnouncementEndedAt: new Date('2026-03-04T10:00:00+01:00').getTime() });
  }, 30_000);

  it('runs the demo 0909 plan from dialplans/: the tariff first; a caller hanging up during it leaves nothing behind', async () => {
    const n = await rig.addNumber({ e164: '+319091234567', type: '0909', planId: 'file:demo-0909', tariff: { perMinuteCents: 80, maxPerCallCents: 800 } });
    const result = await rig.call('caller-hangup', '09091234567', audio.port, { pauseMs: 2500 });
    expect(result.successful, describeRun(result)).toBe(1);
    expect(startsWith(audio.audio(), await expectedAudio(['nl/tarief-intro']))).toBe(true);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
    const summary = rig.ended.at(-1)!;
    expect(summary).toMatchObject({ numberId: n.id, end: 'caller-hungup' });
    expect(summary.tariffAnnouncementEndedAt).toBeUndefined();
  }, 30_000);

  it('follows the schedule by the injected clock: open on a Wednesday morning, closed on Saturday', async () => {
    const n = await rig.addNumber({ e164: '+31201110003', type: 'geographic', planId: 'file:schedule' });
    rig.setNow(new Date('2026-03-04T10:00:00+01:00'));
    const open = await rig.call('caller-wait-bye', '0201110003', audio.port);
    expect(open.successful, describeRun(open)).toBe(1);
    expect(audio.audio().equals(await expectedAudio(['nl/welkom']))).toBe(true);
    expect(rig.ended.at(-1)!.path[0]).toMatchObject({ node: 'open', outcome: 'open' });

    const closedAudio = await CallerAudio.open();
    try {
      rig.setNow(new Date('2026-03-07T10:00:00+01:00'));
      const closed = await rig.call('caller-wait-bye', '0201110003', closedAudio.port);
      expect(closed.successful, describeRun(closed)).toBe(1);
      expect(closedAudio.audio().equals(await expectedAudio(['nl/tot-ziens']))).toBe(true);
      expect(rig.ended.at(-1)!.path[0]).toMatchObject({ node: 'open', outcome: 'closed' });
    } finally {
      await closedAudio.close();
    }
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  }, 30_000);

  it('a caller who presses 2 in the menu hears option 2', async () => {
    const n = await rig.addNumber({ e164: '+31201110004', type: 'geographic', planId: 'file:menu' });
    const call = await rig.startCall('caller-wait-bye', '0201110004', audio.port);
    await audio.until(1600);
    await audio.press(2);
    const result = await call.done;
    expect(result.successful, describeRun(result)).toBe(1);
    const heard = audio.audio();
    const bezet = await expectedAudio(['nl/bezet']);
    // The menu prompt stops at the key; then option 2's announcement plays to its end.
    expect(heard.subarray(heard.length - bezet.length).equals(bezet)).toBe(true);
    expect(startsWith(heard, (await expectedAudio(['nl/menu-keuze'])).subarray(0, 1600))).toBe(true);
    expect(rig.ended.at(-1)!.path.map((p) => [p.node, p.outcome])).toEqual([
      ['keuze', 'key 2'],
      ['twee', 'played'],
      ['ophangen', 'hung up (normal)'],
    ]);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  }, 30_000);

  it('a caller hanging up during the menu stops the call and leaves nothing behind', async () => {
    const n = await rig.addNumber({ e164: '+31201110005', type: 'geographic', planId: 'file:menu' });
    const result = await rig.call('caller-hangup', '0201110005', audio.port, { pauseMs: 1000 });
    expect(result.successful, describeRun(result)).toBe(1);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
    const summary = rig.ended.at(-1)!;
    expect(summary.end).toBe('caller-hungup');
    expect(summary.path.map((p) => [p.node, p.outcome])).toEqual([['keuze', 'caller hung up']]);
  }, 30_000);

  it('a suspended number answers with "niet in dienst" and hangs up', async () => {
    const n = await rig.addNumber({ e164: '+31201110006', type: 'geographic', planId: 'file:announce', status: 'suspended' });
    const result = await rig.call('caller-wait-bye', '0201110006', audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    expect(audio.audio().equals(await expectedAudio(['nl/niet-in-dienst']))).toBe(true);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, planSource: 'not-in-service', end: 'hangup' });
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  }, 30_000);

  it('a number we do not have gets 404 without a challenge', async () => {
    const result = await rig.call('caller-expect-404', '09001110007', audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    expect(rig.media.stats()).toEqual({ endpoints: 0, portsInUse: 0 });
  }, 30_000);

  it('a number carries two calls at once; the third gets 486', async () => {
    const n = await rig.addNumber({ e164: '+31201110008', type: 'geographic', planId: 'file:long' });
    const second = await CallerAudio.open();
    try {
      const a = await rig.startCall('caller-hangup', '0201110008', audio.port, { pauseMs: 4000 });
      const b = await rig.startCall('caller-hangup', '0201110008', second.port, { pauseMs: 4000 });
      await audio.until(160);
      await second.until(160);
      expect(await rig.store.leases.count(`number:${n.id}`)).toBe(2);
      const third = await rig.call('caller-expect-486', '0201110008', await freePort());
      expect(third.successful, describeRun(third)).toBe(1);
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect([ra.successful, rb.successful]).toEqual([1, 1]);
    } finally {
      await second.close();
    }
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  }, 30_000);
});

describe('forwarding from a plan', () => {
  const register = async (port: number): Promise<void> => {
    const account =
      (await rig.store.accounts.getByUsername('202')) ??
      (await rig.store.accounts.create({ customerId: rig.customerId, username: '202', displayName: 'Support', passwordEnc: 'x', channelLimit: 2 }));
    await rig.store.locations.removeAll(account.id);
    await rig.store.locations.save({
      accountId: account.id,
      contact: `sip:202@127.0.0.1:${port}`,
      source: { protocol: 'udp', host: '127.0.0.1', port },
      callId: `reg-${port}@test`,
      cseq: 1,
      expiresAt: Date.now() + 3_600_000,
    });
  };

  it('rings the account\'s phone, bridges the media, and ends both legs when the callee hangs up', async () => {
    const n = await rig.addNumber({ e164: '+31201110009', type: 'geographic', planId: 'file:forward' });
    const phonePort = await freePort();
    await register(phonePort);
    const phone = await startSipp({ scenario: scenario('uas-answer-then-bye'), localPort: phonePort, calls: 1, timeoutMs: 20_000 });
    const result = await rig.call('caller-wait-bye', '0201110009', audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    const answered = await phone.done;
    expect(answered.successful, describeRun(answered)).toBe(1);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'answered' });
    expect(rig.ended.at(-1)!.path.map((p) => [p.node, p.outcome])).toEqual([['bellen', 'answered']]);
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
    const account = await rig.store.accounts.getByUsername('202');
    expect(await rig.store.leases.count(`account:${account!.id}`)).toBe(0);
  }, 40_000);

  it('a caller hanging up while the phone rings cancels it and leaves nothing behind', async () => {
    const n = await rig.addNumber({ e164: '+31201110010', type: 'geographic', planId: 'file:forward' });
    const phonePort = await freePort();
    await register(phonePort);
    const phone = await startSipp({ scenario: scenario('uas-ring-wait-cancel'), localPort: phonePort, calls: 1, timeoutMs: 20_000 });
    const result = await rig.call('caller-hangup', '0201110010', audio.port, { pauseMs: 1000 });
    expect(result.successful, describeRun(result)).toBe(1);
    const rang = await phone.done;
    expect(rang.successful, describeRun(rang)).toBe(1);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'caller-hungup' });
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
    const account = await rig.store.accounts.getByUsername('202');
    expect(await rig.store.leases.count(`account:${account!.id}`)).toBe(0);
  }, 40_000);

  it('forwards to an external number through the trunk, with the number in E.164', async () => {
    const n = await rig.addNumber({ e164: '+31201110011', type: 'geographic', planId: 'file:forward-out' });
    const trunk = await startSipp({ scenario: scenario('uas-answer-then-bye'), localPort: rig.trunkPort, calls: 1, timeoutMs: 20_000 });
    const result = await rig.call('caller-wait-bye', '0201110011', audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    const atTrunk = await trunk.done;
    expect(atTrunk.successful, describeRun(atTrunk)).toBe(1);
    // The trunk was asked for the dialled number of the plan, normalized.
    expect(atTrunk.messages).toMatch(/INVITE sip:\+31205550100@127\.0\.0\.1/);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'answered' });
    expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  }, 40_000);
});
