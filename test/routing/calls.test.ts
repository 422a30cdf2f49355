/*
 * Calls from SIPp phones through the engine and the call router: extension calls (B2BUA with
 * parallel ringing), external calls through a SIPp trunk, the 2-channel limit, and the channel
 * leases after every way a call can end (a leaked slot is a defect).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { describeRun, type SippResult } from '../support/sipp.js';
import { flow, received, startCallRig, type CallRig } from './rig.js';

function finals(result: SippResult): string[] {
  return flow(result).filter((l) => /^< SIP\/2\.0 [2-6]\d\d/.test(l)).map((l) => l.slice(2, 13));
}

describe('extension calls between phones of one customer', () => {
  let rig: CallRig;
  beforeAll(async () => {
    rig = await startCallRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });
  beforeEach(async () => {
    await rig.store.locations.removeAll(rig.bob.account.id);
    await rig.store.locations.removeAll(rig.alice.account.id);
  });

  it('connects the caller to the callee; the caller hangs up and both channels are free again', async () => {
    const bobPhone = await rig.far('uas-answer');
    await rig.register(rig.bob, bobPhone.port);

    const caller = await rig.call('caller-call', rig.alice, rig.bob.username);

    expect(caller.successful, describeRun(caller)).toBe(1);
    const callee = await bobPhone.done;
    expect(callee.successful, describeRun(callee)).toBe(1);
    // Each side got the other's SDP through the B2BUA.
    expect(caller.messages).toContain('o=sippuas');
    expect(callee.messages).toContain('o=sipp 53655765');
    // The callee sees who calls: the caller's extension and name.
    expect(received(callee, 'INVITE')[0]).toMatch(/^From: "Alice de Vries" <sip:201@/m);
    expect(flow(callee)).toContainEqual(expect.stringMatching(/^< BYE /));
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });

  it('carries a BYE from the callee to the caller and frees both channels', async () => {
    const bobPhone = await rig.far('uas-answer-then-bye');
    await rig.register(rig.bob, bobPhone.port);

    const caller = await rig.call('caller-wait-bye', rig.alice, rig.bob.username);

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(flow(caller)).toContainEqual(expect.stringMatching(/^< BYE /));
    const callee = await bobPhone.done;
    expect(callee.successful, describeRun(callee)).toBe(1);
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });

  it('passes a CANCEL from the caller on to the ringing callee and frees both channels', async () => {
    const bobPhone = await rig.far('uas-ring-wait-cancel');
    await rig.register(rig.bob, bobPhone.port);

    const caller = await rig.call('caller-cancel', rig.alice, rig.bob.username);

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(finals(caller)).toContain('SIP/2.0 487');
    const callee = await bobPhone.done;
    // The callee's scenario succeeds only if the CANCEL reached it and its 487 was ACKed.
    expect(callee.successful, describeRun(callee)).toBe(1);
    expect(flow(callee)).toContainEqual(expect.stringMatching(/^< CANCEL /));
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });

  it("passes the callee's 486 Busy Here back to the caller and frees both channels", async () => {
    const bobPhone = await rig.far('uas-486');
    await rig.register(rig.bob, bobPhone.port);

    const caller = await rig.call('caller-fail', rig.alice, rig.bob.username, { vars: { expected: '486' } });

    expect(caller.successful, describeRun(caller)).toBe(1);
    const callee = await bobPhone.done;
    expect(callee.successful, describeRun(callee)).toBe(1);
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });

  it('rings every registered phone of the callee and stops the others when one answers', async () => {
    const desk = await rig.far('uas-answer');
    const softphone = await rig.far('uas-ring-wait-cancel');
    await rig.register(rig.bob, softphone.port);
    await rig.register(rig.bob, desk.port);

    const caller = await rig.call('caller-call', rig.alice, rig.bob.username);

    expect(caller.successful, describeRun(caller)).toBe(1);
    const deskResult = await desk.done;
    expect(deskResult.successful, describeRun(deskResult)).toBe(1);
    const softResult = await softphone.done;
    expect(softResult.successful, describeRun(softResult)).toBe(1);
    expect(flow(softResult)).toContainEqual(expect.stringMatching(/^< CANCEL /));
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });

  it('reaches a phone that registered through the registrar at its source address', async () => {
    const port = await freePort();
    const registration = await rig.registerWithSipp(rig.bob, port);
    expect(registration.successful, describeRun(registration)).toBe(1);
    const bobPhone = await rig.far('uas-answer', { localPort: port });

    const caller = await rig.call('caller-call', rig.alice, rig.bob.username);

    expect(caller.successful, describeRun(caller)).toBe(1);
    const callee = await bobPhone.done;
    expect(callee.successful, describeRun(callee)).toBe(1);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });

  it("passes the caller's re-INVITE (new SDP) to the callee and the callee's answer back", async () => {
    const bobPhone = await rig.far('uas-reinvite');
    await rig.register(rig.bob, bobPhone.port);

    const caller = await rig.call('caller-reinvite', rig.alice, rig.bob.username);

    expect(caller.successful, describeRun(caller)).toBe(1);
    const callee = await bobPhone.done;
    expect(callee.successful, describeRun(callee)).toBe(1);
    const invites = received(callee, 'INVITE');
    expect(invites).toHaveLength(2);
    expect(invites[1]).toContain('o=sipp 53655765 2353687638');
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });

  it('answers 480 Temporarily Unavailable when the callee has no registered phone, and holds no channel', async () => {
    const caller = await rig.call('caller-fail', rig.alice, rig.bob.username, { vars: { expected: '480' } });

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });

  it("answers 404 for another customer's extension and for a destination that is no number", async () => {
    const otherCustomer = await rig.call('caller-fail', rig.alice, rig.carol.username, { vars: { expected: '404' } });
    const nonsense = await rig.call('caller-fail', rig.alice, 'pizza', { vars: { expected: '404' } });

    expect(otherCustomer.successful, describeRun(otherCustomer)).toBe(1);
    expect(nonsense.successful, describeRun(nonsense)).toBe(1);
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
  });

  it("refuses (403) a caller whose From is another account than its credentials'", async () => {
    const caller = await rig.call('caller-fail', rig.alice, rig.bob.username, { vars: { caller: rig.bob.username, expected: '403' } });

    expect(caller.successful, describeRun(caller)).toBe(1);
  });
});
