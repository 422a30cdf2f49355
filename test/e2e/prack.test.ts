import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SDP, deferred, describeRun, flow, hangUp, startRig, tracedMessages, within, type Rig, type SippResult } from './harness.js';

/*
 * Reliable provisional responses (RFC 3262) through the engine, both ways: the app as caller
 * PRACKs a callee's reliable 180 (srf does it by itself), and the app as callee sends a reliable
 * 183 that the engine resends until the caller's PRACK comes.
 */

/** Response#send with its callback, which the bundled typings leave out. */
type SendWithCallback = (status: number, opts: object, callback?: (err: Error | null) => void) => void;
function send(res: Srf.SrfResponse, status: number, opts: object, callback?: (err: Error | null) => void): void {
  (res.send.bind(res) as unknown as SendWithCallback)(status, opts, callback);
}

/** The value of a header in a traced message's text (first occurrence). */
function header(text: string | undefined, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*?)\\s*$`, 'mi').exec(text ?? '')?.[1];
}

/** The flow as '> INVITE', '< 183' … (SIPp's view: '>' it sent, '<' it received). */
function steps(result: SippResult): string[] {
  return flow(result).map((line) => {
    const m = /^([<>]) (?:SIP\/2\.0 (\d{3})|(\S+))/.exec(line);
    return m ? `${m[1]} ${m[2] ?? m[3]}` : line;
  });
}

function received(result: SippResult, start: string): string | undefined {
  return tracedMessages(result).find((m) => m.direction === 'received' && m.text.startsWith(start))?.text;
}

describe('reliable provisional responses (RFC 3262)', () => {
  let rig: Rig;
  let onInvite: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void = (_req, res) => res.send(500);
  let onPrack: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void = (_req, res) => res.send(200);

  beforeAll(async () => {
    rig = await startRig();
    rig.srf.invite((req, res) => onInvite(req, res));
    rig.srf.use('prack', (req, res) => onPrack(req, res));
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('the app as caller PRACKs a reliable 180 without Contact, with the RAck the callee asked for', async () => {
    const callee = await rig.far('x-uas-reliable-180');
    const ringing = deferred<Srf.SrfResponse>();

    const dialog = await within(
      rig.srf.createUAC(callee.uri(), { localSdp: APP_SDP }, { cbProvisional: (res) => ringing.resolve(res) }),
      5000,
      'createUAC',
    );
    expect(dialog.remote.sdp).toContain('o=sippuas');
    const provisional = await within(ringing.promise, 1000, '180 at the app');
    expect(provisional.status).toBe(180);
    expect(provisional.get('RSeq')).toBe('4711');
    await within(hangUp(dialog), 5000, 'Dialog#destroy');

    const result = await callee.done;
    expect(result.successful, describeRun(result)).toBe(1);
    expect(flow(result).map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual([
      '< INVITE sip:bob@127.0.0.1:' + callee.port,
      '> SIP/2.0 180',
      '< PRACK sip:bob@127.0.0.1:' + callee.port,
      '> SIP/2.0 200',
      '> SIP/2.0 200',
      '< ACK sip:127.0.0.1:' + callee.port + ';transport=UDP',
      '< BYE sip:127.0.0.1:' + callee.port + ';transport=UDP',
      '> SIP/2.0 200',
    ]);
    const invite = received(result, 'INVITE ');
    const prack = received(result, 'PRACK ');
    const inviteCSeq = Number(/^(\d+) INVITE$/.exec(header(invite, 'CSeq') ?? '')?.[1]);
    expect(inviteCSeq).toBeGreaterThan(0);
    // RFC 3262 §7.2: RSeq of the 180, then CSeq number and method of the INVITE.
    expect(header(prack, 'RAck')).toBe(`4711 ${inviteCSeq} INVITE`);
    // The PRACK belongs to the early dialog (RFC 3262 §4): same Call-ID and From, the 180's To tag, next CSeq.
    expect(header(prack, 'Call-ID')).toBe(header(invite, 'Call-ID'));
    expect(header(prack, 'From')).toBe(header(invite, 'From'));
    expect(header(prack, 'To')).toMatch(/;tag=\d+SIPpTag01/);
    expect(header(prack, 'CSeq')).toBe(`${inviteCSeq + 1} PRACK`);
  });

  /** The app answers with a reliable 183 and sends its 200 only once the caller's PRACK is answered. */
  function answerAfterPrack(): { prack: Promise<Srf.SrfRequest>; dialog: Promise<Srf.Dialog>; ended: Promise<void> } {
    const prack = deferred<Srf.SrfRequest>();
    const dialog = deferred<Srf.Dialog>();
    const ended = deferred();
    onInvite = (req, res) => {
      onPrack = (prackReq, prackRes) => {
        prack.resolve(prackReq);
        send(prackRes, 200, {}, (err) => {
          if (err) return dialog.reject(err);
          rig.srf.createUAS(req, res, { localSdp: APP_SDP }).then((d) => {
            d.on('destroy', () => ended.resolve());
            dialog.resolve(d);
          }, dialog.reject);
        });
      };
      send(res, 183, { headers: { Require: '100rel' }, body: APP_SDP }, (err) => {
        if (err) dialog.reject(err);
      });
    };
    return { prack: prack.promise, dialog: dialog.promise, ended: ended.promise };
  }

  it('the app as callee sends a reliable 183 with RSeq; the caller PRACKs it and then gets the 200', async () => {
    const app = answerAfterPrack();

    const caller = await rig.call('x-uac-prack-183');

    expect(caller.successful, describeRun(caller)).toBe(1);
    expect(steps(caller).filter((s) => s !== '< 100')).toEqual(['> INVITE', '< 183', '> PRACK', '< 200', '< 200', '> ACK', '> BYE', '< 200']);
    const progress = received(caller, 'SIP/2.0 183');
    expect(header(progress, 'Require')).toBe('100rel');
    expect(Number(header(progress, 'RSeq'))).toBeGreaterThan(0);
    expect(header(progress, 'Contact')).toMatch(new RegExp(`<sip:[^>]*127\\.0\\.0\\.1:${rig.sipPort}`));
    expect(progress).toContain('o=contactsuite');
    const responses = tracedMessages(caller).filter((m) => m.direction === 'received' && m.text.startsWith('SIP/2.0 200'));
    expect(responses.map((m) => header(m.text, 'CSeq'))).toEqual(['2 PRACK', '1 INVITE', '3 BYE']);

    const prack = await within(app.prack, 1000, 'PRACK at the app');
    expect(prack.get('RAck')).toBe(`${header(progress, 'RSeq')} 1 INVITE`);
    await within(app.dialog, 1000, 'createUAS');
    await within(app.ended, 2000, "Dialog 'destroy' after the caller's BYE");
  });

  it('resends the reliable 183 until the caller PRACKs it', async () => {
    const app = answerAfterPrack();

    const caller = await rig.call('x-uac-prack-183-retrans', { extra: ['-nr'] });

    expect(caller.successful, describeRun(caller)).toBe(1);
    const messages = tracedMessages(caller);
    const prackAt = messages.findIndex((m) => m.direction === 'sent' && m.text.startsWith('PRACK '));
    const progress = messages.slice(0, prackAt).filter((m) => m.direction === 'received' && m.text.startsWith('SIP/2.0 183'));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    // A retransmission, not a new provisional response: same RSeq (RFC 3262 §3).
    expect(new Set(progress.map((m) => header(m.text, 'RSeq'))).size).toBe(1);
    await within(app.prack, 1000, 'PRACK at the app');
    await within(app.dialog, 1000, 'createUAS');
    await within(app.ended, 2000, "Dialog 'destroy' after the caller's BYE");
  });
});
