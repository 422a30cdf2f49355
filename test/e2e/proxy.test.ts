import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, flow, startRig, tracedMessages, type Rig } from './harness.js';

/** A proxying app (Srf#proxyRequest with Record-Route): the engine forwards, and stays in the path. */
describe('an app proxying calls', () => {
  let rig: Rig;
  let destination = '';

  beforeAll(async () => {
    rig = await startRig();
    rig.srf.invite((req) => {
      rig.srf.proxyRequest(req, [destination], { recordRoute: true });
    });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('connects caller and callee, and carries the ACK and BYE through the engine', async () => {
    const callee = await rig.far('uas-answer');
    destination = `sip:127.0.0.1:${callee.port}`;

    const caller = await rig.call('uac-call');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const calleeResult = await callee.done;
    expect(calleeResult.successful, describeRun(calleeResult)).toBe(1);

    // The callee saw the engine's Record-Route, and the caller routes its in-dialog requests
    // through it (RFC 3261 16.6 step 4, 12.2.1.1).
    const invite = tracedMessages(calleeResult).find((m) => m.direction === 'received' && m.text.startsWith('INVITE '));
    expect(invite?.text).toMatch(new RegExp(`^Record-Route: <sip:127\\.0\\.0\\.1:${rig.sipPort}[;>]`, 'm'));
    const bye = tracedMessages(caller).find((m) => m.direction === 'sent' && m.text.startsWith('BYE '));
    expect(bye?.text).toMatch(new RegExp(`^Route: <sip:127\\.0\\.0\\.1:${rig.sipPort}[;>]`, 'm'));
    // SIPp sends everything to the engine; the callee got the BYE only because the engine proxied it.
    expect(flow(calleeResult)).toContainEqual(expect.stringMatching(/^< BYE /));
    expect(flow(calleeResult)).toContainEqual(expect.stringMatching(/^< ACK /));
  });
});
