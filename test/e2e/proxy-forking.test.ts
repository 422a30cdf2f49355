import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred, describeRun, flow, startRig, tracedMessages, within, type Rig } from './harness.js';

/*
 * A proxying app with more than one destination (Srf#proxyRequest): tried one after the other,
 * or all at once with the losers cancelled (RFC 3261 §16.7 step 10). The engine stays in the
 * path (Record-Route), so the caller's BYE reaches the phone that answered.
 */

/** What Srf#proxyRequest resolves with (its bundled typings say void). */
interface ProxyOutcome {
  connected: boolean;
  finalStatus: number;
  responses: Array<{ address: string; port: number; msgs: Array<{ status: number }> }>;
}

function proxy(srf: Srf, req: Srf.SrfRequest, targets: string[], opts: Srf.ProxyRequestOptions): Promise<ProxyOutcome> {
  const proxyRequest = srf.proxyRequest.bind(srf) as unknown as (r: Srf.SrfRequest, d: string[], o: object) => Promise<ProxyOutcome>;
  return proxyRequest(req, targets, opts);
}

describe('an app proxying a call to several phones', () => {
  let rig: Rig;
  let onInvite: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void = (_req, res) => res.send(500);

  beforeAll(async () => {
    rig = await startRig();
    rig.srf.invite((req, res) => onInvite(req, res));
  });
  afterAll(async () => {
    await rig?.stop();
  });

  function proxyTo(targets: string[], opts: Srf.ProxyRequestOptions): Promise<ProxyOutcome> {
    const outcome = deferred<ProxyOutcome>();
    onInvite = (req) => {
      proxy(rig.srf, req, targets, opts).then(outcome.resolve, outcome.reject);
    };
    return outcome.promise;
  }

  it('tries the second phone when the first is busy, and the caller reaches it', async () => {
    const busy = await rig.far('uas-486');
    const free = await rig.far('uas-answer');
    const outcome = proxyTo([`sip:127.0.0.1:${busy.port}`, `sip:127.0.0.1:${free.port}`], { forking: 'sequential', recordRoute: true });

    const caller = await rig.call('uac-call');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const busyResult = await busy.done;
    const freeResult = await free.done;
    // The busy phone's scenario needs the ACK of its 486; the free one's needs ACK and BYE.
    expect(busyResult.successful, describeRun(busyResult)).toBe(1);
    expect(freeResult.successful, describeRun(freeResult)).toBe(1);
    expect(flow(freeResult)).toContainEqual(expect.stringMatching(/^< BYE /));
    expect(flow(busyResult)).not.toContainEqual(expect.stringMatching(/^< BYE /));
    // The 486 stayed in the proxy: a later branch answered (RFC 3261 §16.7 step 6).
    expect(flow(caller)).not.toContainEqual(expect.stringMatching(/^< SIP\/2\.0 486/));
    const bye = tracedMessages(caller).find((m) => m.direction === 'sent' && m.text.startsWith('BYE '));
    expect(bye?.text).toMatch(new RegExp(`^Route: <sip:127\\.0\\.0\\.1:${rig.sipPort}[;>]`, 'm'));

    const result = await within(outcome, 2000, 'proxyRequest');
    expect(result.finalStatus).toBe(200);
    expect(result.connected).toBe(true);
    expect(result.responses.flatMap((r) => r.msgs.map((m) => m.status))).toEqual([486, 200]);
  });

  it('rings two phones at once: the one that answers gets the call, the other one a CANCEL', async () => {
    const ringing = await rig.far('uas-ring-wait-cancel');
    const answering = await rig.far('uas-answer');
    const outcome = proxyTo([`sip:127.0.0.1:${ringing.port}`, `sip:127.0.0.1:${answering.port}`], { forking: 'simultaneous', recordRoute: true });

    const caller = await rig.call('uac-call');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const ringingResult = await ringing.done;
    const answeringResult = await answering.done;
    // The ringing phone's scenario succeeds only with CANCEL, then the ACK of its 487.
    expect(ringingResult.successful, describeRun(ringingResult)).toBe(1);
    expect(flow(ringingResult)).toContainEqual(expect.stringMatching(/^< CANCEL /));
    expect(answeringResult.successful, describeRun(answeringResult)).toBe(1);
    expect(flow(answeringResult)).toContainEqual(expect.stringMatching(/^< BYE /));
    expect(flow(caller)).not.toContainEqual(expect.stringMatching(/^< SIP\/2\.0 487/));
    // Both forks saw the same call, each on a branch of its own.
    const inviteAt = (r: typeof ringingResult): string | undefined => tracedMessages(r).find((m) => m.direction === 'received' && m.text.startsWith('INVITE '))?.text;
    const callId = (t: string | undefined): string | undefined => /^Call-ID:\s*(.*?)\s*$/m.exec(t ?? '')?.[1];
    const topBranch = (t: string | undefined): string | undefined => /^Via:[^\n]*;branch=([^;\s,]+)/m.exec(t ?? '')?.[1];
    expect(callId(inviteAt(ringingResult))).toBe(callId(inviteAt(answeringResult)));
    expect(topBranch(inviteAt(ringingResult))).not.toBe(topBranch(inviteAt(answeringResult)));

    const result = await within(outcome, 2000, 'proxyRequest');
    expect(result.finalStatus).toBe(200);
    expect(result.responses.flatMap((r) => r.msgs.map((m) => m.status))).toContain(200);
  });
});
