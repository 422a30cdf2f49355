import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SDP, deferred, describeRun, flow, hangUp, sleep, startRig, tracedMessages, within, type Rig } from './harness.js';

/*
 * Lost packets over UDP, recovered by retransmission (RFC 3261 13.3.1.4: the UAS resends its 2xx
 * until the ACK arrives; 13.2.2.4: the UAC ACKs every retransmitted 2xx). The scenarios need
 * SIPp's -nr, see their comments.
 */
describe('lost 200 and lost ACK over UDP', () => {
  let rig: Rig;
  let ended = deferred();

  beforeAll(async () => {
    rig = await startRig();
    rig.srf.invite(async (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
      const dialog = await rig.srf.createUAS(req, res, { localSdp: APP_SDP });
      dialog.on('destroy', () => ended.resolve());
    });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('retransmits the 200 when the caller never got it', async () => {
    ended = deferred();

    const caller = await rig.call('uac-drop-200', { extra: ['-nr'] });

    expect(caller.successful, describeRun(caller)).toBe(1);
    const beforeAck = flow(caller).slice(0, flow(caller).findIndex((line) => line.startsWith('> ACK')));
    expect(beforeAck.filter((line) => line.startsWith('< SIP/2.0 200')).length).toBeGreaterThanOrEqual(2);
    await within(ended.promise, 2000, "Dialog 'destroy'");
  });

  it('retransmits the 200 when the caller’s ACK was lost, and takes the second ACK', async () => {
    ended = deferred();

    const caller = await rig.call('uac-drop-ack', { extra: ['-nr'] });

    expect(caller.successful, describeRun(caller)).toBe(1);
    const invite200s = tracedMessages(caller).filter((m) => m.direction === 'received' && m.text.startsWith('SIP/2.0 200') && m.text.includes('CSeq: 1 INVITE'));
    expect(invite200s.length).toBeGreaterThanOrEqual(2);
    await within(ended.promise, 2000, "Dialog 'destroy'");
  });

  it('ACKs a 200 again when the callee retransmits it (the engine as caller)', async () => {
    const callee = await rig.far('uas-drop-ack', { extra: ['-nr'] });

    const dialog = await within(rig.srf.createUAC(callee.uri(), { localSdp: APP_SDP }), 5000, 'createUAC');
    // Give the callee time to resend its 200 and get the second ACK before the BYE.
    await sleep(500);
    await within(hangUp(dialog), 5000, 'Dialog#destroy');

    const result = await callee.done;
    expect(result.successful, describeRun(result)).toBe(1);
    expect(flow(result).filter((line) => line.startsWith('< ACK'))).toHaveLength(2);
  });
});
