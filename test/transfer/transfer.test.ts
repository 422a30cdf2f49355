/*
 * Transfers in a forwarded number call, end to end: a SIPp caller from the network reaches
 * extension 201 (a SIPp phone), which transfers it with REFER, blind (to extension 202 or to an
 * external number through the trunk, also played by SIPp) or attended (after a consultation call
 * 201 → 202 through the phones' router, REFER with Replaces). The phones' scenarios check the
 * 202 and the NOTIFY sipfrag progress (RFC 3515/3420); the test hears the audio and reads the
 * call's summary.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallerAudio, expectedAudio, startNumberRig, type NumberRig } from '../calls/rig.js';
import { hearsMusicOnHold, ourPort, poke, sippPort, speaks, startCaller, waitForDialog } from '../hold/talk.js';
import { registerPhone } from '../support/phones.js';
import { freePort } from '../support/ports.js';
import { describeRun, scenario, startSipp } from '../support/sipp.js';

const FORWARD = `
name: forward-201
start: bellen
nodes:
  bellen:
    type: forward
    to: { account: "201" }
    ringTimeoutMs: 10000
    onBusy: ophangen
    onNoAnswer: ophangen
    onFailure: ophangen
  ophangen: { type: hangup }
`;

const FORWARD_202 = FORWARD.replace(/201/g, '202');

const CLOSED = `
name: closed
start: gesloten
nodes:
  gesloten: { type: announcement, prompts: [nl/gesloten, nl/gesloten], next: ophangen }
  ophangen: { type: hangup }
`;

const PASSWORD = 'geheim-wachtwoord-1';

let rig: NumberRig;
let caller: CallerAudio;
let phoneA: CallerAudio;
let phoneB: CallerAudio;

beforeAll(async () => {
  rig = await startNumberRig(47600, { transferRingTimeoutMs: 10_000 });
  rig.writePlan('forward-201', FORWARD);
  rig.writePlan('forward-202', FORWARD_202);
  rig.writePlan('closed', CLOSED);
  await rig.planLoaded('closed');
  await rig.planLoaded('forward-201');
  await rig.planLoaded('forward-202');
}, 30_000);
afterAll(() => rig.stop());
beforeEach(async () => {
  caller = await CallerAudio.open();
  phoneA = await CallerAudio.open();
  phoneB = await CallerAudio.open();
});
afterEach(async () => {
  await Promise.all([caller.close(), phoneA.close(), phoneB.close()]);
});

/** Extension 201 (the transferor) and 202 registered at fresh ports. */
async function phones() {
  const portA = await freePort();
  const portB = await freePort();
  const a = (await registerPhone(rig, '201', portA, PASSWORD)).id;
  const b = (await registerPhone(rig, '202', portB, PASSWORD)).id;
  return { portA, portB, accountA: a, accountB: b };
}

async function expectNothingLeft(numberId: string, accountIds: string[]): Promise<void> {
  expect(await rig.settled(numberId)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  for (const id of accountIds) expect(await rig.store.leases.count(`account:${id}`)).toBe(0);
  expect(rig.calls.registry.size).toBe(0);
}

describe('blind transfer (REFER)', () => {
  it('201 holds the caller, who hears music, and transfers it to extension 202: caller and 202 talk, 201 is hung up', async () => {
    const n = await rig.addNumber({ e164: '+31203330001', type: 'geographic', planId: 'file:forward-201' });
    const { portA, portB, accountA, accountB } = await phones();
    const a = await startSipp({ scenario: scenario('transfer/phone-blind'), localPort: portA, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneA.port), target: '202' } });
    const b = await startSipp({ scenario: scenario('hold/phone-answer'), localPort: portB, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneB.port) } });
    const call = await startCaller(rig, 'hold/caller-poke-bye', '0203330001', caller.port);
    const callerLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with the caller');
    const legA = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === portA, 'with 201');
    await speaks(caller, ourPort(callerLeg), phoneA, 0x2a);

    const mark = caller.packets.length;
    await poke(legA); // 201 holds
    expect(await hearsMusicOnHold(caller, mark)).toBe(true);
    await poke(legA); // 201 transfers to 202

    const legB = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === portB, 'with 202');
    await speaks(caller, ourPort(callerLeg), phoneB, 0x3c);
    await speaks(phoneB, ourPort(legB), caller, 0x4e);
    const atA = await a.done;
    expect(atA.successful, describeRun(atA)).toBe(1);

    await poke(callerLeg); // the caller hangs up
    const [byCaller, atB] = await Promise.all([call.done, b.done]);
    expect(byCaller.successful, describeRun(byCaller)).toBe(1);
    expect(atB.successful, describeRun(atB)).toBe(1);
    const summary = rig.ended.at(-1)!;
    // The number call keeps its identity: the caller's Call-ID, one record, the transfer in it.
    expect(summary).toMatchObject({ numberId: n.id, callId: callerLeg.sip.callId, end: 'answered' });
    expect(summary.transfers).toEqual([{ kind: 'blind', at: expect.any(Number), by: '201', transferee: '0612345678', to: '202', result: 'completed', status: 200 }]);
    await expectNothingLeft(n.id, [accountA, accountB]);
  }, 60_000);

  it('201 transfers the caller to an external number: the trunk is called with it in E.164 and the two talk', async () => {
    const n = await rig.addNumber({ e164: '+31203330002', type: 'geographic', planId: 'file:forward-201' });
    const { portA, accountA } = await phones();
    const a = await startSipp({ scenario: scenario('transfer/phone-blind'), localPort: portA, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneA.port), target: '0205550123' } });
    const trunk = await startSipp({ scenario: scenario('hold/phone-answer'), localPort: rig.trunkPort, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneB.port) } });
    const call = await startCaller(rig, 'hold/caller-poke-bye', '0203330002', caller.port);
    const callerLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with the caller');
    const legA = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === portA, 'with 201');
    await speaks(caller, ourPort(callerLeg), phoneA, 0x2a);
    const mark = caller.packets.length;
    await poke(legA); // hold
    expect(await hearsMusicOnHold(caller, mark)).toBe(true);
    await poke(legA); // transfer

    const legTrunk = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === rig.trunkPort, 'with the trunk');
    await speaks(caller, ourPort(callerLeg), phoneB, 0x3c);
    await speaks(phoneB, ourPort(legTrunk), caller, 0x4e);
    await poke(callerLeg);
    const [atA, byCaller, atTrunk] = await Promise.all([a.done, call.done, trunk.done]);
    expect(atA.successful, describeRun(atA)).toBe(1);
    expect(byCaller.successful, describeRun(byCaller)).toBe(1);
    expect(atTrunk.successful, describeRun(atTrunk)).toBe(1);
    expect(atTrunk.messages).toMatch(/INVITE sip:\+31205550123@127\.0\.0\.1/);
    expect(rig.ended.at(-1)!.transfers).toMatchObject([{ kind: 'blind', by: '201', to: '0205550123', result: 'completed' }]);
    await expectNothingLeft(n.id, [accountA]);
  }, 60_000);
});

describe('a transfer that fails', () => {
  it('before anyone answered (the plan is still announcing): REFER gets 403 and the call goes on', async () => {
    const n = await rig.addNumber({ e164: '+31203330008', type: 'geographic', planId: 'file:closed' });
    const call = await startCaller(rig, 'transfer/caller-refer-early', '0203330008', caller.port);
    const result = await call.done;
    expect(result.successful, describeRun(result)).toBe(1);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'caller-hungup' });
    await expectNothingLeft(n.id, []);
  }, 60_000);

  it('to 202 at its channel limit: 202 is not rung, 201 is told 486 and has the caller back', async () => {
    const n = await rig.addNumber({ e164: '+31203330003', type: 'geographic', planId: 'file:forward-201' });
    const { portA, portB, accountA, accountB } = await phones();
    // 202 is in two calls elsewhere: "maximaal 2 doorgangen".
    await rig.store.leases.acquire(`account:${accountB}`, 'elsewhere-1', 2, 60_000);
    await rig.store.leases.acquire(`account:${accountB}`, 'elsewhere-2', 2, 60_000);
    const a = await startSipp({ scenario: scenario('transfer/phone-refer-fails'), localPort: portA, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneA.port), target: '202' } });
    // Were 202 rung, this phone would answer and the test would notice it in the summary and the NOTIFY.
    const b = await startSipp({ scenario: scenario('hold/phone-answer'), localPort: portB, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneB.port) } });
    try {
      const call = await startCaller(rig, 'numbers/caller-wait-bye', '0203330003', caller.port);
      const callerLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with the caller');
      const legA = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === portA, 'with 201');
      await speaks(caller, ourPort(callerLeg), phoneA, 0x5f);
      await poke(legA); // transfer to 202

      // Once 201 has its final NOTIFY (the scenario checks 486), 201 and the caller talk again.
      await speaks(caller, ourPort(callerLeg), phoneA, 0x2a);
      await speaks(phoneA, ourPort(legA), caller, 0x3c);
      await poke(legA); // 201 hangs up
      const [atA, byCaller] = await Promise.all([a.done, call.done]);
      expect(atA.successful, describeRun(atA)).toBe(1);
      expect(byCaller.successful, describeRun(byCaller)).toBe(1);
      expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'answered' });
      expect(rig.ended.at(-1)!.transfers).toMatchObject([{ kind: 'blind', by: '201', to: '202', result: 'failed', status: 486 }]);
      expect(phoneB.packets).toHaveLength(0);
    } finally {
      b.kill();
      await rig.store.leases.release(`account:${accountB}`, 'elsewhere-1');
      await rig.store.leases.release(`account:${accountB}`, 'elsewhere-2');
    }
    await expectNothingLeft(n.id, [accountA, accountB]);
  }, 60_000);

  it('to a busy 202 after 201 already hung up: the caller hears "niet bereikbaar" and the call ends cleanly', async () => {
    const n = await rig.addNumber({ e164: '+31203330004', type: 'geographic', planId: 'file:forward-201' });
    const { portA, portB, accountA, accountB } = await phones();
    const a = await startSipp({ scenario: scenario('transfer/phone-refer-leaves'), localPort: portA, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneA.port), target: '202' } });
    const b = await startSipp({ scenario: scenario('transfer/target-busy'), localPort: portB, calls: 1, timeoutMs: 40_000 });
    const call = await startCaller(rig, 'numbers/caller-wait-bye', '0203330004', caller.port);
    const callerLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with the caller');
    const legA = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === portA, 'with 201');
    await speaks(caller, ourPort(callerLeg), phoneA, 0x2a);
    await poke(legA); // transfer to 202, then 201 hangs up
    const [atA, atB, byCaller] = await Promise.all([a.done, b.done, call.done]);
    expect(atA.successful, describeRun(atA)).toBe(1);
    expect(atB.successful, describeRun(atB)).toBe(1);
    expect(byCaller.successful, describeRun(byCaller)).toBe(1);
    const heard = caller.audio();
    const unreachable = await expectedAudio(['nl/niet-bereikbaar']);
    expect(heard.subarray(heard.length - unreachable.length).equals(unreachable)).toBe(true);
    expect(rig.ended.at(-1)!.transfers).toMatchObject([{ kind: 'blind', by: '201', to: '202', result: 'failed', status: 486 }]);
    await expectNothingLeft(n.id, [accountA, accountB]);
  }, 60_000);
});

describe('attended transfer (REFER with Replaces)', () => {
  it('201 holds the caller, calls 202 to announce it, then transfers: the caller talks with 202 and both of 201\'s calls end', async () => {
    const n = await rig.addNumber({ e164: '+31203330005', type: 'geographic', planId: 'file:forward-201' });
    const { portA, portB, accountA, accountB } = await phones();
    const consultAudio = await CallerAudio.open();
    try {
      const a = await startSipp({ scenario: scenario('transfer/phone-attended'), localPort: portA, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneA.port), target: '202' } });
      const b = await startSipp({ scenario: scenario('transfer/target-reinvited'), localPort: portB, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneB.port) } });
      const call = await startCaller(rig, 'hold/caller-poke-bye', '0203330005', caller.port);
      const callerLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with the caller');
      const legA = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === portA, 'with 201');
      await speaks(caller, ourPort(callerLeg), phoneA, 0x2a);
      const mark = caller.packets.length;
      await poke(legA); // 201 holds the caller
      expect(await hearsMusicOnHold(caller, mark)).toBe(true);

      // 201's consultation call to 202, through the phones' router (digest authenticated).
      const consultPort = await freePort();
      const consult = await startSipp({
        scenario: scenario('transfer/consult-call'),
        remote: rig.remote,
        localPort: consultPort,
        calls: 1,
        timeoutMs: 40_000,
        vars: { caller: '201', rtp: String(consultAudio.port) },
        extra: ['-s', '202', '-au', '201', '-ap', PASSWORD],
      });
      const consultLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas' && sippPort(d) === consultPort, 'of the consultation call');
      const replaces = `${consultLeg.sip.callId};to-tag=${consultLeg.sip.localTag};from-tag=${consultLeg.sip.remoteTag}`;
      await poke(legA, { 'X-Replaces': encodeURIComponent(replaces) }); // 201 transfers

      const atConsult = await consult.done;
      expect(atConsult.successful, describeRun(atConsult)).toBe(1);
      const atA = await a.done;
      expect(atA.successful, describeRun(atA)).toBe(1);
      const legB = await waitForDialog(rig.calls.registry, (d) => sippPort(d) === portB, 'with 202 in the number call');
      await speaks(caller, ourPort(callerLeg), phoneB, 0x3c);
      await speaks(phoneB, ourPort(legB), caller, 0x4e);

      await poke(callerLeg);
      const [byCaller, atB] = await Promise.all([call.done, b.done]);
      expect(byCaller.successful, describeRun(byCaller)).toBe(1);
      expect(atB.successful, describeRun(atB)).toBe(1);
      const summary = rig.ended.at(-1)!;
      expect(summary).toMatchObject({ numberId: n.id, callId: callerLeg.sip.callId });
      expect(summary.transfers).toMatchObject([{ kind: 'attended', by: '201', transferee: '0612345678', to: '202', result: 'completed', status: 200 }]);
      await expectNothingLeft(n.id, [accountA, accountB]);
    } finally {
      await consultAudio.close();
    }
  }, 60_000);

  it('the consultation call may be a number call too: 202, reached through another number, is taken over with its media', async () => {
    const n = await rig.addNumber({ e164: '+31203330006', type: 'geographic', planId: 'file:forward-201' });
    const second = await rig.addNumber({ e164: '+31203330007', type: 'geographic', planId: 'file:forward-202' });
    const { portA, portB, accountA, accountB } = await phones();
    const consultAudio = await CallerAudio.open();
    try {
      const a = await startSipp({ scenario: scenario('transfer/phone-attended'), localPort: portA, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneA.port), target: '202' } });
      const b = await startSipp({ scenario: scenario('hold/phone-answer'), localPort: portB, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phoneB.port) } });
      const call = await startCaller(rig, 'hold/caller-poke-bye', '0203330006', caller.port);
      const callerLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with the caller');
      const legA = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === portA, 'with 201');
      await speaks(caller, ourPort(callerLeg), phoneA, 0x2a);
      await poke(legA); // 201 holds the caller

      // 201 calls the second number, which forwards to 202.
      const consult = await startCaller(rig, 'numbers/caller-wait-bye', '0203330007', consultAudio.port, { caller: '201' });
      const consultLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas' && d.sip.callId !== callerLeg.sip.callId, 'of the consultation call');
      const legB = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === portB, 'with 202');
      await speaks(consultAudio, ourPort(consultLeg), phoneB, 0x3c);
      const replaces = `${consultLeg.sip.callId};to-tag=${consultLeg.sip.localTag};from-tag=${consultLeg.sip.remoteTag}`;
      await poke(legA, { 'X-Replaces': encodeURIComponent(replaces) }); // 201 transfers

      const [atConsult, atA] = await Promise.all([consult.done, a.done]);
      expect(atConsult.successful, describeRun(atConsult)).toBe(1);
      expect(atA.successful, describeRun(atA)).toBe(1);
      await speaks(caller, ourPort(callerLeg), phoneB, 0x4e);
      await speaks(phoneB, ourPort(legB), caller, 0x5f);

      await poke(callerLeg);
      const [byCaller, atB] = await Promise.all([call.done, b.done]);
      expect(byCaller.successful, describeRun(byCaller)).toBe(1);
      expect(atB.successful, describeRun(atB)).toBe(1);
      const first = rig.ended.find((e) => e.numberId === n.id)!;
      expect(first).toMatchObject({ callId: callerLeg.sip.callId, end: 'answered' });
      expect(first.transfers).toMatchObject([{ kind: 'attended', by: '201', to: '202', result: 'completed' }]);
      expect(rig.ended.find((e) => e.numberId === second.id)).toMatchObject({ end: 'answered' });
      await expectNothingLeft(n.id, [accountA, accountB]);
      await expectNothingLeft(second.id, []);
    } finally {
      await consultAudio.close();
    }
  }, 60_000);
});
