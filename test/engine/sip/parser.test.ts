import { describe, expect, it } from 'vitest';
import { parseMessage, type ParseResult } from '../../../src/engine/sip/parser.js';
import { parseNameAddr, parseVia } from '../../../src/engine/sip/headers.js';
import { SipMessage } from '../../../src/engine/sip/message.js';
import { headersWithoutLength, invite, options, response200 } from './fixtures.js';

function ok(r: ParseResult): SipMessage {
  if (!r.ok) throw new Error('expected ok, got: ' + r.reason);
  return r.msg;
}

function parseText(text: string, opts?: { datagram?: boolean; maxSize?: number }): ParseResult {
  return parseMessage(Buffer.from(text, 'utf8'), opts);
}

const HEAD = [
  'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
  'From: <sip:a@example.com>;tag=1',
  'To: <sip:b@example.com>',
  'Call-ID: c1',
  'CSeq: 1 OPTIONS',
];

function request(lines: string[], body = '', startLine = 'OPTIONS sip:b@example.com SIP/2.0'): string {
  return [startLine, ...lines].join('\r\n') + '\r\n\r\n' + body;
}

describe('parseMessage: requests', () => {
  it('reads a typical INVITE: start line, headers in order, SDP body', () => {
    const buf = invite();
    const r = parseMessage(buf);
    const msg = ok(r);
    expect(msg.isRequest).toBe(true);
    expect(msg.method).toBe('INVITE');
    expect(msg.uri).toBe('sip:+31201234567@198.51.100.7:5060;transport=udp');
    expect(msg.version).toBe('SIP/2.0');
    expect(msg.headers[0]).toEqual({ name: 'Via', value: 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1-a8f1d2c3b4;rport' });
    expect(msg.get('call-id')).toBe('5f8e2d1c-7a6b-4c3d-9e0f-1a2b3c4d5e6f@192.0.2.10');
    expect(msg.body.toString()).toMatch(/^v=0\r\n/);
    expect(r.ok && r.consumed).toBe(buf.length);
  });

  it('joins folded header lines with one space and trims values', () => {
    const msg = ok(
      parseText(
        request([
          ...HEAD,
          'Subject:   first part  ',
          '  second part',
          '\tthird part',
        ]),
      ),
    );
    expect(msg.get('Subject')).toBe('first part second part third part');
  });

  it('accepts a folded start of value (name on one line, value on the next)', () => {
    const msg = ok(parseText(request(['Via:', ' SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', ...HEAD.slice(1)])));
    expect(msg.get('via')).toBe('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1');
  });

  it('maps compact forms and names in any case to the same header', () => {
    const msg = ok(
      parseText(
        request([
          'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
          'f: <sip:a@example.com>;tag=1',
          't: <sip:b@example.com>',
          'i: c1',
          'cSeQ: 1 OPTIONS',
          'VIA: SIP/2.0/TCP 192.0.2.2;branch=z9hG4bK2',
          'l: 0',
        ]),
      ),
    );
    expect(msg.get('Call-ID')).toBe('c1');
    expect(msg.get('FROM')).toBe('<sip:a@example.com>;tag=1');
    expect(msg.getAll('Via')).toHaveLength(2);
    expect(msg.get('content-length')).toBe('0');
  });

  it('allows whitespace between a header name and the colon', () => {
    const msg = ok(parseText(request([...HEAD, 'Subject   : hi'])));
    expect(msg.get('subject')).toBe('hi');
    expect(msg.headers[msg.headers.length - 1].name).toBe('Subject');
  });

  it('splits comma-separated multi-values with getAll, but not commas inside quotes or <>', () => {
    const msg = ok(
      parseText(
        request([
          'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1, SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2',
          'Via: SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK3',
          ...HEAD.slice(1),
          'Contact: "Smith, John" <sip:j@example.com;a=1,2>, <sip:k@example.com>',
        ]),
      ),
    );
    const vias = msg.getAll('via');
    expect(vias).toHaveLength(3);
    expect(parseVia(vias[2])).toMatchObject({ host: '[2001:db8::1]', port: 5070, transport: 'UDP' });
    const contacts = msg.getAll('contact');
    expect(contacts).toHaveLength(2);
    expect(parseNameAddr(contacts[0])).toMatchObject({ displayName: 'Smith, John', uri: 'sip:j@example.com;a=1,2' });
  });

  it('keeps quoted display names with escapes intact', () => {
    const msg = ok(parseText(request(['From: "J \\"Jr\\" Rosenberg \\\\" <sip:a@example.com>;tag=1', ...HEAD.filter((h) => !h.startsWith('From'))])));
    expect(parseNameAddr(msg.get('from')!)).toMatchObject({ displayName: 'J "Jr" Rosenberg \\', params: { tag: '1' } });
  });

  it('reads IPv6 references in the Request-URI and Via', () => {
    const msg = ok(
      parseText(
        request(
          ['Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;received=[2001:db8::9]', ...HEAD.slice(1)],
          '',
          'OPTIONS sip:alice@[2001:db8::2]:5080;transport=udp SIP/2.0',
        ),
      ),
    );
    expect(msg.uri).toBe('sip:alice@[2001:db8::2]:5080;transport=udp');
    expect(parseVia(msg.get('via')!)).toEqual({
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '[2001:db8::1]',
      port: 5060,
      params: { branch: 'z9hG4bK1', received: '[2001:db8::9]' },
    });
  });

  it('decodes UTF-8 in display names and keeps a UTF-8 body byte-exact', () => {
    const body = 'Grüße, één café ☎\r\n';
    const text = request(
      ['Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', 'From: "Jörg Müller" <sip:a@example.com>;tag=1', ...HEAD.slice(2), 'Content-Type: text/plain', 'Content-Length: ' + Buffer.byteLength(body)],
      body,
      'MESSAGE sip:b@example.com SIP/2.0',
    ).replace('CSeq: 1 OPTIONS', 'CSeq: 1 MESSAGE');
    const msg = ok(parseText(text));
    expect(parseNameAddr(msg.get('from')!)?.displayName).toBe('Jörg Müller');
    expect(msg.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(msg.body.length).toBe(Buffer.byteLength(body));
  });

  it('tolerates CRLFs before the start line and bare LF line ends', () => {
    expect(ok(parseText('\r\n\r\n' + request(HEAD))).method).toBe('OPTIONS');
    const lf = request(HEAD).replace(/\r\n/g, '\n');
    expect(ok(parseText(lf)).get('cseq')).toBe('1 OPTIONS');
  });

  it('over a datagram ignores bytes beyond Content-Length and takes the rest without one', () => {
    const r = parseText(request([...HEAD, 'Content-Length: 3'], 'abcJUNK'));
    expect(ok(r).body.toString()).toBe('abc');
    expect(r.ok && r.consumed).toBe(Buffer.byteLength(request([...HEAD, 'Content-Length: 3'], 'abc')));
    expect(ok(parseText(request(HEAD, 'whole rest'))).body.toString()).toBe('whole rest');
  });

  it('on a stream requires Content-Length', () => {
    const r = parseText(request(HEAD, ''), { datagram: false });
    expect(r).toMatchObject({ ok: false, reason: 'missing Content-Length' });
    expect(!r.ok && r.msg).toBeInstanceOf(SipMessage);
  });

  it.each([
    ['Content-Length: 50', 'Content-Length larger than the message'],
    ['Content-Length: -1', 'malformed Content-Length'],
    ['Content-Length: ten', 'malformed Content-Length'],
    ['Content-Length: 1, 1', 'malformed Content-Length'],
  ])('rejects %s with a message to answer', (line, reason) => {
    const r = parseText(request([...HEAD, line], 'x'));
    expect(r).toMatchObject({ ok: false, reason });
    expect(!r.ok && r.msg?.get('call-id')).toBe('c1');
  });

  it('rejects a second Content-Length line', () => {
    expect(parseText(request([...HEAD, 'Content-Length: 1', 'l: 1'], 'x'))).toMatchObject({ ok: false, reason: 'multiple Content-Length values' });
  });

  it.each([
    ['missing Via', HEAD.slice(1), 'missing Via'],
    ['malformed Via', ['Via: SIP/2.0/UDP', ...HEAD.slice(1)], 'malformed Via'],
    ['empty Via element', ['Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1,,', ...HEAD.slice(1)], 'malformed Via'],
    ['missing From', HEAD.filter((h) => !h.startsWith('From')), 'missing From'],
    ['two To lines', [...HEAD, 'To: <sip:c@example.com>'], 'multiple To values'],
    ['two Call-IDs', [...HEAD, 'i: c2'], 'multiple Call-ID values'],
    ['Call-ID with a space', [...HEAD.slice(0, 3), 'Call-ID: c 1', HEAD[4]], 'malformed Call-ID'],
    ['CSeq without method', [...HEAD.slice(0, 4), 'CSeq: 1'], 'malformed CSeq'],
    ['CSeq of 2**31', [...HEAD.slice(0, 4), 'CSeq: 2147483648 OPTIONS'], 'malformed CSeq'],
    ['CSeq method mismatch', [...HEAD.slice(0, 4), 'CSeq: 1 INVITE'], 'CSeq method does not match the request method'],
    ['two Max-Forwards', [...HEAD, 'Max-Forwards: 70', 'Max-Forwards: 69'], 'multiple Max-Forwards values'],
    ['two Content-Types', [...HEAD, 'Content-Type: a/b', 'c: a/c'], 'multiple Content-Type values'],
    ['unbalanced quote in To', [...HEAD.slice(0, 2), 'To: "Bob <sip:b@example.com>', ...HEAD.slice(3)], 'malformed To'],
    ['non-token display name', [HEAD[0], 'From: Bell, Alexander <sip:a@example.com>;tag=1', ...HEAD.slice(2)], 'malformed From'],
    ['header line without colon', [...HEAD, 'NoColonHere'], 'header line without a colon'],
    ['space in a header name', [...HEAD, 'Bad Name: x'], 'malformed header name'],
  ])('%s → ok:false with the message and a reason', (_label, lines, reason) => {
    const r = parseText(request(lines as string[]));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(reason);
    expect(r.msg).toBeInstanceOf(SipMessage);
  });

  it.each([
    ['INVITE  sip:b@example.com SIP/2.0', 'extra whitespace in the Request-Line'],
    ['INVITE sip:b@example.com SIP/2.0 ', 'extra whitespace in the Request-Line'],
    ['INVITE sip:b@example.com; lr SIP/2.0', 'Request-URI contains whitespace'],
    ['INVITE <sip:b@example.com> SIP/2.0', 'Request-URI enclosed in <>'],
    ['INVITE sip:b@example.com?Subject=x SIP/2.0', 'Request-URI carries escaped headers'],
    ['INVITE sip:b@exa mple.com SIP/2.0', 'Request-URI contains whitespace'],
    ['INVITE sip:b@:99999 SIP/2.0', 'malformed Request-URI'],
  ])('Request-Line %j → 400 material: %s', (line, reason) => {
    const r = parseText(request([...HEAD.slice(0, 4), 'CSeq: 1 INVITE'], '', line));
    expect(r).toMatchObject({ ok: false, reason });
    expect(!r.ok && r.msg?.method).toBe('INVITE');
  });

  it.each([
    ['garbage', 'hello world'],
    ['no version', 'INVITE sip:b@example.com'],
    ['bad method token', 'INV(ITE sip:b@example.com SIP/2.0'],
  ])('an unreadable start line (%s) gives no message', (_l, line) => {
    const r = parseText(request(HEAD, '', line));
    expect(r).toEqual({ ok: false, reason: 'malformed start line' });
  });

  it('needs the empty line that ends the head', () => {
    expect(parseText('OPTIONS sip:b@example.com SIP/2.0\r\nVia: x\r\n')).toEqual({ ok: false, reason: 'no empty line after the headers' });
    expect(parseText('\r\n\r\n')).toEqual({ ok: false, reason: 'empty message' });
  });

  it('refuses a message over maxSize', () => {
    expect(parseMessage(invite(), { maxSize: 100 })).toEqual({ ok: false, reason: 'message too large' });
    expect(ok(parseMessage(invite(), { maxSize: invite().length })).method).toBe('INVITE');
  });
});

describe('parseMessage: responses', () => {
  it('reads a response and takes its method from CSeq', () => {
    const msg = ok(parseMessage(response200()));
    expect(msg.isRequest).toBe(false);
    expect(msg.status).toBe(200);
    expect(msg.reason).toBe('OK');
    expect(msg.method).toBe('BYE');
  });

  it('accepts an empty reason phrase, with or without the SP', () => {
    const text = response200().toString().replace('SIP/2.0 200 OK', 'SIP/2.0 180 ');
    const msg = ok(parseText(text));
    expect(msg.status).toBe(180);
    expect(msg.reason).toBe('');
    expect(ok(parseText(text.replace('SIP/2.0 180 ', 'SIP/2.0 180'))).reason).toBe('');
  });

  it('keeps a reason phrase with spaces and UTF-8', () => {
    const text = response200().toString().replace('SIP/2.0 200 OK', 'SIP/2.0 486 Bezet  – probeer later');
    expect(ok(parseText(text)).reason).toBe('Bezet  – probeer later');
  });

  it.each(['SIP/2.0 99 Low', 'SIP/2.0 700 High', 'SIP/2.0 4294967301 Big', 'SIP/2.0 2x0 OK', 'SIP/2 200 OK'])(
    'rejects the status line %j without a message',
    (line) => {
      const r = parseText(response200().toString().replace('SIP/2.0 200 OK', line));
      expect(r).toEqual({ ok: false, reason: 'malformed start line' });
    },
  );
});

describe('round trip', () => {
  it.each([
    ['INVITE', invite()],
    ['OPTIONS', options()],
    ['200 OK', response200()],
  ])('%s: parse → toBuffer → parse gives the same message', (_l, buf) => {
    const a = ok(parseMessage(buf));
    const b = ok(parseMessage(a.toBuffer()));
    expect(b.startLine()).toBe(a.startLine());
    expect(headersWithoutLength(b.headers)).toEqual(headersWithoutLength(a.headers));
    expect(b.body.equals(a.body)).toBe(true);
  });

  it('a folded, compact, oddly spaced message serializes to one that parses the same', () => {
    const text =
      'OPTIONS sip:b@example.com SIP/2.0\r\n' +
      'v  :  SIP/2.0/UDP 192.0.2.1\r\n ;branch=z9hG4bK1\r\n' +
      'f: "A \\"B\\"" <sip:a@example.com>;tag=1\r\n' +
      't: sip:b@example.com\r\n' +
      'i: c1\r\nCSeq: 0001\r\n  OPTIONS\r\n\r\n';
    const a = ok(parseText(text));
    expect(a.get('via')).toBe('SIP/2.0/UDP 192.0.2.1 ;branch=z9hG4bK1');
    const b = ok(parseMessage(a.toBuffer()));
    expect(headersWithoutLength(b.headers)).toEqual(headersWithoutLength(a.headers));
  });
});
