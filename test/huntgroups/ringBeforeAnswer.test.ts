/*
 * "Free until answered" (src/calls/answerOnMedia.ts): with ringBeforeAnswer on, a call whose plan
 * starts with a hunt group and whose number has no tariff hears 180 Ringing and is answered only
 * when a member picks up, or when the plan must speak to the caller after all. SIPp plays the
 * caller and the members' desk phones; the test reads the order of their messages.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { groupNumber, NO_ANSWER_PATH, nothingLeft, phone, PHONE_ANSWER, receivedAt } from './phones.js';
import { registerPhone } from '../support/phones.js';
import { freePort } from '../support/ports.js';
import { describeRun, scenario } from '../support/sipp.js';
import { CallerAudio, expectedAudio, startNumberRig, type NumberRig } from '../calls/rig.js';

/** rig.call() names scenarios relative to test/scenarios/numbers/. */
const OURS = '../huntgroups/';

const PLANS: Record<string, string> = {
  'free-ring-all': `
name: free-ring-all
start: belgroep
nodes:
  belgroep:
    type: huntgroup
    strategy: simultaneous
    members: [{ account: "301" }, { account: "302" }]
    ringTimeoutMs: 5000
    onNoAnswer: onbereikbaar
    onBusy: bezet
  onbereikbaar: { type: announcement, prompts: [nl/niet-bereikbaar], next: ophangen }
  bezet: { type: hangup, cause: busy }
  ophangen: { type: hangup }
`,
};

let rig: NumberRig;
let audio: CallerAudio;

beforeAll(async () => {
  rig = await startNumberRig(46200, { ringBeforeAnswer: true });
  for (const [name, yaml] of Object.entries(PLANS)) rig.writePlan(name, yaml);
  for (const name of Object.keys(PLANS)) await rig.planLoaded(name);
}, 30_000);
afterAll(() => rig.stop());
beforeEach(async () => {
  audio = await CallerAudio.open();
});
afterEach(async () => {
  await audio.close();
});

describe('a number whose plan starts with a hunt group, without a tariff', () => {
  it('rings the caller (180) and answers it only once a member picked up and the other phones were cancelled', async () => {
    const n = await groupNumber(rig, 'free-ring-all');
    const [p301, p302] = await Promise.all([freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '301', [p301]), await registerPhone(rig, '302', [p302])];
    const loser = await phone(scenario('uas-ring-wait-cancel'), p301);
    const winner = await phone(PHONE_ANSWER, p302, { answerAfterMs: 1000 });
    const caller = await rig.call('caller-hangup', n.dial, audio.port, { pauseMs: 1000 });
    expect(caller.successful, describeRun(caller)).toBe(1);
    const [l, w] = await Promise.all([loser.done, winner.done]);
    expect(l.successful, describeRun(l)).toBe(1);
    expect(w.successful, describeRun(w)).toBe(1);
    // 180 while the phones rang; the caller's 200 only after 302 picked up.
    expect(receivedAt(caller, 'SIP/2.0 180')).toBeLessThanOrEqual(receivedAt(l, 'CANCEL'));
    // Two SIPp processes' stamps may disagree by a millisecond or so (see huntGroupCalls); answering
    // the caller early would be off by 302's whole 1 s delay.
    expect(receivedAt(w, 'SIP/2.0 200', 'sent')).toBeLessThanOrEqual(receivedAt(caller, 'SIP/2.0 200') + 100);
    // No tone of ours: the caller's own network plays ringback on the 180.
    expect(audio.packets).toEqual([]);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'answered', answeredBy: { account: '302' } });
    await nothingLeft(rig, n.id, accounts);
  }, 60_000);

  it('answers when nobody picks up and the plan plays its no-answer announcement: the caller hears exactly that', async () => {
    const n = await groupNumber(rig, 'free-ring-all');
    const [p301, p302] = await Promise.all([freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '301', [p301]), await registerPhone(rig, '302', [p302])];
    const phones = await Promise.all([phone(scenario('uas-ring-wait-cancel'), p301), phone(scenario('uas-ring-wait-cancel'), p302)]);
    const caller = await rig.call('caller-wait-bye', n.dial, audio.port);
    expect(caller.successful, describeRun(caller)).toBe(1);
    const rang = await Promise.all(phones.map((p) => p.done));
    for (const r of rang) expect(r.successful, describeRun(r)).toBe(1);
    expect(receivedAt(caller, 'SIP/2.0 180')).toBeLessThanOrEqual(receivedAt(caller, 'SIP/2.0 200'));
    expect(audio.audio().equals(await expectedAudio(['nl/niet-bereikbaar']))).toBe(true);
    expect(rig.ended.at(-1)!.path.map((p) => [p.node, p.outcome])).toEqual(NO_ANSWER_PATH);
    await nothingLeft(rig, n.id, accounts);
  }, 60_000);

  it('refuses the call with 486, never answered, when every member is busy and the plan hangs up busy', async () => {
    const n = await groupNumber(rig, 'free-ring-all');
    const [p301, p302] = await Promise.all([freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '301', [p301]), await registerPhone(rig, '302', [p302])];
    const phones = await Promise.all([phone(scenario('uas-486'), p301), phone(scenario('uas-486'), p302)]);
    const caller = await rig.call(`${OURS}caller-ring-refused`, n.dial, audio.port);
    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(caller.messages).toMatch(/^SIP\/2\.0 486/m);
    expect(caller.messages).not.toMatch(/^SIP\/2\.0 200/m);
    for (const r of await Promise.all(phones.map((p) => p.done))) expect(r.successful, describeRun(r)).toBe(1);
    const summary = rig.ended.at(-1)!;
    expect(summary).toMatchObject({ numberId: n.id, end: 'hangup' });
    expect(summary.answeredAt).toBeUndefined();
    await nothingLeft(rig, n.id, accounts);
  }, 60_000);

  it('a caller who gives up while it rings (CANCEL) cancels the phones and leaves nothing behind', async () => {
    const n = await groupNumber(rig, 'free-ring-all');
    const [p301, p302] = await Promise.all([freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '301', [p301]), await registerPhone(rig, '302', [p302])];
    const phones = await Promise.all([phone(scenario('uas-ring-wait-cancel'), p301), phone(scenario('uas-ring-wait-cancel'), p302)]);
    const caller = await rig.call(`${OURS}caller-ring-cancel`, n.dial, audio.port, { pauseMs: 1000 });
    expect(caller.successful, describeRun(caller)).toBe(1);
    for (const r of await Promise.all(phones.map((p) => p.done))) expect(r.successful, describeRun(r)).toBe(1);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'caller-hungup' });
    await nothingLeft(rig, n.id, accounts);
  }, 60_000);

  it('with a tariff the call is answered first: the tariff announcement must be heard before anything rings', async () => {
    const n = await groupNumber(rig, 'free-ring-all', { tariff: { perMinuteCents: 35 } });
    const [p301, p302] = await Promise.all([freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '301', [p301]), await registerPhone(rig, '302', [p302])];
    const phones = await Promise.all([phone(scenario('uas-486'), p301), phone(scenario('uas-486'), p302)]);
    const caller = await rig.call('caller-wait-bye', n.dial, audio.port);
    expect(caller.successful, describeRun(caller)).toBe(1);
    const rang = await Promise.all(phones.map((p) => p.done));
    for (const r of rang) expect(r.successful, describeRun(r)).toBe(1);
    // Answered before the members rang, so it heard the tariff before anything else.
    expect(receivedAt(caller, 'SIP/2.0 200')).toBeLessThanOrEqual(receivedAt(rang[0], 'INVITE'));
    expect(audio.audio().subarray(0, 1600).equals((await expectedAudio(['nl/tarief-intro'])).subarray(0, 1600))).toBe(true);
    await nothingLeft(rig, n.id, accounts);
  }, 60_000);
});
