import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { deferred, describeRun, startRig, tracedMessages, within, type Rig } from './harness.js';

/** Out-of-dialog requests a phone sends, delivered to the app's srf.options / srf.register. */
describe('OPTIONS and REGISTER reaching the app', () => {
  let rig: Rig;
  let registerStatus = 200;
  let seenOptions = deferred<Srf.SrfRequest>();
  let seenRegister = deferred<Srf.SrfRequest>();

  beforeAll(async () => {
    rig = await startRig();
    // Only OPTIONS and REGISTER are routed to this app: an INVITE has nowhere to go.
    rig.srf.use('options', (req, res) => {
      seenOptions.resolve(req);
      res.send(200, { headers: { 'X-Served-By': 'contactsuite-test', Allow: 'INVITE, ACK, BYE, CANCEL, OPTIONS' } });
    });
    rig.srf.use('register', (req, res) => {
      seenRegister.resolve(req);
      if (registerStatus === 200) {
        res.send(200, { headers: { Contact: `${req.get('Contact')};expires=3600` } });
      } else {
        res.send(registerStatus);
      }
    });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  function finalResponseText(result: Awaited<ReturnType<Rig['call']>>): string {
    return tracedMessages(result).find((m) => m.direction === 'received' && /^SIP\/2\.0 [2-6]/.test(m.text))?.text ?? '';
  }

  it('delivers an OPTIONS with its Contact, source address and transport, and returns the app’s 200', async () => {
    seenOptions = deferred();
    const port = await freePort();

    const phone = await rig.call('uac-options', { localPort: port });

    expect(phone.successful, describeRun(phone)).toBe(1);
    const req = await within(seenOptions.promise, 1000, 'OPTIONS at the app');
    expect(req.method).toBe('OPTIONS');
    expect(req.get('Contact')).toContain(`sip:sipp@127.0.0.1:${port}`);
    expect(req.source_address).toBe('127.0.0.1');
    expect(Number(req.source_port)).toBe(port);
    expect(req.protocol.toLowerCase()).toBe('udp');
    expect(finalResponseText(phone)).toContain('X-Served-By: contactsuite-test');
  });

  it('delivers an OPTIONS over TCP', async () => {
    seenOptions = deferred();

    const phone = await rig.call('uac-options', { transport: 't1' });

    expect(phone.successful, describeRun(phone)).toBe(1);
    const req = await within(seenOptions.promise, 1000, 'OPTIONS at the app');
    expect(req.protocol.toLowerCase()).toBe('tcp');
  });

  it('delivers a REGISTER and returns the app’s 200 with the binding', async () => {
    seenRegister = deferred();
    registerStatus = 200;

    const phone = await rig.call('uac-register', { extra: ['-s', 'alice'], vars: { expected: '200' } });

    expect(phone.successful, describeRun(phone)).toBe(1);
    const req = await within(seenRegister.promise, 1000, 'REGISTER at the app');
    expect(req.get('To')).toContain('sip:alice@');
    expect(req.get('Contact')).toContain('sip:alice@127.0.0.1:');
    expect(req.get('Expires')).toBe('3600');
    expect(finalResponseText(phone)).toMatch(/Contact: .*sip:alice@127\.0\.0\.1:\d+.*expires=3600/);
  });

  it('returns the app’s refusal of a REGISTER to the phone', async () => {
    seenRegister = deferred();
    registerStatus = 403;

    const phone = await rig.call('uac-register', { extra: ['-s', 'mallory'], vars: { expected: '403' } });

    expect(phone.successful, describeRun(phone)).toBe(1);
    expect(finalResponseText(phone)).toMatch(/^SIP\/2\.0 403/);
  });

  it('answers 503 with a Retry-After to an INVITE when no app takes INVITEs', async () => {
    const phone = await rig.call('uac-expect-503');

    expect(phone.successful, describeRun(phone)).toBe(1);
    expect(finalResponseText(phone)).toMatch(/^SIP\/2\.0 503/);
    expect(finalResponseText(phone)).toMatch(/\r?\nRetry-After: 5\r?\n/);
  });
});
