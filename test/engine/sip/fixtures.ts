/** Sample messages shared by the SIP parser tests. */

export const SDP =
  'v=0\r\no=- 123456 654321 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
  'm=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n';

/** A typical inbound INVITE with an SDP offer (about 600 bytes). */
export function invite(opts: { body?: string; extra?: string[] } = {}): Buffer {
  const body = opts.body ?? SDP;
  const head = [
    'INVITE sip:+31201234567@198.51.100.7:5060;transport=udp SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1-a8f1d2c3b4;rport',
    'Max-Forwards: 70',
    'From: "Jan Jansen" <sip:+31612345678@192.0.2.10>;tag=a1b2c3d4',
    'To: <sip:+31201234567@198.51.100.7>',
    'Call-ID: 5f8e2d1c-7a6b-4c3d-9e0f-1a2b3c4d5e6f@192.0.2.10',
    'CSeq: 1 INVITE',
    'Contact: <sip:+31612345678@192.0.2.10:5060>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK',
    'Supported: replaces, timer',
    ...(opts.extra ?? []),
    'Content-Type: application/sdp',
    'Content-Length: ' + Buffer.byteLength(body),
  ].join('\r\n');
  return Buffer.from(head + '\r\n\r\n' + body);
}

export function options(callId = 'opt-1@192.0.2.10', cseq = 1): Buffer {
  return Buffer.from(
    [
      'OPTIONS sip:engine@127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK-opt' + cseq,
      'From: <sip:probe@192.0.2.10>;tag=p1',
      'To: <sip:engine@127.0.0.1>',
      'Call-ID: ' + callId,
      'CSeq: ' + cseq + ' OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 0',
    ].join('\r\n') + '\r\n\r\n',
  );
}

export function response200(): Buffer {
  return Buffer.from(
    [
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-r1',
      'From: <sip:a@127.0.0.1>;tag=1',
      'To: <sip:b@127.0.0.1>;tag=2',
      'Call-ID: resp-1',
      'CSeq: 7 BYE',
      'Content-Length: 0',
    ].join('\r\n') + '\r\n\r\n',
  );
}

/** Header lines as a comparable list, without Content-Length (which toBuffer rewrites at the end). */
export function headersWithoutLength(headers: { name: string; value: string }[]): { name: string; value: string }[] {
  return headers
    .filter((h) => !/^(content-length|l)$/i.test(h.name))
    .map((h) => ({ name: h.name, value: h.value }));
}
