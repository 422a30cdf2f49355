import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SDP, describeRun, finalResponse, flow, sendRequest, startRig, tracedMessages, within, hangUp, type Rig } from './harness.js';

/** Requests the app originates: out-of-dialog srf.request, and createUAC through a digest challenge. */
describe('requests sent by the app', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('sends an out-of-dialog OPTIONS with srf.request and receives the 200', async () => {
    const far = await rig.far('uas-options');

    const sent = await within(sendRequest(rig.srf, far.uri('probe'), { method: 'OPTIONS', headers: { 'X-Probe': 'e2e' } }), 5000, 'srf.request');
    const res = await within(finalResponse(sent), 5000, 'response to OPTIONS');

    expect(res.status).toBe(200);
    expect(res.get('Allow')).toContain('OPTIONS');
    const result = await far.done;
    expect(result.successful, describeRun(result)).toBe(1);
    // The engine filled in what srf leaves to drachtio-server: Via, Call-ID, tags, CSeq, Max-Forwards.
    const options = tracedMessages(result).find((m) => m.direction === 'received' && m.text.startsWith('OPTIONS '));
    expect(options?.text).toMatch(/^OPTIONS sip:probe@127\.0\.0\.1:\d+ SIP\/2\.0/);
    expect(options?.text).toMatch(/^Via: SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;.*branch=z9hG4bK/m);
    expect(options?.text).toMatch(/^From: .*;tag=/m);
    expect(options?.text).toMatch(/^Call-ID: \S+/m);
    expect(options?.text).toMatch(/^CSeq: \d+ OPTIONS/m);
    expect(options?.text).toMatch(/^Max-Forwards: \d+/m);
    expect(options?.text).toMatch(/^X-Probe: e2e/m);
  });

  it('answers a digest challenge in createUAC and gets the call through', async () => {
    const callee = await rig.far('uas-auth');

    const dialog = await within(
      rig.srf.createUAC(callee.uri('alice'), { localSdp: APP_SDP, auth: { username: 'alice', password: 'wonderland' } }),
      5000,
      'createUAC with auth',
    );
    expect(dialog.remote.sdp).toContain('o=sippuas');
    await within(hangUp(dialog), 5000, 'Dialog#destroy');

    const result = await callee.done;
    // uas-auth only answers 200 when <verifyauth> accepted the retried INVITE's Authorization.
    expect(result.successful, describeRun(result)).toBe(1);
    expect(flow(result).filter((line) => line.startsWith('< INVITE'))).toHaveLength(2);
    expect(result.messages).toMatch(/^Authorization: Digest .*username="alice"/m);
  });

  it('fails createUAC with 403 when the password is wrong', async () => {
    const callee = await rig.far('uas-auth');

    const attempt = within(
      rig.srf.createUAC(callee.uri('alice'), { localSdp: APP_SDP, auth: { username: 'alice', password: 'guess' } }),
      5000,
      'createUAC with a wrong password',
    );
    await expect(attempt).rejects.toMatchObject({ status: 403 });
    callee.kill();
  });
});
