import { describe, expect, it } from 'vitest';
import { formatUri, parseUri, uriHostPort, type SipUri } from '../../../src/engine/sip/uri.js';

describe('parseUri', () => {
  const cases: [string, Partial<SipUri>][] = [
    ['sip:alice@example.com', { scheme: 'sip', user: 'alice', host: 'example.com', params: {}, headers: {} }],
    ['SIP:alice@Example.COM:5070', { scheme: 'sip', user: 'alice', host: 'Example.COM', port: 5070 }],
    ['sips:bob:secret@192.0.2.4;transport=tcp', { scheme: 'sips', user: 'bob', password: 'secret', host: '192.0.2.4', params: { transport: 'tcp' } }],
    ['sip:example.com;lr;Maddr=192.0.2.1', { host: 'example.com', params: { lr: null, maddr: '192.0.2.1' } }],
    ['sip:[2001:db8::1]:5060', { host: '[2001:db8::1]', port: 5060 }],
    ['sip:alice@[::1];transport=udp', { user: 'alice', host: '[::1]', params: { transport: 'udp' } }],
    ['sip:+31201234567@gw.example.nl;user=phone', { user: '+31201234567', params: { user: 'phone' } }],
    // RFC 4475 §3.1.1.9: the user part may carry ';' and escaped '@'.
    ['sip:user;par=u%40example.net@example.com', { user: 'user;par=u%40example.net', host: 'example.com', params: {} }],
    ['sip:user@example.com?Route=%3Csip:example.com%3E&Subject=hi', { headers: { Route: '%3Csip:example.com%3E', Subject: 'hi' } }],
    ['sip:%00@host5.example.com', { user: '%00', host: 'host5.example.com' }],
    ['tel:+31-20-1234567;phone-context=+31', { scheme: 'tel', user: '+31-20-1234567', host: '', params: { 'phone-context': '+31' } }],
    ['nobodyKnowsThisScheme:totallyopaquecontent', { scheme: 'nobodyknowsthisscheme', user: 'totallyopaquecontent', host: '' }],
    ['soap.beep://192.0.2.103:3002', { scheme: 'soap.beep', user: '//192.0.2.103:3002' }],
  ];
  it.each(cases)('%s', (s, expected) => {
    expect(parseUri(s)).toMatchObject(expected);
  });

  it.each([
    '',
    'alice@example.com', // no scheme
    'sip:', // nothing after the scheme
    'sip:alice@', // empty host
    'sip:@example.com', // empty user
    'sip:alice@example.com:', // empty port
    'sip:alice@example.com:65536',
    'sip:alice@example.com:50a',
    'sip:alice@exa mple.com', // whitespace
    ' sip:alice@example.com',
    'sip:alice@example.com\t',
    '<sip:alice@example.com>',
    'sip:alice@ex"ample.com',
    'sip:alice@[2001:db8::zz]',
    'sip:alice@example.com;;lr', // empty param name
    'sip:alice@example.com?noequals',
    '1sip:alice@example.com', // scheme must start with a letter
    'sip:alicé@example.com', // non-ASCII must be escaped
    'tel:',
  ])('rejects %j', (s) => {
    expect(parseUri(s)).toBeNull();
  });

  it.each([
    'sip:alice@example.com',
    'sips:bob:secret@192.0.2.4:5061;transport=tcp;lr',
    'sip:[2001:db8::1]:5060;maddr=[2001:db8::2]',
    'sip:user@example.com?Route=%3Csip:example.com%3E&Subject=hi',
    'tel:+31201234567;phone-context=example.nl',
    'urn:service:sos',
  ])('formatUri(parseUri(%s)) gives it back', (s) => {
    expect(formatUri(parseUri(s)!)).toBe(s);
  });

  it('leaves user and password out when the URI has no userinfo', () => {
    const u = parseUri('sip:example.com;lr')!;
    expect('user' in u).toBe(false);
    expect('password' in u).toBe(false);
  });

  it('lower-cases the scheme and parameter names, not their values', () => {
    const u = parseUri('SIPS:a@b;Transport=TCP')!;
    expect(u.scheme).toBe('sips');
    expect(u.params).toEqual({ transport: 'TCP' });
    expect(formatUri(u)).toBe('sips:a@b;transport=TCP');
  });

  it('uriHostPort keeps IPv6 brackets and leaves the port out when absent', () => {
    expect(uriHostPort(parseUri('sip:a@[::1]:5080')!)).toEqual({ host: '[::1]', port: 5080 });
    expect(uriHostPort(parseUri('sip:a@example.com')!)).toEqual({ host: 'example.com' });
  });
});
