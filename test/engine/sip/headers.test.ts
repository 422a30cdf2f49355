import { describe, expect, it } from 'vitest';
import {
  formatNameAddr,
  formatVia,
  getParam,
  parseContactList,
  parseCSeq,
  parseNameAddr,
  parseVia,
  setParam,
  type NameAddr,
  type Via,
} from '../../../src/engine/sip/headers.js';

describe('parseVia', () => {
  const cases: [string, Via][] = [
    ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport', { protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.1', port: 5060, params: { branch: 'z9hG4bK1', rport: null } }],
    ['SIP/2.0/tcp host.example.com', { protocol: 'SIP/2.0', transport: 'TCP', host: 'host.example.com', params: {} }],
    // RFC 4475 §3.1.1.1: LWS around '/', ':', ';' and '='.
    ['SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw', { protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.2', params: { branch: '390skdjuw' } }],
    ['SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8', { protocol: 'SIP/2.0', transport: 'TCP', host: 'spindle.example.com', params: { branch: 'z9hG4bK9ikj8' } }],
    ['SIP/2.0/UDP host : 5070 ;Received=192.0.2.9', { protocol: 'SIP/2.0', transport: 'UDP', host: 'host', port: 5070, params: { received: '192.0.2.9' } }],
    ['SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;received=[2001:db8::9]', { protocol: 'SIP/2.0', transport: 'UDP', host: '[2001:db8::1]', port: 5060, params: { branch: 'z9hG4bK1', received: '[2001:db8::9]' } }],
    ['SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en', { protocol: 'SIP/2.0', transport: 'UNKNOWN', host: 't4.example.com', params: { branch: 'z9hG4bKasd0f3en' } }],
    ['SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw', { protocol: 'SIP/7.0', transport: 'UDP', host: 'c.example.com', params: { branch: 'z9hG4bKkdjuw' } }],
    ['SIP/2.0/UDP h;x="a quoted, value"', { protocol: 'SIP/2.0', transport: 'UDP', host: 'h', params: { x: '"a quoted, value"' } }],
  ];
  it.each(cases)('%s', (s, via) => {
    expect(parseVia(s)).toEqual(via);
  });

  it.each([
    '',
    'SIP/2.0/UDP',
    'SIP/2.0/UDP ',
    'SIP/2.0 192.0.2.1',
    'SIP/2.0/UDP192.0.2.1',
    'SIP/2.0/UDP 192.0.2.15;;',
    ';',
    'SIP/2.0/UDP 192.0.2.1:',
    'SIP/2.0/UDP 192.0.2.1:70000',
    'SIP/2.0/UDP 192.0.2.1;branch=',
    'SIP/2.0/UDP 192.0.2.1 junk',
    'SIP/2.0/UDP [2001:db8::1;branch=x',
  ])('rejects %j', (s) => {
    expect(parseVia(s)).toBeNull();
  });

  it('formatVia writes what parseVia reads', () => {
    const s = 'SIP/2.0/TCP [::1]:5060;branch=z9hG4bKx;rport=5060;received=127.0.0.1';
    expect(formatVia(parseVia(s)!)).toBe(s);
    expect(parseVia(formatVia(parseVia('SIP / 2.0 / UDP h ; lr')!))).toEqual(parseVia('SIP/2.0/UDP h;lr'));
  });
});

describe('parseNameAddr', () => {
  const cases: [string, NameAddr][] = [
    ['<sip:a@example.com>;tag=1', { uri: 'sip:a@example.com', params: { tag: '1' } }],
    ['"Alice" <sip:a@example.com>', { displayName: 'Alice', uri: 'sip:a@example.com', params: {} }],
    ['"" <sip:a@example.com>', { displayName: '', uri: 'sip:a@example.com', params: {} }],
    ['Alice Smith <sip:a@example.com>', { displayName: 'Alice Smith', uri: 'sip:a@example.com', params: {} }],
    // RFC 4475 §3.1.1.6: no LWS before '<'.
    ['caller<sip:caller@example.com>;tag=323', { displayName: 'caller', uri: 'sip:caller@example.com', params: { tag: '323' } }],
    ['"J Rosenberg \\\\\\"" <sip:jdrosen@example.com> ; tag = 98asjd8', { displayName: 'J Rosenberg \\"', uri: 'sip:jdrosen@example.com', params: { tag: '98asjd8' } }],
    // RFC 3261 §20.10: without <>, ';' params belong to the header, not the URI.
    ['sip:+19725552222@gw1.example.net;unknownparam', { uri: 'sip:+19725552222@gw1.example.net', params: { unknownparam: null } }],
    ['<sip:+19725552222@gw1.example.net;unknownparam>', { uri: 'sip:+19725552222@gw1.example.net;unknownparam', params: {} }],
    ['sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n', { uri: 'sip:vivekg@chair-dnrc.example.com', params: { tag: '1918181833n' } }],
    ['<sip:user@example.com?Route=%3Csip:sip.example.com%3E>', { uri: 'sip:user@example.com?Route=%3Csip:sip.example.com%3E', params: {} }],
    ['isbn:2983792873', { uri: 'isbn:2983792873', params: {} }],
    ['<http://www.example.com>;tag=3234233', { uri: 'http://www.example.com', params: { tag: '3234233' } }],
    ['<sip:a@[2001:db8::1]:5060>;expires=60;q=0.5', { uri: 'sip:a@[2001:db8::1]:5060', params: { expires: '60', q: '0.5' } }],
    ['"Jörg" <sip:j@example.de>', { displayName: 'Jörg', uri: 'sip:j@example.de', params: {} }],
  ];
  it.each(cases)('%s', (s, na) => {
    expect(parseNameAddr(s)).toEqual(na);
  });

  it.each([
    '',
    '"Mr. J. User <sip:j.user@example.com>', // RFC 4475 §3.1.2.6 unbalanced quote
    'Bell, Alexander <sip:a.g.bell@example.com>;tag=43', // §3.1.2.15 non-token display name
    '"Watson, Thomas" < sip:t.watson@example.org >', // §3.1.2.14 spaces inside the addr-spec
    'sip:user@example.com?Route=%3Csip:sip.example.com%3E', // §3.1.2.13 needs <>
    '<sip:a@example.com',
    '<>',
    '<nocolon>',
    '<sip:a@example.com>;',
    '<sip:a@example.com>;tag=1 junk',
    '"Alice" sip:a@example.com',
    '<sip:a@example.com>;tag="unterminated',
  ])('rejects %j', (s) => {
    expect(parseNameAddr(s)).toBeNull();
  });

  it('formatNameAddr always writes <uri> and quotes the display name', () => {
    expect(formatNameAddr({ uri: 'sip:a@b', params: { tag: 'x', lr: null } })).toBe('<sip:a@b>;tag=x;lr');
    const s = formatNameAddr({ displayName: 'A "quoted" \\ name', uri: 'sip:a@b', params: {} });
    expect(s).toBe('"A \\"quoted\\" \\\\ name" <sip:a@b>');
    expect(parseNameAddr(s)?.displayName).toBe('A "quoted" \\ name');
  });
});

describe('parseContactList', () => {
  it('reads *, and a list split at commas outside quotes', () => {
    expect(parseContactList(['*'])).toBe('*');
    const list = parseContactList(['"Smith, J" <sip:j@a>;q=0.1, sip:k@b;expires=5', '<sip:l@c>']);
    expect(list).toEqual([
      { displayName: 'Smith, J', uri: 'sip:j@a', params: { q: '0.1' } },
      { uri: 'sip:k@b', params: { expires: '5' } },
      { uri: 'sip:l@c', params: {} },
    ]);
    expect(parseContactList(['<sip:a@b>', 'junk here'])).toBeNull();
  });
});

describe('getParam / setParam', () => {
  it.each([
    ['<sip:a@b;tag=inuri>;tag=outside', 'tag', 'outside'],
    ['<sip:a@b;tag=inuri>', 'tag', undefined],
    ['"x;tag=no" <sip:a@b>;TAG=yes', 'tag', 'yes'],
    ['sip:a@b;tag=1', 'tag', '1'],
    ['SIP/2.0/UDP h;branch=z9hG4bK1;rport', 'rport', ''],
    ['SIP/2.0/UDP h;branch = z9hG4bK1', 'branch', 'z9hG4bK1'],
    ['SIP/2.0/UDP h;branch=z9hG4bK1', 'received', undefined],
    ['<sip:a@b>;tag=1, <sip:c@d>;expires=5', 'expires', undefined],
  ])('getParam(%j, %s) = %j', (value, name, expected) => {
    expect(getParam(value, name)).toBe(expected);
  });

  it.each([
    ['<sip:a@b>', 'tag', 'x', '<sip:a@b>;tag=x'],
    ['<sip:a@b;lr>;tag=old;q=1', 'tag', 'new', '<sip:a@b;lr>;tag=new;q=1'],
    ['sip:a@b ', 'tag', 'x', 'sip:a@b;tag=x'],
    ['SIP/2.0/UDP h;branch=z9hG4bK1;rport', 'rport', '5060', 'SIP/2.0/UDP h;branch=z9hG4bK1;rport=5060'],
    ['SIP/2.0/UDP h', 'rport', null, 'SIP/2.0/UDP h;rport'],
    ['<sip:a@b>, <sip:c@d>', 'q', '1', '<sip:a@b>;q=1, <sip:c@d>'],
  ])('setParam(%j, %s, %j) = %j', (value, name, v, expected) => {
    expect(setParam(value, name, v)).toBe(expected);
  });
});

describe('parseCSeq', () => {
  it.each([
    ['1 INVITE', { seq: 1, method: 'INVITE' }],
    ['0009 INVITE', { seq: 9, method: 'INVITE' }],
    ['  4711   BYE ', { seq: 4711, method: 'BYE' }],
    ['0 OPTIONS', { seq: 0, method: 'OPTIONS' }],
    ['2147483647 ACK', { seq: 2147483647, method: 'ACK' }],
    ["139122385 !interesting-Method0123456789_*+`.%indeed'~", { seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" }],
  ])('%j', (s, expected) => {
    expect(parseCSeq(s)).toEqual(expected);
  });

  it.each(['', 'INVITE', '1', '1INVITE', '-1 INVITE', '2147483648 INVITE', '36893488147419103232 REGISTER', '1 INVITE extra', '1 IN(VITE'])(
    'rejects %j',
    (s) => {
      expect(parseCSeq(s)).toBeNull();
    },
  );
});
