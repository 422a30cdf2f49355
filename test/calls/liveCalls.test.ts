/*
 * The live calls list (what GET /api/v1/calls/live shows) during a forwarded number call: a
 * SIPp caller from the network, a SIPp phone of account 202; the call is connected, on hold
 * while the caller holds, connected again, and gone once the caller hangs up.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveCallEntry } from '../../src/calls/LiveCallList.js';
import { describeRun, scenario, startSipp } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { PHONE_PASSWORD, registerPhone } from '../support/phones.js';
import { ourPort, poke, speaks, startCaller, useForwardRig, waitForDialog } from '../hold/talk.js';
import type { CallerAudio, NumberRig } from './rig.js';

const forwarded = useForwardRig(42800);
let rig: NumberRig;
let caller: CallerAudio;
let phone: CallerAudio;
beforeEach(() => {
  rig = forwarded.rig();
  caller = forwarded.caller();
  phone = forwarded.phone();
});

/** Waits (bounded) until the list shows the number's call in `state`. */
async function callIn(e164: string, state: LiveCallEntry['state']): Promise<LiveCallEntry | undefined> {
  for (let i = 0; i < 250; i++) {
    const call = rig.liveCalls.list().find((c) => c.called === e164);
    if (call?.state === state) return call;
    await new Promise((r) => setTimeout(r, 20));
  }
  return rig.liveCalls.list().find((c) => c.called === e164);
}

describe('the live calls list', () => {
  it('shows a forwarded call connected, on hold while the caller holds, connected again, and no more after the BYE', async () => {
    const e164 = '+31202230001';
    await rig.addNumber({ e164, type: 'geographic', planId: 'file:forward-202' });
    const phonePort = await freePort();
    await registerPhone(rig, '202', phonePort);
    const phoneSipp = await startSipp({ scenario: scenario('hold/phone-answer'), localPort: phonePort, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phone.port) } });
    const call = await startCaller(rig, 'hold/caller-holds', '0202230001', caller.port, { hold: 'sendonly', holdip: '127.0.0.1' });
    const callerLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uas', 'with the caller');
    const phoneLeg = await waitForDialog(rig.calls.registry, (d) => d.type === 'uac', 'with the phone');
    await speaks(caller, ourPort(callerLeg), phone, 0x2a);

    expect(await callIn(e164, 'connected')).toMatchObject({ kind: 'number', customerId: rig.customerId, caller: '0612345678', node: 'doorverbinden', nodeType: 'forward' });
    await poke(callerLeg); // hold
    expect((await callIn(e164, 'on-hold'))?.state).toBe('on-hold');
    await poke(callerLeg); // resume
    expect((await callIn(e164, 'connected'))?.state).toBe('connected');
    await speaks(phone, ourPort(phoneLeg), caller, 0x3c);

    await poke(callerLeg); // hang up
    const [byCaller, atPhone] = await Promise.all([call.done, phoneSipp.done]);
    expect(byCaller.successful, describeRun(byCaller)).toBe(1);
    expect(atPhone.successful, describeRun(atPhone)).toBe(1);
    for (let i = 0; i < 150 && rig.liveCalls.list().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(rig.liveCalls.list()).toEqual([]);
  }, 60_000);

  it('lists an extension call between two phones as connected, with the calling account, until it ends', async () => {
    const [a201, port202] = [await registerPhone(rig, '201', []), await freePort()];
    await registerPhone(rig, '202', port202);
    const started = vi.spyOn(rig.liveCalls, 'start');
    const callee = await startSipp({ scenario: scenario('hold/phone-answer'), localPort: port202, calls: 1, timeoutMs: 40_000, vars: { rtp: String(phone.port) } });
    const callerSipp = await startSipp({
      scenario: scenario('calls/caller-call'), remote: rig.remote, localPort: await freePort(), calls: 1, timeoutMs: 40_000,
      vars: { caller: '201' }, extra: ['-s', '202', '-au', '201', '-ap', PHONE_PASSWORD],
    });
    const [byCaller, atCallee] = await Promise.all([callerSipp.done, callee.done]);
    expect(byCaller.successful, describeRun(byCaller)).toBe(1);
    expect(atCallee.successful, describeRun(atCallee)).toBe(1);
    expect(started.mock.calls.map(([entry]) => entry)).toEqual([
      expect.objectContaining({ kind: 'phone', customerId: rig.customerId, accountId: a201.id, called: '202', caller: { number: '201', restricted: false }, state: 'connected' }),
    ]);
    started.mockRestore();
    for (let i = 0; i < 150 && rig.liveCalls.list().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(rig.liveCalls.list()).toEqual([]);
  }, 60_000);
});
