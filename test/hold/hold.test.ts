/*
 * Hold and resume in a forwarded number call, end to end: a SIPp caller from the network, a SIPp
 * phone of account 202, the engine, the app, the embedded media engine; both parties' RTP goes
 * to sockets of the test, which hears what each person would hear.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { describeRun, scenario, startSipp } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import type { CallerAudio, NumberRig } from '../calls/rig.js';
import { registerPhone } from '../support/phones.js';
import { hearsMusicOnHold, ourPort, poke, speaks, startCaller, useForwardRig, waitForDialog } from './talk.js';

const forwarded = useForwardRig(47400);
let rig: NumberRig;
let caller: CallerAudio;
let phone: CallerAudio;
beforeEach(() => {
  rig = forwarded.rig();
  caller = forwarded.caller();
  phone = forwarded.phone();
});

/** The connected call's two dialogs: the caller's (we answered it) and the phone's (we called it). */
async function connectedDialogs() {
  const callerLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with the caller');
  const phoneLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac', 'with the phone');
  return { callerLeg, phoneLeg };
}

async function expectNothingLeft(numberId: string, accountId: string): Promise<void> {
  expect(await rig.settled(numberId)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  expect(await rig.store.leases.count(`account:${accountId}`)).toBe(0);
  expect(rig.calls.registry.size).toBe(0);
}

describe('hold in a forwarded call', () => {
  const cases = [
    { how: 'sendonly', hold: 'sendonly', holdip: '127.0.0.1', e164: '+31202220001' },
    { how: 'inactive', hold: 'inactive', holdip: '127.0.0.1', e164: '+31202220002' },
    { how: 'the old c=0.0.0.0 style', hold: 'sendrecv', holdip: '0.0.0.0', e164: '+31202220003' },
  ];
  for (const c of cases) {
    it(`a caller who holds (${c.how}) gives the phone music on hold; resuming brings back two-way audio`, async () => {
      const n = await rig.addNumber({ e164: c.e164, type: 'geographic', planId: 'file:forward-202' });
      const phonePort = await freePort();
      const accountId = (await registerPhone(rig, '202', phonePort)).id;
      const phoneSipp = await startSipp({ scenario: scenario('hold/phone-answer'), localPort: phonePort, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phone.port) } });
      const call = await startCaller(rig, 'hold/caller-holds', `0${c.e164.slice(3)}`, caller.port, { hold: c.hold, holdip: c.holdip });
      const { callerLeg, phoneLeg } = await connectedDialogs();

      // Connected: each hears the other.
      await speaks(caller, ourPort(callerLeg), phone, 0x2a);
      await speaks(phone, ourPort(phoneLeg), caller, 0x3c);

      const mark = phone.packets.length;
      await poke(callerLeg); // hold
      expect(await hearsMusicOnHold(phone, mark)).toBe(true);

      await poke(callerLeg); // resume
      await speaks(caller, ourPort(callerLeg), phone, 0x4e);
      await speaks(phone, ourPort(phoneLeg), caller, 0x5f);

      await poke(callerLeg); // hang up
      const [byCaller, atPhone] = await Promise.all([call.done, phoneSipp.done]);
      expect(byCaller.successful, describeRun(byCaller)).toBe(1);
      expect(atPhone.successful, describeRun(atPhone)).toBe(1);
      expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'answered' });
      await expectNothingLeft(n.id, accountId);
    }, 60_000);
  }

  it('a phone that holds (inactive) gives the caller music on hold; resuming brings back two-way audio', async () => {
    const n = await rig.addNumber({ e164: '+31202220004', type: 'geographic', planId: 'file:forward-202' });
    const phonePort = await freePort();
    const accountId = (await registerPhone(rig, '202', phonePort)).id;
    const phoneSipp = await startSipp({ scenario: scenario('hold/phone-holds'), localPort: phonePort, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phone.port), hold: 'inactive' } });
    const call = await startCaller(rig, 'numbers/caller-wait-bye', '0202220004', caller.port);
    const { callerLeg, phoneLeg } = await connectedDialogs();
    await speaks(phone, ourPort(phoneLeg), caller, 0x2a);

    const mark = caller.packets.length;
    await poke(phoneLeg); // hold
    expect(await hearsMusicOnHold(caller, mark)).toBe(true);

    await poke(phoneLeg); // resume
    await speaks(caller, ourPort(callerLeg), phone, 0x4e);
    await speaks(phone, ourPort(phoneLeg), caller, 0x5f);

    await poke(phoneLeg); // the phone hangs up
    const [atPhone, byCaller] = await Promise.all([phoneSipp.done, call.done]);
    expect(atPhone.successful, describeRun(atPhone)).toBe(1);
    expect(byCaller.successful, describeRun(byCaller)).toBe(1);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'answered' });
    await expectNothingLeft(n.id, accountId);
  }, 60_000);
});
