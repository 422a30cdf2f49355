import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SDP, deferred, describeRun, flow, startRig, within, hangUp, type Rig } from './harness.js';

/** The app places calls (Srf#createUAC) through the engine; SIPp is the callee. */
describe('an app calling out through the engine', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('reaches a callee who answers, and hangs up', async () => {
    const callee = await rig.far('uas-answer');

    const dialog = await within(rig.srf.createUAC(callee.uri(), { localSdp: APP_SDP }), 5000, 'createUAC');
    expect(dialog.type).toBe('uac');
    expect(dialog.remote.sdp).toContain('o=sippuas');
    await within(hangUp(dialog), 5000, 'Dialog#destroy');

    const result = await callee.done;
    expect(result.successful, describeRun(result)).toBe(1);
    // The callee saw the app's offer and then the app's BYE.
    expect(result.messages).toContain('o=contactsuite');
    expect(flow(result)).toContainEqual(expect.stringMatching(/^< BYE sip:127\.0\.0\.1:\d+/));
  });

  it('learns that the callee hung up', async () => {
    const callee = await rig.far('uas-answer-then-bye');

    const dialog = await within(rig.srf.createUAC(callee.uri(), { localSdp: APP_SDP }), 5000, 'createUAC');
    const ended = deferred<Srf.SrfRequest>();
    dialog.on('destroy', (bye) => ended.resolve(bye));

    const bye = await within(ended.promise, 5000, "Dialog 'destroy' after the callee's BYE");
    expect(bye.method).toBe('BYE');
    const result = await callee.done;
    expect(result.successful, describeRun(result)).toBe(1);
  });

  it('gets a SipError 486 when the callee is busy', async () => {
    const callee = await rig.far('uas-486');

    const attempt = within(rig.srf.createUAC(callee.uri(), { localSdp: APP_SDP }), 5000, 'createUAC');
    await expect(attempt).rejects.toMatchObject({ name: 'SipError', status: 486 });

    // The engine ACKed the 486 (RFC 3261 17.1.1.3), which the callee's scenario requires.
    const result = await callee.done;
    expect(result.successful, describeRun(result)).toBe(1);
  });

  it('calls a callee over TCP', async () => {
    const callee = await rig.far('uas-answer', { transport: 't1' });

    const dialog = await within(rig.srf.createUAC(callee.uri(), { localSdp: APP_SDP }), 5000, 'createUAC over TCP');
    await within(hangUp(dialog), 5000, 'Dialog#destroy over TCP');

    const result = await callee.done;
    expect(result.successful, describeRun(result)).toBe(1);
    expect(result.messages).toMatch(/TCP message received/);
  });
});
