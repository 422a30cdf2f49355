/**
 * SIP messages written by apps (spec §3.6): only the start line, the header lines and the body
 * are read. Content-Length from the app is ignored (srf counts JS string length, not bytes).
 * Lines without ':' or with a name outside the RFC 3261 token set are skipped, folded lines are
 * not supported, and header names are re-cased the way drachtio-server writes them.
 */
import { SipMessage, canonicalName } from '../sip/message.js';

export interface AppMessage {
  msg: SipMessage;
  /** Lower-case long names of the headers the app supplied, for "did the app give X" checks. */
  supplied: Set<string>;
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** Headers an app may not set: the stack owns them (spec §3.6). */
export const IMMUTABLE = new Set(['via', 'route', 'record-route', 'rseq', 'content-length']);

/** How the stack spells the well-known headers it writes. */
const WELL_KNOWN: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
  'remote-party-id': 'Remote-Party-ID',
  'min-se': 'Min-SE',
  'mime-version': 'MIME-Version',
  rack: 'RAck',
  rseq: 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

export function headerName(name: string): string {
  if (name.length > 1 && (name[0] === 'X' || name[0] === 'x') && name[1] === '-') return name;
  const c = canonicalName(name);
  const known = WELL_KNOWN[c];
  if (known) return known;
  return c.replace(/(^|-)([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

/**
 * Parse the SIP part of an app frame. Returns undefined when there is no usable start line.
 * `text` starts at the start line (the leader and its CRLF already removed).
 */
export function parseAppMessage(text: string): AppMessage | undefined {
  const sep = text.indexOf('\r\n\r\n');
  const head = sep < 0 ? text : text.slice(0, sep);
  const body = sep < 0 ? '' : text.slice(sep + 4);
  const lines = head.split(/\r\n|\r|\n/);
  const start = lines[0]?.trim() ?? '';
  const msg = new SipMessage();
  if (start.startsWith('SIP/')) {
    const m = /^SIP\/2\.0 (\d{3})(?: (.*))?$/.exec(start);
    if (!m) return undefined;
    msg.status = Number(m[1]);
    msg.reason = m[2] ?? '';
    if (msg.status < 100 || msg.status > 699) return undefined;
  } else {
    const m = /^([A-Za-z]+) (\S+) SIP\/2\.0$/.exec(start);
    if (!m) return undefined;
    msg.method = m[1].toUpperCase();
    msg.uri = m[2];
  }
  const supplied = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const rawName = line.slice(0, colon).trim();
    if (!TOKEN.test(rawName)) continue;
    const value = line.slice(colon + 1).trim();
    const c = canonicalName(rawName.replace(/_/g, '-'));
    if (c === 'content-length') continue;
    supplied.add(c);
    msg.headers.push({ name: headerName(rawName.replace(/_/g, '-')), value });
  }
  if (body.length) msg.body = Buffer.from(body, 'utf8');
  return { msg, supplied };
}

/** Copy app headers onto an outgoing message, leaving out the immutable ones and those in `skip`. */
export function applyAppHeaders(target: SipMessage, app: SipMessage, skip: ReadonlySet<string>): void {
  const replaced = new Set<string>();
  for (const h of app.headers) {
    const c = canonicalName(h.name);
    if (IMMUTABLE.has(c) || skip.has(c)) continue;
    // The app's lines replace the stack's lines of the same name; several app lines are all kept.
    if (!replaced.has(c)) {
      target.remove(c);
      replaced.add(c);
    }
    target.add(h.name, h.value);
  }
}

/** Content-Type rule (spec §2.7): sdp is recognised by `v=0`; any other body needs a type. */
export function ensureContentType(msg: SipMessage): string | undefined {
  if (!msg.body.length || msg.get('content-type')) return undefined;
  if (msg.body.subarray(0, 3).toString('latin1') === 'v=0') {
    msg.set('Content-Type', 'application/sdp');
    return undefined;
  }
  return 'missing content-type';
}
