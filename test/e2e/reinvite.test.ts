import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SDP, APP_SDP_V2, deferred, describeRun, flow, startRig, tracedMessages, within, hangUp, type Rig } from './harness.js';

/** Mid-call session changes (RFC 3261 14): re-INVITE in both directions. */
describe('re-INVITE through the engine', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("delivers a caller's re-INVITE to the app as 'modify' and returns the app's new answer", async () => {
    const modified = deferred<string>();
    const ended = deferred();
    rig.srf.invite(async (req, res) => {
      const dialog = await rig.srf.createUAS(req, res, { localSdp: APP_SDP });
      dialog.on('modify', (reinvite: Srf.SrfRequest, response: Srf.SrfResponse) => {
        modified.resolve(reinvite.body);
        response.send(200, { body: APP_SDP_V2, headers: { 'Content-Type': 'application/sdp' } });
      });
      dialog.on('destroy', () => ended.resolve());
    });

    const caller = await rig.call('uac-reinvite');

    expect(caller.successful, describeRun(caller)).toBe(1);
    // The re-INVITE offered PCMU only; the app saw that offer.
    expect(await within(modified.promise, 1000, "Dialog 'modify'")).toContain('m=audio');
    expect(await modified.promise).toMatch(/RTP\/AVP 0\r?\n/);
    const reanswer = tracedMessages(caller).find((m) => m.direction === 'received' && m.text.includes('CSeq: 2 INVITE') && m.text.startsWith('SIP/2.0 200'));
    expect(reanswer?.text).toContain('o=contactsuite 1 2');
    await within(ended.promise, 2000, "Dialog 'destroy'");
  });

  it('sends a re-INVITE from the app with Dialog#modify and gets the callee’s answer', async () => {
    const callee = await rig.far('uas-reinvite');

    const dialog = await within(rig.srf.createUAC(callee.uri(), { localSdp: APP_SDP }), 5000, 'createUAC');
    const answer = await within(dialog.modify(APP_SDP_V2), 5000, 'Dialog#modify');
    expect(answer).toContain('o=sippuas');
    await within(hangUp(dialog), 5000, 'Dialog#destroy');

    const result = await callee.done;
    expect(result.successful, describeRun(result)).toBe(1);
    expect(flow(result).filter((line) => line.startsWith('< INVITE'))).toHaveLength(2);
    expect(result.messages).toContain('o=contactsuite 1 2');
  });
});
