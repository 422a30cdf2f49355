/*
 * "Maximaal 2 doorgangen": a third concurrent call on an account, in or out, gets 486; the
 * slots come back when the calls end, also when nobody answers in time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun } from '../support/sipp.js';
import { eventually, flow, startCallRig, type CallRig } from './rig.js';

describe('the 2-channel limit', () => {
  let rig: CallRig;
  beforeAll(async () => {
    rig = await startCallRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('refuses a third call from or to an account with two calls up, and frees the slots afterwards', async () => {
    // Two calls from alice out through the trunk that stay up until the platform hangs them up.
    const trunk = await rig.far('uas-answer', { localPort: rig.trunkPort, calls: 2 });
    const twoCalls = await rig.startCall('caller-wait-bye', rig.alice, '0201234567', { calls: 2, extra: ['-l', '2'] });
    expect(await rig.channelsSettle(rig.alice, 2)).toBe(2);
    expect(await eventually(() => rig.answered.length === 2)).toBe(true);

    const third = await rig.call('caller-fail', rig.alice, '0201234568', { vars: { expected: '486' } });
    const incoming = await rig.call('caller-fail', rig.bob, rig.alice.username, { vars: { expected: '486' } });

    expect(third.successful, describeRun(third)).toBe(1);
    expect(incoming.successful, describeRun(incoming)).toBe(1);
    // Bob's own slot, taken for the refused call, is back.
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
    expect(await rig.channels(rig.alice)).toBe(2);

    for (const call of rig.answered) await call.hangUp();
    const callers = await twoCalls.done;
    expect(callers.successful, describeRun(callers)).toBe(2);
    const trunkResult = await trunk.done;
    expect(trunkResult.successful, describeRun(trunkResult)).toBe(2);
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
  });
});

describe('calls that run into a time limit', () => {
  let rig: CallRig;
  beforeAll(async () => {
    rig = await startCallRig({ ringTimeoutMs: 1_000, maxCallMs: 500 });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('stops ringing after the ring timeout, tells the caller 480 and frees both channels', async () => {
    const bobPhone = await rig.far('uas-ring-wait-cancel');
    await rig.register(rig.bob, bobPhone.port);

    const caller = await rig.call('caller-fail', rig.alice, rig.bob.username, { vars: { expected: '480' } });

    expect(caller.successful, describeRun(caller)).toBe(1);
    const callee = await bobPhone.done;
    expect(callee.successful, describeRun(callee)).toBe(1);
    expect(flow(callee)).toContainEqual(expect.stringMatching(/^< CANCEL /));
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });

  it('hangs up both sides of a call that outlasts the maximum duration and frees both channels', async () => {
    const bobPhone = await rig.far('uas-answer');
    await rig.register(rig.bob, bobPhone.port);

    const caller = await rig.call('caller-wait-bye', rig.alice, rig.bob.username);

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(flow(caller)).toContainEqual(expect.stringMatching(/^< BYE /));
    const callee = await bobPhone.done;
    expect(callee.successful, describeRun(callee)).toBe(1);
    expect(await rig.channelsSettle(rig.alice, 0)).toBe(0);
    expect(await rig.channelsSettle(rig.bob, 0)).toBe(0);
  });
});

describe('password guessing', () => {
  let rig: CallRig;
  beforeAll(async () => {
    rig = await startCallRig({ maxFailures: 2 });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('gets 407 until the failure threshold, then 403, also for the right password', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await rig.call('caller-fail', rig.alice, '0201234567', { password: `guess-${attempt}`, vars: { expected: '407' } });
      expect(run.successful, describeRun(run)).toBe(1);
    }
    const blocked = await rig.call('caller-fail', rig.alice, '0201234567', { password: 'guess-2', vars: { expected: '403' } });
    expect(blocked.successful, describeRun(blocked)).toBe(1);
    // The source is blocked now: even the first, credential-less INVITE gets 403.
    const rightPassword = await rig.call('caller-noauth', rig.alice, '0201234567', { vars: { expected: '403' } });
    expect(rightPassword.successful, describeRun(rightPassword)).toBe(1);
    expect(await rig.channels(rig.alice)).toBe(0);
  });
});
