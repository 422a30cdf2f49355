import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SDP, deferred, describeRun, flow, startRig, tracedMessages, within, type Rig, type SippResult } from './harness.js';

/*
 * Requests inside an established call (RFC 3261 §12.2): the caller's INFO reaches the app's
 * dialog, the app's NOTIFY, REFER and UPDATE reach the caller as requests of the same dialog,
 * and a request for a dialog that does not exist gets 481.
 */

/** Dialog#request as srf really types it: resolves with the final response. */
function dialogRequest(dialog: Srf.Dialog, opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<Srf.SrfResponse> {
  const request = dialog.request.bind(dialog) as unknown as (o: object) => Promise<Srf.SrfResponse>;
  return request(opts);
}

function header(text: string | undefined, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*?)\\s*$`, 'mi').exec(text ?? '')?.[1];
}

function tagOf(value: string | undefined): string | undefined {
  return /;tag=([^;>\s]+)/.exec(value ?? '')?.[1];
}

function received(result: SippResult, start: string): string | undefined {
  return tracedMessages(result).find((m) => m.direction === 'received' && m.text.startsWith(start))?.text;
}

describe('requests inside a call', () => {
  let rig: Rig;
  let onDialog: (dialog: Srf.Dialog) => void = () => undefined;

  beforeAll(async () => {
    rig = await startRig();
    rig.srf.invite(async (req, res) => {
      const dialog = await rig.srf.createUAS(req, res, { localSdp: APP_SDP });
      onDialog(dialog);
    });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("delivers the caller's INFO to the app's dialog, and carries the app's NOTIFY, REFER and UPDATE to the caller", async () => {
    const info = deferred<Srf.SrfRequest>();
    const answers = deferred<Srf.SrfResponse[]>();
    const ended = deferred();
    onDialog = (dialog) => {
      dialog.on('destroy', () => ended.resolve());
      dialog.on('info', (req, res) => {
        info.resolve(req);
        res.send(200);
        // Once the INFO is answered the app talks: each request waits for the previous answer.
        void (async () => {
          const notify = await dialogRequest(dialog, {
            method: 'NOTIFY',
            headers: { Event: 'message-summary', 'Subscription-State': 'active', 'Content-Type': 'application/simple-message-summary' },
            body: 'Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n',
          });
          const refer = await dialogRequest(dialog, { method: 'REFER', headers: { 'Refer-To': '<sip:carol@127.0.0.1>' } });
          const update = await dialogRequest(dialog, { method: 'UPDATE' });
          answers.resolve([notify, refer, update]);
        })().catch((err: Error) => answers.reject(err));
      });
    };

    const caller = await rig.call('x-uac-indialog');

    expect(caller.successful, describeRun(caller)).toBe(1);
    const infoAtApp = await within(info.promise, 1000, "Dialog 'info'");
    expect(infoAtApp.get('Content-Type')).toBe('application/dtmf-relay');
    expect(infoAtApp.body).toMatch(/^Signal=5\r?\nDuration=160/);
    const [notify, refer, update] = await within(answers.promise, 2000, "the app's requests");
    expect([notify.status, refer.status, update.status]).toEqual([200, 202, 200]);
    await within(ended.promise, 2000, "Dialog 'destroy' after the caller's BYE");

    // Each request carries the dialog's identifiers seen from the engine's side (RFC 3261 §12.2.1.1).
    const invite = tracedMessages(caller).find((m) => m.direction === 'sent' && m.text.startsWith('INVITE '))?.text;
    const answer = received(caller, 'SIP/2.0 200');
    const engineTag = tagOf(header(answer, 'To'));
    const callerTag = tagOf(header(invite, 'From'));
    expect(engineTag).toBeTruthy();
    const callerContact = /<([^>]+)>/.exec(header(invite, 'Contact') ?? '')?.[1];
    const requests = ['NOTIFY', 'REFER', 'UPDATE'].map((method) => received(caller, `${method} `));
    const cseqs: number[] = [];
    for (const [i, text] of requests.entries()) {
      const method = ['NOTIFY', 'REFER', 'UPDATE'][i];
      expect(text, `${method} at the caller`).toBeDefined();
      expect(text?.split(/\r?\n/)[0]).toBe(`${method} ${callerContact} SIP/2.0`);
      expect(header(text, 'Call-ID')).toBe(header(invite, 'Call-ID'));
      expect(tagOf(header(text, 'From'))).toBe(engineTag);
      expect(tagOf(header(text, 'To'))).toBe(callerTag);
      const cseq = /^(\d+) (\w+)$/.exec(header(text, 'CSeq') ?? '');
      expect(cseq?.[2]).toBe(method);
      cseqs.push(Number(cseq?.[1]));
    }
    expect(cseqs[1]).toBeGreaterThan(cseqs[0]);
    expect(cseqs[2]).toBeGreaterThan(cseqs[1]);
    expect(header(requests[1], 'Contact')).toMatch(new RegExp(`sip:[^>]*127\\.0\\.0\\.1:${rig.sipPort}`));
    expect(header(requests[2], 'Contact')).toMatch(new RegExp(`sip:[^>]*127\\.0\\.0\\.1:${rig.sipPort}`));
    expect(header(requests[1], 'Refer-To')).toBe('<sip:carol@127.0.0.1>');
    expect(header(requests[0], 'Event')).toBe('message-summary');
  });

  it('answers 481 to a BYE whose To tag matches no dialog, and leaves the call up', async () => {
    const byes: Srf.SrfRequest[] = [];
    const ended = deferred();
    onDialog = (dialog) => {
      dialog.on('destroy', (bye) => {
        byes.push(bye);
        ended.resolve();
      });
    };

    const caller = await rig.call('x-uac-bye-wrong-tag');

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(flow(caller)).toContainEqual(expect.stringMatching(/^< SIP\/2\.0 481/));
    await within(ended.promise, 2000, "Dialog 'destroy' after the real BYE");
    // Only the real BYE (CSeq 3) reached the app.
    expect(byes.map((b) => b.get('CSeq'))).toEqual(['3 BYE']);
  });

  it('keeps the call up after the app ends a REFER subscription with a terminated NOTIFY (RFC 3515)', async () => {
    const ended = deferred();
    onDialog = (dialog) => {
      dialog.on('destroy', () => ended.resolve());
      dialog.on('refer', (_req, res) => {
        res.send(202);
        void dialogRequest(dialog, {
          method: 'NOTIFY',
          headers: { Event: 'refer', 'Subscription-State': 'terminated;reason=noresource', 'Content-Type': 'message/sipfrag;version=2.0' },
          body: 'SIP/2.0 200 OK\r\n',
        }).catch(() => undefined);
      });
    };

    const caller = await rig.call('x-uac-refer-then-bye');

    // The caller's BYE after the NOTIFY still finds the call: 200, not 481.
    expect(caller.successful, describeRun(caller)).toBe(1);
    await within(ended.promise, 2000, "Dialog 'destroy' after the caller's BYE");
  });
});

