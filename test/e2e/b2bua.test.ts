import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred, describeRun, flow, startRig, within, type Rig } from './harness.js';

/** A back-to-back app (Srf#createB2BUA) between a SIPp caller and a SIPp callee. */
describe('a B2BUA app between two phones', () => {
  let rig: Rig;
  let target = '';
  let outcome = deferred<{ uas: Srf.Dialog; uac: Srf.Dialog } | Error>();

  beforeAll(async () => {
    rig = await startRig();
    rig.srf.invite(async (req, res) => {
      try {
        const legs = await rig.srf.createB2BUA(req, res, target, { localSdpB: req.body });
        // Whoever hangs up, the other leg follows.
        legs.uas.on('destroy', () => void legs.uac.destroy());
        legs.uac.on('destroy', () => void legs.uas.destroy());
        outcome.resolve(legs);
      } catch (err) {
        outcome.resolve(err as Error);
      }
    });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('connects the caller to the callee and carries the hang-up across', async () => {
    outcome = deferred();
    const callee = await rig.far('uas-answer');
    target = callee.uri();

    const caller = await rig.call('uac-call');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const calleeResult = await callee.done;
    expect(calleeResult.successful, describeRun(calleeResult)).toBe(1);
    // The caller got the callee's SDP through the B2BUA; the callee got the caller's offer.
    expect(caller.messages).toContain('o=sippuas');
    expect(calleeResult.messages).toContain('o=sipp 53655765');
    expect(flow(calleeResult)).toContainEqual(expect.stringMatching(/^< BYE /));
    const legs = await within(outcome.promise, 1000, 'createB2BUA');
    expect(legs).not.toBeInstanceOf(Error);
  });

  it('passes a CANCEL from the caller on to the ringing callee', async () => {
    outcome = deferred();
    const callee = await rig.far('uas-ring-wait-cancel');
    target = callee.uri();

    const caller = await rig.call('uac-cancel');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const calleeResult = await callee.done;
    // The callee's scenario only succeeds if a CANCEL reached it and its 487 was ACKed.
    expect(calleeResult.successful, describeRun(calleeResult)).toBe(1);
    expect(flow(calleeResult)).toContainEqual(expect.stringMatching(/^< CANCEL /));
    expect(flow(caller)).toContainEqual(expect.stringMatching(/^< SIP\/2\.0 487/));
    const result = await within(outcome.promise, 2000, 'createB2BUA outcome');
    expect(result).toBeInstanceOf(Error);
  });

  it("passes the callee's 486 Busy Here back to the caller", async () => {
    outcome = deferred();
    const callee = await rig.far('uas-486');
    target = callee.uri();

    const caller = await rig.call('uac-expect-486');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const calleeResult = await callee.done;
    expect(calleeResult.successful, describeRun(calleeResult)).toBe(1);
    const result = await within(outcome.promise, 2000, 'createB2BUA outcome');
    expect(result).toMatchObject({ name: 'SipError', status: 486 });
  });
});
