/*
 * Transfers inside an extension call: phone 201 (SIPp, digest authenticated through the phones'
 * router) calls its colleague 202 (a registered SIPp phone), and 202 transfers 201 with REFER:
 * blind to extension 203, blind to an outside number through the trunk (SIPp), blind to a busy
 * 203 (202 gets the call back), and attended after a consultation call 202 → 203. At the REFER
 * we anchor the call's media (a re-INVITE to each phone, which the scenarios check), then the
 * transfer goes as in a number call: 202, NOTIFY sipfrag 100 / 180 / final (checked by 202's
 * scenario), the transferee and the target talk through our media (the test hears it), and
 * nothing is left: no endpoint, port, channel lease or live call.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/store/StoreTypes.js';
import { CallerAudio, startNumberRig, type NumberRig } from '../calls/rig.js';
import { eachCompleted, liveDialogs, ourPort, poke, sippPort, speaks, waitForDialog } from '../hold/talk.js';
import { PHONE_PASSWORD, registerPhone } from '../support/phones.js';
import { freePort } from '../support/ports.js';
import { scenario, startSipp, type RunningSipp } from '../support/sipp.js';

let rig: NumberRig;
let a201: CallerAudio;
let a202: CallerAudio;
let a203: CallerAudio;

beforeAll(async () => {
  rig = await startNumberRig(43200, { transferRingTimeoutMs: 10_000 });
}, 30_000);
afterAll(() => rig.stop());
beforeEach(async () => {
  [a201, a202, a203] = await Promise.all([CallerAudio.open(), CallerAudio.open(), CallerAudio.open()]);
});
afterEach(async () => {
  await Promise.all([a201.close(), a202.close(), a203.close()]);
});

/** 202 and 203 registered at fresh ports; 201 only places calls (it registers nowhere). */
async function phones(): Promise<{ port202: number; port203: number; accounts: Account[] }> {
  const [port202, port203] = [await freePort(), await freePort()];
  const accounts = [await registerPhone(rig, '201', []), await registerPhone(rig, '202', port202), await registerPhone(rig, '203', port203)];
  return { port202, port203, accounts };
}

/** A phone (SIPp UAC) that calls `dialled` as `user` through the router, with its RTP at `rtp`. */
async function phoneCalls(name: string, user: string, dialled: string, rtp: number, localPort?: number): Promise<RunningSipp> {
  return startSipp({
    scenario: scenario(name),
    remote: rig.remote,
    localPort: localPort ?? (await freePort()),
    calls: 1,
    timeoutMs: 40_000,
    vars: { caller: user, rtp: String(rtp) },
    extra: ['-s', dialled, '-au', user, '-ap', PHONE_PASSWORD],
  });
}

function answering(name: string, port: number, rtp: number): Promise<RunningSipp> {
  return startSipp({ scenario: scenario(name), localPort: port, calls: 1, timeoutMs: 40_000, vars: { rtp: String(rtp) } });
}

/** No endpoint, port, channel or live call is left (bounded wait). */
async function expectNothingLeft(accounts: Account[]): Promise<void> {
  const deadline = Date.now() + 5_000;
  const look = async () => ({
    ...rig.media.stats(),
    calls: rig.calls.registry.size,
    leases: (await Promise.all(accounts.map((a) => rig.store.leases.count(`account:${a.id}`)))).reduce((x, y) => x + y, 0),
  });
  let seen = await look();
  while ((seen.endpoints || seen.portsInUse || seen.calls || seen.leases) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    seen = await look();
  }
  expect(seen).toEqual({ endpoints: 0, portsInUse: 0, calls: 0, leases: 0 });
}

describe('blind transfer in an extension call', () => {
  it('202 transfers 201 to extension 203: 202 hears 180 Ringing in a NOTIFY, 201 and 203 talk, 202 is hung up', async () => {
    const { port202, port203, accounts } = await phones();
    const b = await answering('transfer/ext-transferor-blind', port202, a202.port);
    const c = await answering('hold/phone-answer', port203, a203.port);
    const caller = await phoneCalls('transfer/ext-caller', '201', '202', a201.port);
    // The extension call (end to end: the phones talk directly until the transfer).
    const leg202 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === port202, 'with 202');
    await poke(leg202, { 'X-Refer-To': '<sip:203@127.0.0.1>' });

    const leg203 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === port203, 'with 203');
    const leg201 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with 201');
    await speaks(a201, ourPort(leg201), a203, 0x3c);
    await speaks(a203, ourPort(leg203), a201, 0x4e);
    await eachCompleted(b);
    expect(a202.packets.filter((p) => p.payload.every((x) => x === 0x3c))).toHaveLength(0);

    await poke(leg201); // 201 hangs up
    await eachCompleted(caller, c);
    await expectNothingLeft(accounts);
  }, 60_000);

  it('202 transfers 201 to an outside number: the trunk is called with it in E.164 and 201 talks with it', async () => {
    const { port202, accounts } = await phones();
    const b = await answering('transfer/ext-transferor-blind', port202, a202.port);
    const trunk = await answering('hold/phone-answer', rig.trunkPort, a203.port);
    const caller = await phoneCalls('transfer/ext-caller', '201', '202', a201.port);
    const leg202 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === port202, 'with 202');
    await poke(leg202, { 'X-Refer-To': '<sip:0205550123@127.0.0.1>' });

    const legTrunk = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === rig.trunkPort, 'with the trunk');
    const leg201 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with 201');
    await speaks(a201, ourPort(leg201), a203, 0x3c);
    await speaks(a203, ourPort(legTrunk), a201, 0x4e);
    await poke(leg201);
    const [, , atTrunk] = await eachCompleted(caller, b, trunk);
    expect(atTrunk.messages).toMatch(/INVITE sip:\+31205550123@127\.0\.0\.1/);
    await expectNothingLeft(accounts);
  }, 60_000);

  it('to a busy 203: 202 is told 180 and then 486, has 201 back and the two talk again until 201 hangs up', async () => {
    const { port202, port203, accounts } = await phones();
    const b = await answering('transfer/ext-transferor-fails', port202, a202.port);
    const c = await startSipp({ scenario: scenario('transfer/target-busy'), localPort: port203, calls: 1, timeoutMs: 40_000 });
    const caller = await phoneCalls('transfer/ext-caller', '201', '202', a201.port);
    const leg202 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === port202, 'with 202');
    await poke(leg202, { 'X-Refer-To': '<sip:203@127.0.0.1>' });

    await eachCompleted(c);
    // 201 and 202 talk again, now through our media.
    const leg201 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with 201');
    const anchored202 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === port202, 'with 202');
    await speaks(a201, ourPort(leg201), a202, 0x2a);
    await speaks(a202, ourPort(anchored202), a201, 0x5f);
    await poke(leg201);
    await eachCompleted(caller, b);
    await expectNothingLeft(accounts);
  }, 60_000);
});

describe('attended transfer in an extension call', () => {
  // 201 calls 202; 202 (another of its phones) calls 203 to announce 201, then transfers. The REFER
  // with Replaces comes on the original call from its called side (naming the consultation call),
  // or on the consultation call from its calling side (naming the original call).
  const cases: Array<[string, { phone202: string; consulting202: string; referOn: 'original' | 'consultation' }]> = [
    [
      'REFER on the original call: 201 and 203 talk, both of 202\'s calls end',
      { phone202: 'transfer/ext-transferor-attended', consulting202: 'transfer/consult-call', referOn: 'original' },
    ],
    [
      'REFER on the consultation call, from its calling side: 201 and 203 talk, both of 202\'s calls end',
      { phone202: 'hold/phone-answer', consulting202: 'transfer/ext-caller-transferor-attended', referOn: 'consultation' },
    ],
  ];
  it.each(cases)('%s', async (_name, o) => {
    const { port202, port203, accounts } = await phones();
    const consultAudio = await CallerAudio.open();
    try {
      const b = await answering(o.phone202, port202, a202.port);
      const c = await answering('transfer/target-reinvited', port203, a203.port);
      const caller = await phoneCalls('transfer/ext-caller', '201', '202', a201.port);
      const leg202 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === port202, 'with 202');

      // 202's consultation call to 203, another extension call.
      const consultPort = await freePort();
      const consult = await phoneCalls(o.consulting202, '202', '203', consultAudio.port, consultPort);
      const consultLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas' && sippPort(d) === consultPort, 'of the consultation call');
      await waitForDialog(rig.calls.registry, (d) => d.type === 'uac' && sippPort(d) === port203, 'with 203');
      const [referOn, replaced, target] = o.referOn === 'original' ? [leg202, consultLeg, '203'] : [consultLeg, leg202, '201'];
      const replaces = `${replaced.sip.callId};to-tag=${replaced.sip.localTag};from-tag=${replaced.sip.remoteTag}`;
      await poke(referOn, { 'X-Refer-To': `<sip:${target}@127.0.0.1?Replaces=${encodeURIComponent(replaces)}>` });

      await eachCompleted(consult, b);
      // One call is left: 201 with 203, both anchored on our endpoints.
      expect(liveDialogs(rig.calls.registry)).toHaveLength(2);
      const leg201 = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas' && d.sip.callId !== consultLeg.sip.callId, 'with 201');
      const leg203 = await waitForDialog(rig.calls.registry, (d) => sippPort(d) === port203, 'with 203');
      await speaks(a201, ourPort(leg201), a203, 0x3c);
      await speaks(a203, ourPort(leg203), a201, 0x4e);

      await poke(leg201);
      await eachCompleted(caller, c);
      await expectNothingLeft(accounts);
    } finally {
      await consultAudio.close();
    }
  }, 60_000);
});
