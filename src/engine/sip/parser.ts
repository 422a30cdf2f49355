/**
 * SIP message parser (RFC 3261 §7, §18.3, §25.1): one buffer in, one SipMessage out.
 *
 * This is the engine's hot path, so the head is decoded once (UTF-8: display names and reason
 * phrases may carry it), lines are found with indexOf, and only the headers a UAS needs to answer
 * at all (Via, From, To, Call-ID, CSeq) are given a typed parse, to reject what RFC 3261 §8.2 and
 * RFC 4475 call malformed. Everything else stays raw for headers.ts to read on demand.
 */

import { SipMessage, canonicalName, splitCommaList, type SipHeader } from './message.js';
import { isToken, parseCSeq, parseNameAddr, parseVia } from './headers.js';
import { parseUri, uriScheme } from './uri.js';

export type ParseResult =
  | { ok: true; msg: SipMessage; consumed: number }
  | { ok: false; reason: string; msg?: SipMessage };

export interface ParseOptions {
  /** Largest message accepted, in bytes (default 65535, the largest UDP payload). */
  maxSize?: number;
  /**
   * True (default) when buf is one whole datagram: without Content-Length the body is the rest
   * of the datagram (§18.3), and bytes beyond Content-Length are ignored (RFC 4475 §3.1.1.8).
   * False for one message cut from a stream by StreamFramer, where Content-Length is mandatory.
   */
  datagram?: boolean;
}

const EMPTY = Buffer.alloc(0);
const LF_CRLF = Buffer.from('\n\r\n');
const LF_LF = Buffer.from('\n\n');

/**
 * The usual methods as one shared string each: a lingering server transaction keeps its
 * request's method for 32 s, and a sliced copy per message adds up under load.
 */
const KNOWN_METHODS = new Map(
  ['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'INFO', 'UPDATE', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH'].map((m) => [m, m]),
);

function fail(reason: string, msg?: SipMessage): ParseResult {
  return msg ? { ok: false, reason, msg } : { ok: false, reason };
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive (§25.1). */
function isSipVersion(s: string): boolean {
  if (s.length < 7) return false;
  const c0 = s.charCodeAt(0) | 0x20;
  const c1 = s.charCodeAt(1) | 0x20;
  const c2 = s.charCodeAt(2) | 0x20;
  if (c0 !== 0x73 || c1 !== 0x69 || c2 !== 0x70 || s.charCodeAt(3) !== 0x2f) return false;
  let i = 4;
  const a = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  if (i === a || s.charCodeAt(i) !== 0x2e) return false;
  const b = ++i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i > b && i === s.length;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hasWhitespace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) <= 0x20) return true;
  return false;
}

/** Content-Length value → byte count, or -1 when it is not 1*DIGIT (§20.14) or absurd. */
function parseContentLength(v: string): number {
  if (v.length === 0) return -1;
  let i = 0;
  while (i < v.length - 1 && v.charCodeAt(i) === 0x30) i++;
  if (v.length - i > 9) return -1;
  let n = 0;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Start line. Request-Line = Method SP Request-URI SP SIP-Version with exactly one SP each
 * (§25.1); a line that is otherwise readable but has extra whitespace (RFC 4475 §3.1.2.8-10)
 * still yields a message, with a reason, so the caller can answer 400.
 */
function parseStartLine(line: string, msg: SipMessage): { ok: boolean; reason?: string } {
  const isStatusLine =
    line.length >= 4 &&
    (line.charCodeAt(0) | 0x20) === 0x73 &&
    (line.charCodeAt(1) | 0x20) === 0x69 &&
    (line.charCodeAt(2) | 0x20) === 0x70 &&
    line.charCodeAt(3) === 0x2f;
  if (isStatusLine) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase; an empty reason is legal
    // (RFC 4475 §3.1.1.13), and so, leniently, is a missing SP before it.
    const sp = line.indexOf(' ');
    if (sp < 0) return { ok: false };
    const version = line.slice(0, sp);
    if (!isSipVersion(version)) return { ok: false };
    const code = line.slice(sp + 1, sp + 4);
    if (code.length !== 3 || !isDigit(code.charCodeAt(0)) || !isDigit(code.charCodeAt(1)) || !isDigit(code.charCodeAt(2))) {
      return { ok: false };
    }
    const after = sp + 4;
    if (after < line.length && line.charCodeAt(after) !== 0x20) return { ok: false }; // e.g. 4294967301 (bigcode)
    const status = Number(code);
    if (status < 100 || status > 699) return { ok: false };
    msg.version = version;
    msg.status = status;
    msg.reason = after < line.length ? line.slice(after + 1) : '';
    return { ok: true };
  }

  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 > 0 && sp2 > sp1 + 1) {
    const method = line.slice(0, sp1);
    const uri = line.slice(sp1 + 1, sp2);
    const version = line.slice(sp2 + 1);
    if (isToken(method) && !hasWhitespace(uri) && isSipVersion(version)) {
      msg.method = KNOWN_METHODS.get(method) ?? method;
      msg.uri = uri;
      msg.version = version;
      return { ok: true };
    }
  }
  // Lenient read, only to be able to answer 400 to what is recognisably a request.
  const parts = line.split(/[ \t]+/).filter((p) => p.length > 0);
  if (parts.length < 3 || !isToken(parts[0]) || !isSipVersion(parts[parts.length - 1])) return { ok: false };
  msg.method = parts[0];
  msg.uri = parts.slice(1, -1).join(' ');
  msg.version = parts[parts.length - 1];
  return {
    ok: true,
    reason: parts.length > 3 ? 'Request-URI contains whitespace' : 'extra whitespace in the Request-Line',
  };
}

/** Request-URI rules beyond the start-line grammar (§19.1.1, RFC 4475 §3.1.2.7, §3.1.2.11). */
function checkRequestUri(uri: string): string | undefined {
  if (uri.charCodeAt(0) === 0x3c) return 'Request-URI enclosed in <>';
  const scheme = uriScheme(uri);
  if (scheme === undefined) return 'malformed Request-URI';
  if (scheme === 'sip' || scheme === 'sips') {
    const u = parseUri(uri);
    if (!u) return 'malformed Request-URI';
    // §19.1.1 table: headers are not allowed in a Request-URI.
    if (Object.keys(u.headers).length > 0) return 'Request-URI carries escaped headers';
  }
  return undefined;
}

function checkSingle(count: number, name: string): string | undefined {
  if (count === 0) return 'missing ' + name;
  if (count > 1) return 'multiple ' + name + ' values';
  return undefined;
}

/**
 * Parse one SIP message. ok:false with `msg` when the message could be read but is malformed
 * (the caller answers a request with 400 and `reason`); ok:false without `msg` when not even
 * the start line and headers could be read.
 */
export function parseMessage(buf: Buffer, opts?: ParseOptions): ParseResult {
  const maxSize = opts?.maxSize ?? 65535;
  const datagram = opts?.datagram ?? true;
  if (buf.length > maxSize) return fail('message too large');

  // Tolerate CRLFs before the start line (§7.5; keep-alives on streams, RFC 5626 §3.5.1).
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  if (start >= buf.length) return fail('empty message');

  // The head ends at the first empty line; accept bare LFs as line ends as well as CRLF.
  let headEnd = -1;
  let bodyStart = -1;
  const a = buf.indexOf(LF_CRLF, start);
  if (a >= 0) {
    headEnd = a;
    bodyStart = a + 3;
  }
  const b = buf.indexOf(LF_LF, start);
  if (b >= 0 && (a < 0 || b < a)) {
    headEnd = b;
    bodyStart = b + 2;
  }
  if (headEnd < 0) return fail('no empty line after the headers');

  const head = buf.toString('utf8', start, headEnd);
  let nl = head.indexOf('\n');
  if (nl < 0) nl = head.length;
  const startLine = head.charCodeAt(nl - 1) === 0x0d ? head.slice(0, nl - 1) : head.slice(0, nl);

  const msg = new SipMessage();
  const sl = parseStartLine(startLine, msg);
  if (!sl.ok) return fail('malformed start line');
  let problem = sl.reason;

  const headers: SipHeader[] = [];
  let pos = nl + 1;
  while (pos < head.length) {
    let e = head.indexOf('\n', pos);
    if (e < 0) e = head.length;
    const lineEnd = head.charCodeAt(e - 1) === 0x0d && e - 1 >= pos ? e - 1 : e;
    const c = head.charCodeAt(pos);
    if (c === 0x20 || c === 0x09) {
      // Folded line (§7.3.1): joined to the previous value with one SP.
      if (headers.length === 0) problem ??= 'continuation line before the first header';
      else {
        const more = head.slice(pos, lineEnd).trim();
        if (more) {
          const last = headers[headers.length - 1];
          last.value = last.value ? last.value + ' ' + more : more;
        }
      }
    } else {
      const colon = head.indexOf(':', pos);
      if (colon < 0 || colon >= lineEnd) {
        problem ??= 'header line without a colon';
      } else {
        let ne = colon;
        while (ne > pos && (head.charCodeAt(ne - 1) === 0x20 || head.charCodeAt(ne - 1) === 0x09)) ne--;
        const name = head.slice(pos, ne);
        if (!isToken(name)) problem ??= 'malformed header name';
        else headers.push({ name, value: head.slice(colon + 1, lineEnd).trim() });
      }
    }
    pos = e + 1;
  }
  msg.headers = headers;

  // One pass over the names for the headers that decide whether the message is usable.
  let vias: string[] | undefined;
  let from: string | undefined;
  let to: string | undefined;
  let callId: string | undefined;
  let cseq: string | undefined;
  let cl: string | undefined;
  let nFrom = 0;
  let nTo = 0;
  let nCallId = 0;
  let nCSeq = 0;
  let nMaxFwd = 0;
  let nCl = 0;
  let nCt = 0;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    switch (canonicalName(h.name)) {
      case 'via':
        (vias ??= []).push(h.value);
        break;
      case 'from':
        nFrom++;
        from = h.value;
        break;
      case 'to':
        nTo++;
        to = h.value;
        break;
      case 'call-id':
        nCallId++;
        callId = h.value;
        break;
      case 'cseq':
        nCSeq++;
        cseq = h.value;
        break;
      case 'max-forwards':
        nMaxFwd++;
        break;
      case 'content-length':
        nCl++;
        cl = h.value;
        break;
      case 'content-type':
        nCt++;
        break;
    }
  }

  // Framing first: without it the body, and any later message on a stream, is unknown.
  const rest = buf.length - bodyStart;
  let consumed: number;
  if (nCl > 1) return fail('multiple Content-Length values', msg);
  if (cl === undefined) {
    if (!datagram) return fail('missing Content-Length', msg);
    msg.body = rest > 0 ? buf.subarray(bodyStart) : EMPTY;
    consumed = buf.length;
  } else {
    const n = parseContentLength(cl);
    if (n < 0) return fail('malformed Content-Length', msg);
    // RFC 4475 §3.1.2.2: over UDP this is an error (400); a stream would wait for more bytes,
    // which StreamFramer does before it ever calls us.
    if (n > rest) {
      msg.body = rest > 0 ? buf.subarray(bodyStart) : EMPTY;
      return fail('Content-Length larger than the message', msg);
    }
    msg.body = n > 0 ? buf.subarray(bodyStart, bodyStart + n) : EMPTY;
    consumed = bodyStart + n;
  }

  if (problem) return fail(problem, msg);

  if (!vias) return fail('missing Via', msg);
  for (let i = 0; i < vias.length; i++) {
    const v = vias[i];
    // Each comma-separated element must be a Via: `Via: a;;,;,,` (RFC 4475 §3.1.2.1) is
    // malformed, so empty elements are not silently dropped here.
    const parts = v.indexOf(',') < 0 ? null : v.indexOf('"') < 0 ? v.split(',') : splitCommaList(v);
    if (parts === null) {
      if (!parseVia(v)) return fail('malformed Via', msg);
    } else {
      for (const p of parts) if (!parseVia(p)) return fail('malformed Via', msg);
    }
  }

  let why = checkSingle(nFrom, 'From');
  if (!why && !parseNameAddr(from as string)) why = 'malformed From';
  if (!why) why = checkSingle(nTo, 'To');
  if (!why && !parseNameAddr(to as string)) why = 'malformed To';
  if (!why) why = checkSingle(nCallId, 'Call-ID');
  // callid = word [ "@" word ]: no whitespace, and a comma would mean a second value.
  if (!why && (!callId || hasWhitespace(callId as string) || (callId as string).indexOf(',') >= 0)) why = 'malformed Call-ID';
  if (!why) why = checkSingle(nCSeq, 'CSeq');
  if (why) return fail(why, msg);
  const cs = parseCSeq(cseq as string);
  if (!cs) return fail('malformed CSeq', msg);
  if (nMaxFwd > 1) return fail('multiple Max-Forwards values', msg);
  if (nCt > 1) return fail('multiple Content-Type values', msg);

  if (msg.status === 0) {
    // §8.2.x / RFC 4475 §3.1.2.17-18: the CSeq method must be the request's.
    if (cs.method !== msg.method) return fail('CSeq method does not match the request method', msg);
    const uriProblem = checkRequestUri(msg.uri);
    if (uriProblem) return fail(uriProblem, msg);
  } else {
    msg.method = cs.method;
  }
  return { ok: true, msg, consumed };
}
