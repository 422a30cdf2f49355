import { describe, expect, it } from 'vitest';
import { acceptsSdp, checkRequest, checkResponse } from '../../../src/engine/sip/validate.js';
import { makeResponse, reasonPhrase } from '../../../src/engine/sip/response.js';
import { parseMessage } from '../../../src/engine/sip/parser.js';
import { SipMessage } from '../../../src/engine/sip/message.js';
import { getParam } from '../../../src/engine/sip/headers.js';
import { invite, options, response200 } from './fixtures.js';

function msgOf(buf: Buffer): SipMessage {
  const r = parseMessage(buf);
  if (!r.ok) throw new Error(r.reason);
  return r.msg;
}

function request(method: string, extra: string[] = [], body = '', uri = 'sip:a@127.0.0.1'): SipMessage {
  const m = SipMessage.request(method, uri);
  m.add('Via', 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1')
    .add('From', '<sip:b@127.0.0.1>;tag=1')
    .add('To', '<sip:a@127.0.0.1>')
    .add('Call-ID', 'v1')
    .add('CSeq', '1 ' + method);
  for (const e of extra) {
    const i = e.indexOf(':');
    m.add(e.slice(0, i), e.slice(i + 1).trim());
  }
  m.body = Buffer.from(body);
  return m;
}

describe('checkRequest', () => {
  it('lets a normal INVITE and OPTIONS through', () => {
    expect(checkRequest(msgOf(invite()))).toBeNull();
    expect(checkRequest(msgOf(options()))).toBeNull();
  });

  it('answers another SIP version with 505', () => {
    const m = request('OPTIONS');
    m.version = 'SIP/3.0';
    expect(checkRequest(m)).toEqual({ status: 505, reason: 'Version Not Supported' });
    m.version = 'sip/2.0';
    expect(checkRequest(m)).toBeNull();
  });

  it.each([
    ['sip:a@b', null],
    ['SIPS:a@b', null],
    ['tel:+31201234567', null],
    ['mailto:a@b', 416],
    ['urn:service:sos', 416],
  ])('Request-URI %s → %s', (uri, status) => {
    expect(checkRequest(request('OPTIONS', [], '', uri))?.status ?? null).toBe(status);
  });

  it('answers unknown Require tags with 420 listing them in Unsupported', () => {
    const r = checkRequest(request('INVITE', ['Require: 100rel, foo', 'Require: Timer, bar, foo']));
    expect(r).toEqual({ status: 420, reason: 'Bad Extension', headers: [{ name: 'Unsupported', value: 'foo, bar' }] });
    expect(checkRequest(request('INVITE', ['Require: 100rel, timer, replaces']))).toBeNull();
  });

  it('ignores Require on ACK and CANCEL, and Proxy-Require everywhere (§8.2.2.3)', () => {
    expect(checkRequest(request('ACK', ['Require: foo']))).toBeNull();
    expect(checkRequest(request('CANCEL', ['Require: foo']))).toBeNull();
    expect(checkRequest(request('OPTIONS', ['Proxy-Require: foo']))).toBeNull();
  });

  it.each([
    ['INVITE', 'application/sdp', null],
    ['INVITE', 'Application/SDP; charset=utf-8', null],
    ['INVITE', 'multipart/mixed;boundary=x', null],
    ['INVITE', 'text/plain', 415],
    ['UPDATE', 'application/xml', 415],
    ['PRACK', 'application/unknownformat', 415],
    ['ACK', 'application/unknownformat', 415],
    ['MESSAGE', 'text/plain', null],
    ['INFO', 'application/dtmf-relay', null],
  ])('%s with a %s body → %s', (method, ct, status) => {
    const r = checkRequest(request(method, ['Content-Type: ' + ct], 'x=1'));
    expect(r?.status ?? null).toBe(status);
    if (status === 415) expect(r?.headers?.[0].name).toBe('Accept');
  });

  it('answers a body without Content-Type on an INVITE with 415, and ignores an empty body', () => {
    expect(checkRequest(request('INVITE', [], 'v=0'))?.status).toBe(415);
    expect(checkRequest(request('INVITE', ['Content-Type: text/plain'], ''))).toBeNull();
  });

  it.each([
    ['application/sdp', true],
    ['text/plain, APPLICATION/SDP;level=1', true],
    ['application/*', true],
    ['*/*', true],
    ['text/nobodyKnowsThis', false],
    ['', false],
    ['application/sdp;q=0', false],
    ['application/sdp;q=0, */*', false],
    ['*/*;q=0.5, application/sdp;q=0', false],
    ['application/sdpx', false],
  ])('Accept %j admits SDP: %s', (accept, expected) => {
    expect(acceptsSdp([accept])).toBe(expected);
  });

  it('answers an INVITE whose Accept has no room for SDP with 406', () => {
    expect(checkRequest(request('INVITE', ['Accept: text/plain']))?.status).toBe(406);
    expect(checkRequest(request('INVITE', ['Accept: text/plain', 'Accept: application/sdp']))).toBeNull();
    expect(checkRequest(request('OPTIONS', ['Accept: text/plain']))).toBeNull();
  });

  it('answers a Contact that must have been in <> with 400', () => {
    expect(checkRequest(request('REGISTER', ['Contact: sip:a@b?Route=x']))).toEqual({ status: 400, reason: 'Malformed Contact' });
    expect(checkRequest(request('REGISTER', ['Contact: *']))).toBeNull();
  });
});

describe('checkResponse', () => {
  it('accepts an ordinary response and discards a broadcast Via or another version', () => {
    const ok = msgOf(response200());
    expect(checkResponse(ok)).toBeNull();
    const bcast = ok.clone();
    bcast.add('Via', 'SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK2');
    expect(checkResponse(bcast)).toMatch(/broadcast/);
    const v3 = ok.clone();
    v3.version = 'SIP/3.0';
    expect(checkResponse(v3)).toBe('unsupported SIP version');
  });
});

describe('makeResponse', () => {
  it('copies Via (all, in order), From, To, Call-ID and CSeq, adding the To tag', () => {
    const req = request('INVITE', ['Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK0', 'Timestamp: 54', 'Subject: x']);
    const res = makeResponse(req, 180, undefined, { toTag: 'abc' });
    expect(res.status).toBe(180);
    expect(res.reason).toBe('Ringing');
    expect(res.method).toBe('INVITE');
    expect(res.headers.map((h) => h.name)).toEqual(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Via']);
    expect(res.getAll('via')).toEqual(['SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK0']);
    expect(getParam(res.get('to')!, 'tag')).toBe('abc');
    expect(res.body.length).toBe(0);
    // The serialized response parses as a response to the same transaction.
    const back = parseMessage(res.toBuffer());
    expect(back.ok && back.msg.method).toBe('INVITE');
  });

  it('keeps an existing To tag and copies Timestamp into a 100 only', () => {
    const req = request('INVITE', ['Timestamp: 54']);
    req.set('To', '<sip:a@127.0.0.1>;tag=existing');
    const trying = makeResponse(req, 100, undefined, { toTag: 'new' });
    expect(getParam(trying.get('to')!, 'tag')).toBe('existing');
    expect(trying.get('timestamp')).toBe('54');
    expect(makeResponse(req, 200).get('timestamp')).toBeUndefined();
    expect(makeResponse(req, 486, 'Bezet').reason).toBe('Bezet');
  });

  it('reasonPhrase knows the standard phrases and falls back to the class', () => {
    expect(reasonPhrase(200)).toBe('OK');
    expect(reasonPhrase(420)).toBe('Bad Extension');
    expect(reasonPhrase(481)).toBe('Call/Transaction Does Not Exist');
    expect(reasonPhrase(499)).toBe('Bad Request');
    expect(reasonPhrase(699)).toBe('Busy Everywhere');
  });
});
