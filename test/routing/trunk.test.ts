/*
 * Calls out through the SIP trunk (a SIPp UAS here): number normalization on the wire, digest
 * towards the trunk, and that nothing unauthenticated or refused ever reaches it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun } from '../support/sipp.js';
import { flow, received, startCallRig, type CallRig } from './rig.js';

describe('external calls through the trunk', () => {
  let rig: CallRig;
  beforeAll(async () => {
    rig = await startCallRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('sends a call to a Dutch national number to the trunk as E.164 and frees the channel after the BYE', async () => {
    const trunk = await rig.far('uas-answer', { localPort: rig.trunkPort });

    const caller = await rig.call('caller-call', rig.alice, '0201234567');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const trunkResult = await trunk.done;
    expect(trunkResult.successful, describeRun(trunkResult)).toBe(1);
    const [invite] = received(trunkResult, 'INVITE');
    expect(invite).toMatch(new RegExp(`^INVITE sip:\\+31201234567@127\\.0\\.0\\.1:${rig.trunkPort} SIP/2\\.0`));
    expect(invite).toMatch(/^From: "Alice de Vries" <sip:201@/m);
    // The phone's credentials are for us, never for the trunk.
    expect(invite).not.toMatch(/^Proxy-Authorization:/im);
    expect(flow(trunkResult)).toContainEqual(expect.stringMatching(/^< BYE /));
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
  });

  it('lets nothing through from an unauthenticated caller, a wrong password or a suspended customer', async () => {
    // The trunk takes exactly one call: a refused attempt that leaked to it would be that call.
    const trunk = await rig.far('uas-answer', { localPort: rig.trunkPort });

    const anonymous = await rig.call('caller-noauth', rig.alice, '0201234567', { vars: { expected: '407' } });
    const guessing = await rig.call('caller-fail', rig.alice, '0201234567', { password: 'not-the-password', vars: { expected: '407' } });
    const unknown = await rig.call('caller-fail', { ...rig.alice, username: '999' }, '0201234567', { vars: { caller: '999', expected: '407' } });
    const suspended = await rig.call('caller-fail', rig.dave, '0201234567', { vars: { expected: '403' } });
    const legit = await rig.call('caller-call', rig.bob, '+31207654321');

    for (const run of [anonymous, guessing, unknown, suspended, legit]) expect(run.successful, describeRun(run)).toBe(1);
    const trunkResult = await trunk.done;
    expect(trunkResult.successful, describeRun(trunkResult)).toBe(1);
    const invites = received(trunkResult, 'INVITE');
    expect(invites).toHaveLength(1);
    expect(invites[0]).toMatch(/^INVITE sip:\+31207654321@/);
    expect(invites[0]).toMatch(/^From: "Bob de Vries" <sip:202@/m);
    expect(await rig.channelsSettle(rig.dave, 0)).toBe(0);
  });

  it('puts 112 through to the trunk even for a suspended customer', async () => {
    const trunk = await rig.far('uas-answer', { localPort: rig.trunkPort });

    const caller = await rig.call('caller-call', rig.dave, '112');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const trunkResult = await trunk.done;
    expect(received(trunkResult, 'INVITE')[0]).toMatch(/^INVITE sip:112@/);
    expect(await rig.channelsSettle(rig.dave, 0)).toBe(0);
  });
});

describe('a trunk that demands credentials', () => {
  let rig: CallRig;
  beforeAll(async () => {
    // test/scenarios/uas-auth.xml accepts alice / wonderland.
    rig = await startCallRig({ trunk: { username: 'alice', password: 'wonderland' } });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('answers its 401 with the configured credentials', async () => {
    const trunk = await rig.far('uas-auth', { localPort: rig.trunkPort });

    const caller = await rig.call('caller-call', rig.alice, '0612345678');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const trunkResult = await trunk.done;
    expect(trunkResult.successful, describeRun(trunkResult)).toBe(1);
    const invites = received(trunkResult, 'INVITE');
    expect(invites).toHaveLength(2);
    expect(invites[1]).toMatch(/^Authorization: Digest .*username="alice"/m);
    expect(invites[1]).toMatch(/^INVITE sip:\+31612345678@/);
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
  });
});

describe('without a trunk', () => {
  let rig: CallRig;
  beforeAll(async () => {
    rig = await startCallRig({ trunk: false });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('answers an external call with 503 and holds no channel', async () => {
    const caller = await rig.call('caller-fail', rig.alice, '0201234567', { vars: { expected: '503' } });

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
  });
});
