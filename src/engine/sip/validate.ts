/**
 * What a UAS core checks on a request that parsed, before it hands the request to the app
 * (RFC 3261 §8.2, with the outcomes RFC 4475 expects), and what makes a response unusable.
 * Syntax is parser.ts's business; Max-Forwards is the proxy path's (a UAS answers a request with
 * Max-Forwards: 0, RFC 4475 §3.3.11).
 */

import type { SipMessage } from './message.js';
import { splitCommaList } from './message.js';
import { parseContactList, parseVia } from './headers.js';
import { uriScheme } from './uri.js';

export interface Rejection {
  status: number;
  reason: string;
  headers?: { name: string; value: string }[];
}

/** Request-URI schemes the engine serves (§8.2.2.1: anything else is 416). */
export const SUPPORTED_SCHEMES: ReadonlySet<string> = new Set(['sip', 'sips', 'tel']);

/** Option tags the engine and the drachtio apps on it implement (§8.2.2.3). */
export const SUPPORTED_OPTION_TAGS: ReadonlySet<string> = new Set([
  '100rel', 'timer', 'replaces', 'path', 'outbound', 'norefersub', 'tdialog',
]);

/** Body types a session can be negotiated with. */
const SESSION_METHODS = new Set(['INVITE', 'UPDATE', 'PRACK', 'ACK']);
const ACCEPT_VALUE = 'application/sdp, multipart/mixed';

function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

function isSessionBodyType(type: string): boolean {
  return type === 'application/sdp' || type.startsWith('multipart/');
}

/**
 * Whether an Accept header (all its values) admits application/sdp: a matching range
 * (application/sdp, application/*, * / *) with q > 0, the most specific range deciding
 * (RFC 3261 §20.1 follows HTTP/1.1 §14.1). An empty Accept admits nothing.
 */
export function acceptsSdp(acceptValues: string[]): boolean {
  let best = -1; // specificity of the most specific matching range
  let bestQ = 0;
  for (const line of acceptValues) {
    for (const range of splitCommaList(line)) {
      const parts = range.split(';');
      const type = parts[0].trim().toLowerCase();
      let spec: number;
      if (type === 'application/sdp') spec = 2;
      else if (type === 'application/*') spec = 1;
      else if (type === '*/*') spec = 0;
      else continue;
      let q = 1;
      for (let i = 1; i < parts.length; i++) {
        const [k, v] = parts[i].split('=');
        if (k.trim().toLowerCase() === 'q' && v !== undefined) {
          const n = Number(v.trim());
          if (!Number.isNaN(n)) q = n;
        }
      }
      if (spec > best) {
        best = spec;
        bestQ = q;
      }
    }
  }
  return best >= 0 && bestQ > 0;
}

/**
 * The rejection a UAS sends for a request that parsed, or null to process it. Checked in the
 * order of §8.2: version, URI scheme, extensions, content.
 */
export function checkRequest(msg: SipMessage): Rejection | null {
  if (msg.version.toUpperCase() !== 'SIP/2.0') {
    return { status: 505, reason: 'Version Not Supported' };
  }

  // §8.2.2.1: 416 for a scheme we do not serve (RFC 4475 §3.3.2 unkscm; §3.3.3 novelsc: a
  // scheme we never accept in a Request-URI is treated as unknown).
  const scheme = uriScheme(msg.uri);
  if (scheme === undefined || !SUPPORTED_SCHEMES.has(scheme)) {
    return { status: 416, reason: 'Unsupported URI Scheme' };
  }

  // §8.2.2.3: Require is not checked for ACK and CANCEL. Proxy-Require is for proxies.
  if (msg.method !== 'ACK' && msg.method !== 'CANCEL') {
    const unknown: string[] = [];
    for (const tag of msg.getAll('require')) {
      if (!SUPPORTED_OPTION_TAGS.has(tag.toLowerCase()) && !unknown.includes(tag)) unknown.push(tag);
    }
    if (unknown.length > 0) {
      return { status: 420, reason: 'Bad Extension', headers: [{ name: 'Unsupported', value: unknown.join(', ') }] };
    }
  }

  // §8.2.3: a session body we cannot read is 415 with Accept (RFC 4475 §3.3.6 invut). An ACK
  // gets no response; the engine uses the verdict to ignore the body.
  if (SESSION_METHODS.has(msg.method) && msg.body.length > 0) {
    const ct = msg.get('content-type');
    if (ct === undefined || !isSessionBodyType(mediaType(ct))) {
      return { status: 415, reason: 'Unsupported Media Type', headers: [{ name: 'Accept', value: ACCEPT_VALUE }] };
    }
  }

  // RFC 4475 §3.3.15 sdp01: an INVITE whose Accept leaves no room for SDP cannot be answered
  // with a session description, so 406 (§21.4.7).
  if (msg.method === 'INVITE' && msg.has('accept') && !acceptsSdp(msg.getAll('accept'))) {
    return { status: 406, reason: 'Not Acceptable', headers: [{ name: 'Accept', value: 'application/sdp' }] };
  }

  // RFC 4475 §3.1.2.13 regbadct: a Contact URI with ',' '?' or ';' must be in <>; when it is
  // not (or a Contact is otherwise malformed) the request is a 400.
  if (msg.has('contact') && parseContactList(msg.getAll('contact')) === null) {
    return { status: 400, reason: 'Malformed Contact' };
  }
  return null;
}

// Addresses a response must never be sent to (RFC 4475 §3.3.10: limited broadcast; the
// unspecified address is as unroutable).
const NEVER_A_TARGET = new Set(['255.255.255.255', '0.0.0.0', '[::]']);

/**
 * Why a response that parsed must be discarded, or null. RFC 3261 §18.1.2 (a version we do not
 * speak) and RFC 4475 §3.3.10 bcast: a Via whose sent-by is a broadcast address would send the
 * response (or its forwarded copy) to every host on a segment.
 */
export function checkResponse(msg: SipMessage): string | null {
  if (msg.version.toUpperCase() !== 'SIP/2.0') return 'unsupported SIP version';
  for (const v of msg.getAll('via')) {
    const via = parseVia(v);
    if (!via) return 'malformed Via';
    if (NEVER_A_TARGET.has(via.host)) return 'Via sent-by is a broadcast or unspecified address';
  }
  return null;
}
