/*
 * Hold and transfer in an extension call (phone to phone through the call router, SDP end to
 * end): the hold and resume re-INVITEs reach the other phone unchanged (its phone plays music, if
 * any). This rig's router has no media server, so a REFER gets an explicit 501 (with one, the
 * call is anchored and transferred: test/transfer/extensionTransfer.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun } from '../support/sipp.js';
import { startCallRig, type CallRig } from '../routing/rig.js';

let rig: CallRig;

beforeAll(async () => {
  rig = await startCallRig();
}, 30_000);
afterAll(() => rig.stop());

describe('an extension call', () => {
  it('passes hold and resume to the other phone and refuses a transfer with 501', async () => {
    const bob = await rig.far('hold/ext-callee');
    await rig.register(rig.bob, bob.port);
    const alice = await rig.call('../hold/ext-caller-hold-refer', rig.alice, rig.bob.username);
    expect(alice.successful, describeRun(alice)).toBe(1);
    const atBob = await bob.done;
    expect(atBob.successful, describeRun(atBob)).toBe(1);
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });
});
