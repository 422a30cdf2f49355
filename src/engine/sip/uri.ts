/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966), parsed on demand. Values of params and
 * headers are kept as written (still %-escaped) so that formatUri(parseUri(s)) gives back an
 * equivalent string; only parameter names are lower-cased, since they compare case-insensitively
 * (RFC 3261 §19.1.4).
 */

export interface SipUri {
  /** Lower-case: 'sip' | 'sips' | 'tel' | any other scheme. */
  scheme: string;
  /** sip/sips: the user part. tel: the number. Other schemes: the opaque part after the colon. */
  user?: string;
  password?: string;
  /** IPv6 references keep their brackets, e.g. '[::1]'. Empty for tel and other schemes. */
  host: string;
  port?: number;
  /** uri-parameters; keys lower-cased, null for a parameter without a value. */
  params: Record<string, string | null>;
  /** ?headers of a sip/sips URI, values still %-escaped. */
  headers: Record<string, string>;
}

// Characters that may never appear raw in a URI: controls, SP, DEL, and the delimiters that
// mark where a URI ends inside a header (RFC 3986 §2, RFC 3261 §25.1).
const FORBIDDEN = new Uint8Array(128);
for (let c = 0; c <= 0x20; c++) FORBIDDEN[c] = 1;
FORBIDDEN[0x7f] = 1;
for (const ch of '<>"{}|\\^`') FORBIDDEN[ch.charCodeAt(0)] = 1;
// `{`, `}`, `|`, `\`, `^` and backtick are excluded by RFC 3986; RFC 3261's user part allows none of them either.

function hasForbidden(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Non-ASCII must be %-escaped in a URI.
    if (c >= 128 || FORBIDDEN[c]) return true;
  }
  return false;
}

function isSchemeChar(c: number, first: boolean): boolean {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  if (first) return alpha;
  return alpha || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

/** The scheme of a URI string lower-cased, or undefined when it has none (RFC 3986 §3.1). */
export function uriScheme(s: string): string | undefined {
  const colon = s.indexOf(':');
  if (colon <= 0) return undefined;
  for (let i = 0; i < colon; i++) if (!isSchemeChar(s.charCodeAt(i), i === 0)) return undefined;
  return s.slice(0, colon).toLowerCase();
}

function isHostChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d /* - */ ||
    c === 0x2e /* . */ ||
    c === 0x5f /* _ seen in the wild in host names */
  );
}

/** Parse `host[:port]`; IPv6 references keep their brackets. */
export function parseHostPort(s: string): { host: string; port?: number } | null {
  let host: string;
  let rest: string;
  if (s.charCodeAt(0) === 0x5b /* [ */) {
    const close = s.indexOf(']');
    if (close < 3) return null;
    host = s.slice(0, close + 1);
    for (let i = 1; i < close; i++) {
      const c = s.charCodeAt(i);
      const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
      if (!hex && c !== 0x3a && c !== 0x2e) return null;
    }
    rest = s.slice(close + 1);
  } else {
    const colon = s.indexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    rest = colon < 0 ? '' : s.slice(colon);
    if (!host) return null;
    for (let i = 0; i < host.length; i++) if (!isHostChar(host.charCodeAt(i))) return null;
  }
  if (!rest) return { host };
  if (rest.charCodeAt(0) !== 0x3a) return null;
  const port = parsePort(rest.slice(1));
  return port === undefined ? null : { host, port };
}

function parsePort(s: string): number | undefined {
  if (s.length === 0 || s.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n <= 65535 ? n : undefined;
}

/** `;a=b;c` → { a: 'b', c: null }. Null when a parameter has an empty name. */
function parseUriParams(s: string, out: Record<string, string | null>): boolean {
  if (!s) return true;
  for (const part of s.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (!name) return false;
    out[name] = eq < 0 ? null : part.slice(eq + 1);
  }
  return true;
}

/**
 * Parse a URI. Returns null when it is malformed: whitespace or other characters that must be
 * escaped, no scheme, an empty host or a bad port in a sip/sips URI, an empty parameter name.
 */
export function parseUri(s: string): SipUri | null {
  if (!s || hasForbidden(s)) return null;
  const scheme = uriScheme(s);
  if (scheme === undefined) return null;
  const rest = s.slice(scheme.length + 1);
  if (!rest) return null;

  if (scheme === 'tel') {
    // RFC 3966: telephone-subscriber *par; the number is what comes before the first ';'.
    const semi = rest.indexOf(';');
    const user = semi < 0 ? rest : rest.slice(0, semi);
    if (!user) return null;
    const params: Record<string, string | null> = {};
    if (semi >= 0 && !parseUriParams(rest.slice(semi + 1), params)) return null;
    return { scheme, user, host: '', params, headers: {} };
  }
  if (scheme !== 'sip' && scheme !== 'sips') {
    return { scheme, user: rest, host: '', params: {}, headers: {} };
  }

  // userinfo may hold ';', '?' and ':' (RFC 3261 §25.1 user-unreserved) but never a raw '@',
  // and neither may params or headers, so the first '@' ends the userinfo.
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  let hp = rest;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    uri.user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (colon >= 0) uri.password = userinfo.slice(colon + 1);
    if (!uri.user) return null;
    hp = rest.slice(at + 1);
  }
  const q = hp.indexOf('?');
  const beforeHeaders = q < 0 ? hp : hp.slice(0, q);
  const semi = beforeHeaders.indexOf(';');
  const hostport = parseHostPort(semi < 0 ? beforeHeaders : beforeHeaders.slice(0, semi));
  if (!hostport) return null;
  uri.host = hostport.host;
  if (hostport.port !== undefined) uri.port = hostport.port;
  if (semi >= 0 && !parseUriParams(beforeHeaders.slice(semi + 1), uri.params)) return null;
  if (q >= 0) {
    for (const part of hp.slice(q + 1).split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) return null;
      uri.headers[part.slice(0, eq)] = part.slice(eq + 1);
    }
  }
  return uri;
}

export function formatUri(u: SipUri): string {
  let s = u.scheme + ':';
  if (u.scheme !== 'sip' && u.scheme !== 'sips') {
    s += u.user ?? '';
  } else {
    if (u.user !== undefined) {
      s += u.user;
      if (u.password !== undefined) s += ':' + u.password;
      s += '@';
    }
    s += u.host;
    if (u.port !== undefined) s += ':' + u.port;
  }
  for (const k in u.params) {
    const v = u.params[k];
    s += v === null ? ';' + k : ';' + k + '=' + v;
  }
  let sep = '?';
  for (const k in u.headers) {
    s += sep + k + '=' + u.headers[k];
    sep = '&';
  }
  return s;
}

/** Where to send: the host (brackets kept for IPv6) and the explicit port, if any. */
export function uriHostPort(u: SipUri): { host: string; port?: number } {
  return u.port === undefined ? { host: u.host } : { host: u.host, port: u.port };
}
