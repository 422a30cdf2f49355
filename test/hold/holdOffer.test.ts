import { describe, expect, it } from 'vitest';
import { isHoldOffer } from '../../src/calls/hold.js';

const offer = (lines: { c?: string; mediaC?: string; session?: string; media?: string; port?: number }): string =>
  [
    'v=0',
    'o=phone 1 2 IN IP4 127.0.0.1',
    's=-',
    `c=IN IP4 ${lines.c ?? '127.0.0.1'}`,
    't=0 0',
    ...(lines.session ? [`a=${lines.session}`] : []),
    `m=audio ${lines.port ?? 4000} RTP/AVP 8`,
    ...(lines.mediaC ? [`c=IN IP4 ${lines.mediaC}`] : []),
    'a=rtpmap:8 PCMA/8000',
    ...(lines.media ? [`a=${lines.media}`] : []),
    '',
  ].join('\r\n');

describe('reading hold from an SDP offer (RFC 3264 §5.1, §8.4)', () => {
  const cases: [string, string, boolean][] = [
    ['sendrecv (talking)', offer({ media: 'sendrecv' }), false],
    ['no direction at all (sendrecv by default)', offer({}), false],
    ['sendonly on the audio line', offer({ media: 'sendonly' }), true],
    ['inactive on the audio line', offer({ media: 'inactive' }), true],
    ['recvonly (the far end only listens: not hold by it)', offer({ media: 'recvonly' }), false],
    ['sendonly at session level', offer({ session: 'sendonly' }), true],
    ['the media line overrides the session level', offer({ session: 'sendonly', media: 'sendrecv' }), false],
    ['c=0.0.0.0 at session level (RFC 2543 style)', offer({ c: '0.0.0.0' }), true],
    ['c=0.0.0.0 on the audio line', offer({ mediaC: '0.0.0.0' }), true],
    ['a rejected audio line (port 0) is no hold', offer({ media: 'sendonly', port: 0 }), false],
    ['not SDP at all', 'hello', false],
  ];
  for (const [name, sdp, held] of cases) {
    it(`${name}: ${held ? 'hold' : 'no hold'}`, () => expect(isHoldOffer(sdp)).toBe(held));
  }
});
