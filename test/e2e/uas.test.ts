import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SDP, deferred, describeRun, flow, hangUp, sleep, startRig, tracedMessages, within, type Rig } from './harness.js';

/** The app answers calls itself (Srf#createUAS); SIPp is the caller. */
describe('an app answering calls through the engine', () => {
  let rig: Rig;
  let onInvite: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void = (_req, res) => res.send(500);

  beforeAll(async () => {
    rig = await startRig();
    rig.srf.invite((req, res) => onInvite(req, res));
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('answers a caller and learns that the caller hung up', async () => {
    const ended = deferred<Srf.SrfRequest>();
    const invited = deferred<Srf.SrfRequest>();
    onInvite = async (req, res) => {
      invited.resolve(req);
      const dialog = await rig.srf.createUAS(req, res, { localSdp: APP_SDP });
      dialog.on('destroy', (bye) => ended.resolve(bye));
    };

    const caller = await rig.call('uac-call', { extra: ['-s', 'support'] });

    expect(caller.successful, describeRun(caller)).toBe(1);
    const req = await within(invited.promise, 1000, 'INVITE at the app');
    expect(req.uri).toContain('sip:support@');
    expect(req.body).toContain('m=audio');
    const bye = await within(ended.promise, 2000, "Dialog 'destroy' after the caller's BYE");
    expect(bye.method).toBe('BYE');
    // The caller's 200 carries the app's answer.
    const answer = tracedMessages(caller).find((m) => m.direction === 'received' && m.text.startsWith('SIP/2.0 200') && m.text.includes('CSeq: 1 INVITE'));
    expect(answer?.text).toContain('o=contactsuite');
  });

  it('hangs up from the app side: the caller receives the BYE and answers it', async () => {
    const hungUp = deferred();
    onInvite = async (req, res) => {
      const dialog = await rig.srf.createUAS(req, res, { localSdp: APP_SDP });
      await sleep(300);
      await hangUp(dialog);
      hungUp.resolve();
    };

    const caller = await rig.call('uac-call-wait-bye');

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(flow(caller)).toContainEqual(expect.stringMatching(/^< BYE sip:sipp@127\.0\.0\.1:\d+/));
    // Dialog#destroy resolves once the caller's 200 to the BYE is back.
    await within(hungUp.promise, 2000, 'Dialog#destroy');
  });

  it('serves a caller over TCP on the same port', async () => {
    const ended = deferred();
    const transport = deferred<string>();
    onInvite = async (req, res) => {
      transport.resolve(req.protocol);
      const dialog = await rig.srf.createUAS(req, res, { localSdp: APP_SDP });
      dialog.on('destroy', () => ended.resolve());
    };

    const caller = await rig.call('uac-call', { transport: 't1' });

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(caller.messages).toMatch(/TCP message received/);
    expect((await within(transport.promise, 1000, 'INVITE at the app')).toLowerCase()).toBe('tcp');
    await within(ended.promise, 2000, "Dialog 'destroy' after the caller's BYE over TCP");
  });

  it('hangs up a TCP caller from the app side', async () => {
    onInvite = async (req, res) => {
      const dialog = await rig.srf.createUAS(req, res, { localSdp: APP_SDP });
      await sleep(300);
      await hangUp(dialog);
    };

    const caller = await rig.call('uac-call-wait-bye', { transport: 't1' });

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(flow(caller)).toContainEqual(expect.stringMatching(/^< BYE /));
  });
});
