/**
 * RFC 4475 torture messages: every .dat file in shared/conformance/rfc4475 is fed to the parser
 * (one datagram each) and, for requests, to checkRequest; the expected outcome is the one in the
 * folder's MANIFEST.md, with the "see RFC" rows decided below, each citing its section.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/engine/sip/parser.js';
import { checkRequest, checkResponse } from '../../../src/engine/sip/validate.js';
import { getParam, parseNameAddr, parseVia } from '../../../src/engine/sip/headers.js';
import { parseUri } from '../../../src/engine/sip/uri.js';
import type { SipMessage } from '../../../src/engine/sip/message.js';
import { headersWithoutLength } from './fixtures.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const candidate = path.resolve(here, '../../../../shared/conformance/rfc4475');
const DIR = existsSync(candidate) ? candidate : '/work/shared/conformance/rfc4475';

type Expect =
  /** Parses; a request passes checkRequest (the app then answers it, e.g. 405/501 for an unknown method). */
  | { kind: 'valid'; check?: (m: SipMessage) => void }
  /** Parses; checkRequest answers with this status. */
  | { kind: 'reject'; status: number; check?: (m: SipMessage) => void }
  /** The parser refuses it but returns the message, so the engine can answer 400 with the reason. */
  | { kind: 'bad-request'; reason: string }
  /** A response to drop: it does not parse, or checkResponse says why it must be discarded. */
  | { kind: 'discard'; why: string };

const CASES: Record<string, Expect> = {
  // 3.1.1 valid messages
  'wsinv.dat': {
    kind: 'valid',
    check: (m) => {
      expect(m.getAll('via')).toHaveLength(3);
      expect(parseVia(m.getAll('via')[0])).toMatchObject({ transport: 'UDP', host: '192.0.2.2', params: { branch: '390skdjuw' } });
      expect(parseNameAddr(m.get('from')!)?.displayName).toBe('J Rosenberg \\"');
      expect(m.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
      expect(m.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
      expect(m.get('subject')).toBe('');
      expect(getParam(m.get('to')!, 'tag')).toBe('1918181833n');
      expect(m.body.length).toBe(150);
    },
  },
  'intmeth.dat': {
    kind: 'valid',
    check: (m) => {
      expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
      expect(parseUri(m.uri)?.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      expect(parseNameAddr(m.get('to')!)?.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    },
  },
  'esc01.dat': { kind: 'valid', check: (m) => expect(parseUri(m.uri)?.user).toBe('sips%3Auser%40example.com') },
  'escnull.dat': { kind: 'valid', check: (m) => expect(m.getAll('contact')).toHaveLength(2) },
  // The method is RE%47IST%45R, not REGISTER; the app answers it like any unknown method.
  'esc02.dat': {
    kind: 'valid',
    check: (m) => {
      expect(m.method).toBe('RE%47IST%45R');
      expect(m.getAll('contact')).toHaveLength(2);
    },
  },
  'lwsdisp.dat': { kind: 'valid', check: (m) => expect(parseNameAddr(m.get('from')!)?.displayName).toBe('caller') },
  'longreq.dat': { kind: 'valid', check: (m) => expect(m.getAll('via')).toHaveLength(34) },
  'dblreq.dat': {
    kind: 'valid',
    check: (m) => {
      expect(m.method).toBe('REGISTER');
      expect(m.body.length).toBe(0);
    },
  },
  'semiuri.dat': { kind: 'valid', check: (m) => expect(parseUri(m.uri)?.user).toBe('user;par=u%40example.net') },
  'transports.dat': {
    kind: 'valid',
    check: (m) => expect(m.getAll('via').map((v) => parseVia(v)?.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']),
  },
  'mpart01.dat': { kind: 'valid', check: (m) => expect(m.body.length).toBe(Number(m.get('content-length'))) },
  'unreason.dat': { kind: 'valid', check: (m) => expect(m.reason).toContain('= 2**3 * 5**2 но сто') },
  'noreason.dat': { kind: 'valid', check: (m) => expect(m.reason).toBe('') },

  // 3.1.2 invalid messages
  'badinv01.dat': { kind: 'bad-request', reason: 'malformed Via' },
  // §3.1.2.2: over UDP (these are datagrams) a Content-Length beyond the datagram is answered with 400.
  'clerr.dat': { kind: 'bad-request', reason: 'Content-Length larger than the message' },
  'ncl.dat': { kind: 'bad-request', reason: 'malformed Content-Length' },
  'scalar02.dat': { kind: 'bad-request', reason: 'malformed CSeq' },
  'scalarlg.dat': { kind: 'discard', why: 'CSeq beyond 2**31-1: the response does not parse' },
  'quotbal.dat': { kind: 'bad-request', reason: 'malformed To' },
  'ltgtruri.dat': { kind: 'bad-request', reason: 'Request-URI enclosed in <>' },
  'lwsruri.dat': { kind: 'bad-request', reason: 'Request-URI contains whitespace' },
  // §3.1.2.9: "It is acceptable to reject this request as malformed"; we keep the Request-Line strict.
  'lwsstart.dat': { kind: 'bad-request', reason: 'extra whitespace in the Request-Line' },
  // §3.1.2.10: trailing SP may likewise be rejected as malformed.
  'trws.dat': { kind: 'bad-request', reason: 'extra whitespace in the Request-Line' },
  // §3.1.2.11: "acceptable ... to reject this request with a 400"; headers never belong in a Request-URI (RFC 3261 §19.1.1).
  'escruri.dat': { kind: 'bad-request', reason: 'Request-URI carries escaped headers' },
  // §3.1.2.12: reject only if the Date matters to processing; a UAS does not use Date, so process it.
  'baddate.dat': { kind: 'valid', check: (m) => expect(m.get('date')).toBe('Fri, 01 Jan 2010 16:00:00 EST') },
  // §3.1.2.13: "reasonable ... to respond with a 400"; inferring <> is not possible in general.
  'regbadct.dat': { kind: 'reject', status: 400 },
  'badaspec.dat': { kind: 'bad-request', reason: 'malformed To' },
  'baddn.dat': { kind: 'bad-request', reason: 'malformed From' },
  'badvers.dat': { kind: 'reject', status: 505 },
  'mismatch01.dat': { kind: 'bad-request', reason: 'CSeq method does not match the request method' },
  'mismatch02.dat': { kind: 'bad-request', reason: 'CSeq method does not match the request method' },
  'bigcode.dat': { kind: 'discard', why: 'status code 4294967301: the start line does not parse' },

  // 3.2.1: the branch is only the magic cookie; RFC 4475 allows falling back to RFC 2543
  // transaction matching, which the transaction layer does, so the request is processed.
  'badbranch.dat': { kind: 'valid', check: (m) => expect(getParam(m.get('via')!, 'branch')).toBe('z9hG4bK') },

  // 3.3 application-layer semantics
  'insuf.dat': { kind: 'bad-request', reason: 'missing From' },
  'unkscm.dat': { kind: 'reject', status: 416 },
  // §3.3.3: a scheme we never accept in a Request-URI (soap.beep) is treated as unknown: 416.
  'novelsc.dat': { kind: 'reject', status: 416 },
  'unksm2.dat': { kind: 'valid', check: (m) => expect(parseNameAddr(m.get('to')!)?.uri).toBe('isbn:2983792873') },
  'bext01.dat': {
    kind: 'reject',
    status: 420,
    check: (m) => expect(checkRequest(m)?.headers).toEqual([{ name: 'Unsupported', value: 'nothingSupportsThis, nothingSupportsThisEither' }]),
  },
  'invut.dat': {
    kind: 'reject',
    status: 415,
    check: (m) => expect(checkRequest(m)?.headers?.[0]).toMatchObject({ name: 'Accept' }),
  },
  // §3.3.7: an unknown Authorization scheme is answered with a challenge; that is the registrar's
  // 401, after checkRequest lets the request through.
  'regaut01.dat': { kind: 'valid', check: (m) => expect(m.get('authorization')).toMatch(/^NoOneKnowsThisScheme /) },
  'multi01.dat': { kind: 'bad-request', reason: 'multiple From values' },
  'mcl01.dat': { kind: 'bad-request', reason: 'multiple Content-Length values' },
  // §3.3.10: a response whose Via names the broadcast address must not be acted on.
  'bcast.dat': { kind: 'discard', why: 'Via sent-by is a broadcast or unspecified address' },
  // §3.3.11: Max-Forwards 0 forbids forwarding (483 on the proxy path); a UAS answers the OPTIONS.
  'zeromf.dat': { kind: 'valid', check: (m) => expect(m.get('max-forwards')).toBe('0') },
  'cparam01.dat': { kind: 'valid', check: (m) => expect(parseNameAddr(m.get('contact')!)?.params).toEqual({ unknownparam: null }) },
  'cparam02.dat': { kind: 'valid', check: (m) => expect(parseNameAddr(m.get('contact')!)?.params).toEqual({}) },
  // §3.3.14: the escaped header is inside <>, so the Contact is valid and the registrar accepts it.
  'regescrt.dat': { kind: 'valid', check: (m) => expect(parseUri(parseNameAddr(m.get('contact')!)!.uri)?.headers).toEqual({ Route: '%3Csip:sip.example.com%3E' }) },
  'sdp01.dat': { kind: 'reject', status: 406 },
  // §3.4.1: RFC 2543 syntax (no branch, no From tag, no Content-Length: the body is the rest of the datagram).
  'inv2543.dat': {
    kind: 'valid',
    check: (m) => {
      expect(getParam(m.get('via')!, 'branch')).toBeUndefined();
      expect(m.body.toString('latin1')).toMatch(/^v=0\r\n[\s\S]*m=audio 49217 RTP\/AVP 0\r\n$/);
    },
  },
};

const files = readdirSync(DIR).filter((f) => f.endsWith('.dat')).sort();

describe('RFC 4475 torture messages', () => {
  it('covers every .dat file, and every case has a file', () => {
    expect(files.length).toBeGreaterThanOrEqual(49);
    expect(Object.keys(CASES).sort()).toEqual(files);
  });

  it.each(files)('%s', (file) => {
    const expected = CASES[file];
    expect(expected, 'no expectation for ' + file).toBeDefined();
    const buf = readFileSync(path.join(DIR, file));
    const r = parseMessage(buf);
    switch (expected.kind) {
      case 'valid': {
        if (!r.ok) throw new Error(file + ': ' + r.reason);
        if (r.msg.isRequest) expect(checkRequest(r.msg)).toBeNull();
        else expect(checkResponse(r.msg)).toBeNull();
        expected.check?.(r.msg);
        // What parsed also serializes to something that parses the same.
        const again = parseMessage(r.msg.toBuffer());
        if (!again.ok) throw new Error(file + ' round trip: ' + again.reason);
        expect(headersWithoutLength(again.msg.headers)).toEqual(headersWithoutLength(r.msg.headers));
        expect(again.msg.body.equals(r.msg.body)).toBe(true);
        break;
      }
      case 'reject': {
        if (!r.ok) throw new Error(file + ': ' + r.reason);
        expect(r.msg.isRequest).toBe(true);
        expect(checkRequest(r.msg)?.status).toBe(expected.status);
        expected.check?.(r.msg);
        break;
      }
      case 'bad-request': {
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.reason).toBe(expected.reason);
        // Enough of the request to answer it with 400.
        expect(r.msg?.isRequest).toBe(true);
        expect(r.msg?.getAll('via').length).toBeGreaterThan(0);
        expect(r.msg?.get('cseq')).toBeDefined();
        break;
      }
      case 'discard': {
        if (r.ok) {
          expect(r.msg.isRequest).toBe(false);
          expect(checkResponse(r.msg)).toBe(expected.why);
        } else {
          expect(r.msg === undefined || !r.msg.isRequest).toBe(true);
          expect(buf.toString('latin1').startsWith('SIP/2.0 ')).toBe(true);
        }
        break;
      }
    }
  });
});
