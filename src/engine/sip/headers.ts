/**
 * Typed views of the SIP header values the engine reads: Via, name-addr (From, To, Contact,
 * Route, …), CSeq, and header-level parameters. Each function takes one value as stored in
 * SipMessage (folded lines already joined, multi-value headers already split at commas) and
 * returns null when it does not follow RFC 3261 §25.1, so the caller can answer 400.
 */

import { splitCommaList } from './message.js';
import { uriScheme } from './uri.js';

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")  (§25.1)
const TOKEN = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

function scanToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** Index just past the closing quote of the quoted string that opens at i, or -1 if unterminated. */
function scanQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c /* \ */) j++;
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/**
 * Generic header params after index i: *( SEMI name [ EQUAL (token / host / quoted-string) ] )
 * with optional LWS around ';' and '=' (§25.1 SEMI, EQUAL). Names are lower-cased; quoted values
 * keep their quotes so that formatting gives back what was received. Null on anything else.
 */
function parseGenericParams(s: string, i: number, out: Record<string, string | null>): boolean {
  for (;;) {
    i = skipWs(s, i);
    if (i >= s.length) return true;
    if (s.charCodeAt(i) !== 0x3b /* ; */) return false;
    i = skipWs(s, i + 1);
    const ns = i;
    i = scanToken(s, i);
    if (i === ns) return false;
    const name = s.slice(ns, i).toLowerCase();
    i = skipWs(s, i);
    if (i < s.length && s.charCodeAt(i) === 0x3d /* = */) {
      i = skipWs(s, i + 1);
      const vs = i;
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i = scanQuoted(s, i);
        if (i < 0) return false;
      } else if (c === 0x5b /* [ IPv6reference, e.g. received=[::1] */) {
        const close = s.indexOf(']', i);
        if (close < 0) return false;
        i = close + 1;
      } else {
        i = scanToken(s, i);
        if (i === vs) return false;
      }
      out[name] = s.slice(vs, i);
    } else {
      out[name] = null;
    }
  }
}

function formatParams(params: Record<string, string | null>): string {
  let s = '';
  for (const k in params) {
    const v = params[k];
    s += v === null ? ';' + k : ';' + k + '=' + v;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Via (§20.42): sent-protocol LWS sent-by *( SEMI via-params )

export interface Via {
  /** protocol-name/protocol-version, e.g. 'SIP/2.0'. */
  protocol: string;
  /** Upper-case: 'UDP', 'TCP', 'TLS', 'SCTP', 'WS', or an extension. */
  transport: string;
  host: string;
  port?: number;
  params: Record<string, string | null>;
}

function parseSentBy(s: string, i: number): { host: string; port?: number; end: number } | null {
  let host: string;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0) return null;
    for (let j = i + 1; j < close; j++) {
      const c = s.charCodeAt(j);
      const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) || c === 0x3a || c === 0x2e;
      if (!ok) return null;
    }
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    const hs = i;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f;
      if (!ok) break;
    }
    if (i === hs) return null;
    host = s.slice(hs, i);
  }
  const j = skipWs(s, i);
  if (j < s.length && s.charCodeAt(j) === 0x3a /* : */) {
    i = skipWs(s, j + 1);
    const ps = i;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i === ps || i - ps > 5) return null;
    const port = Number(s.slice(ps, i));
    if (port > 65535) return null;
    return { host, port, end: i };
  }
  return { host, end: i };
}

/** One Via value (already split at commas). */
export function parseVia(value: string): Via | null {
  const s = value;
  let i = skipWs(s, 0);
  const parts: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      if (s.charCodeAt(i) !== 0x2f /* / */) return null;
      i = skipWs(s, i + 1);
    }
    const ts = i;
    i = scanToken(s, i);
    if (i === ts) return null;
    parts.push(s.slice(ts, i));
    i = skipWs(s, i);
  }
  // LWS between sent-protocol and sent-by is mandatory.
  if (!isWs(s.charCodeAt(i - 1))) return null;
  const sentBy = parseSentBy(s, i);
  if (!sentBy) return null;
  const params: Record<string, string | null> = {};
  if (!parseGenericParams(s, sentBy.end, params)) return null;
  const via: Via = {
    protocol: parts[0].toUpperCase() + '/' + parts[1],
    transport: parts[2].toUpperCase(),
    host: sentBy.host,
    params,
  };
  if (sentBy.port !== undefined) via.port = sentBy.port;
  return via;
}

export function formatVia(v: Via): string {
  let s = v.protocol + '/' + v.transport + ' ' + v.host;
  if (v.port !== undefined) s += ':' + v.port;
  return s + formatParams(v.params);
}

// ---------------------------------------------------------------------------------------------
// name-addr / addr-spec (§20.10, §25.1)

export interface NameAddr {
  /** Unquoted display name (escapes removed); undefined when there is none. */
  displayName?: string;
  uri: string;
  /** Header params (outside <>), e.g. tag, expires, q. Keys lower-cased. */
  params: Record<string, string | null>;
}

function unquote(q: string): string {
  // q includes both quotes.
  let out = '';
  for (let i = 1; i < q.length - 1; i++) {
    const c = q[i];
    if (c === '\\' && i + 1 < q.length - 1) out += q[++i];
    else out += c;
  }
  return out;
}

function validUriText(u: string): boolean {
  if (!u || uriScheme(u) === undefined) return false;
  for (let i = 0; i < u.length; i++) {
    const c = u.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return false;
  }
  return true;
}

/**
 * Parse `"Display" <uri>;params`, `Display <uri>;params` or `uri;params`. In the addr-spec form
 * (no <>) everything after the first ';' is a header param, and a URI holding ',' or '?' must
 * have been enclosed in <> (§20.10), so such a value is rejected.
 */
export function parseNameAddr(value: string): NameAddr | null {
  const s = value;
  let i = skipWs(s, 0);
  if (i >= s.length) return null;
  let displayName: string | undefined;
  const c0 = s.charCodeAt(i);
  let lt: number;
  if (c0 === 0x22) {
    const end = scanQuoted(s, i);
    if (end < 0) return null;
    displayName = unquote(s.slice(i, end));
    i = skipWs(s, end);
    if (s.charCodeAt(i) !== 0x3c) return null;
    lt = i;
  } else {
    lt = s.indexOf('<', i);
    if (lt >= 0) {
      // display-name = *(token LWS): tokens separated by whitespace only.
      let j = i;
      while (j < lt) {
        const c = s.charCodeAt(j);
        if (!isTokenChar(c) && !isWs(c)) return null;
        j++;
      }
      const dn = s.slice(i, lt).trim();
      if (dn) displayName = dn.replace(/[ \t\r\n]+/g, ' ');
    }
  }
  let uri: string;
  let after: number;
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) return null;
    uri = s.slice(lt + 1, gt);
    after = gt + 1;
  } else {
    let semi = s.indexOf(';', i);
    if (semi < 0) semi = s.length;
    uri = s.slice(i, semi).trimEnd();
    if (uri.indexOf(',') >= 0 || uri.indexOf('?') >= 0) return null;
    after = semi;
  }
  if (!validUriText(uri)) return null;
  const params: Record<string, string | null> = {};
  if (!parseGenericParams(s, after, params)) return null;
  const na: NameAddr = { uri, params };
  if (displayName !== undefined) na.displayName = displayName;
  return na;
}

export function formatNameAddr(n: NameAddr): string {
  let s = '';
  if (n.displayName !== undefined && n.displayName !== '') {
    s = '"' + n.displayName.replace(/[\\"]/g, (m) => '\\' + m) + '" ';
  }
  return s + '<' + n.uri + '>' + formatParams(n.params);
}

/**
 * Contact values (§20.10): '*' for the REGISTER wildcard, or the list of name-addrs.
 * Null when any element is malformed.
 */
export function parseContactList(values: string[]): '*' | NameAddr[] | null {
  const all: string[] = [];
  for (const v of values) all.push(...splitCommaList(v));
  if (all.length === 1 && all[0] === '*') return '*';
  const out: NameAddr[] = [];
  for (const v of all) {
    const na = parseNameAddr(v);
    if (!na) return null;
    out.push(na);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Header-level parameters without a full parse

interface ParamSpan {
  /** Index of the ';'. */
  start: number;
  /** End of the parameter (exclusive). */
  end: number;
  name: string;
  value: string | null;
}

/** Top-level `;name[=value]` spans of a header value: outside <>, quotes and before any ','. */
function headerParamSpans(value: string): ParamSpan[] {
  const spans: ParamSpan[] = [];
  let inQuote = false;
  let inAngle = false;
  // Start of the parameter being read (its ';'), -1 before the first. No closure: this runs
  // for every getParam/setParam, several times per message.
  let cur = -1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c) inAngle = true;
    else if (c === 0x3e) inAngle = false;
    else if (!inAngle && c === 0x3b) {
      if (cur >= 0) spans.push(paramSpan(value, cur, i));
      cur = i;
    } else if (!inAngle && c === 0x2c) {
      // A comma ends this header value; params of later values are not ours.
      if (cur >= 0) spans.push(paramSpan(value, cur, i));
      return spans;
    }
  }
  if (cur >= 0) spans.push(paramSpan(value, cur, value.length));
  return spans;
}

function paramSpan(value: string, start: number, end: number): ParamSpan {
  const raw = value.slice(start + 1, end);
  const eq = raw.indexOf('=');
  const name = (eq < 0 ? raw : raw.slice(0, eq)).trim().toLowerCase();
  const v = eq < 0 ? null : raw.slice(eq + 1).trim();
  return { start, end, name, value: v };
}

/**
 * A header-level parameter of a name-addr or Via value (outside <> and quotes), e.g.
 * getParam(fromValue, 'tag'). '' for a parameter without a value, undefined when absent.
 */
export function getParam(value: string, name: string): string | undefined {
  // Fast reject: most lookups are for a tag or branch on a value that has it or not at all.
  const lname = name.toLowerCase();
  if (value.toLowerCase().indexOf(lname) < 0) return undefined;
  for (const p of headerParamSpans(value)) {
    if (p.name === lname) return p.value ?? '';
  }
  return undefined;
}

/** Add or replace a header-level parameter (null writes it without a value). */
export function setParam(value: string, name: string, v: string | null): string {
  const lname = name.toLowerCase();
  const text = v === null ? ';' + name : ';' + name + '=' + v;
  for (const p of headerParamSpans(value)) {
    if (p.name === lname) return value.slice(0, p.start) + text + value.slice(p.end);
  }
  // Append to the first value only (before a ',' that starts a second value).
  const comma = firstTopLevelComma(value);
  if (comma < 0) return value.trimEnd() + text;
  return value.slice(0, comma).trimEnd() + text + value.slice(comma);
}

function firstTopLevelComma(value: string): number {
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c) inAngle = true;
    else if (c === 0x3e) inAngle = false;
    else if (c === 0x2c && !inAngle) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// CSeq (§20.16): 1*DIGIT LWS Method, the number below 2**31.

const MAX_CSEQ = 2 ** 31 - 1;

export function parseCSeq(value: string): { seq: number; method: string } | null {
  const s = value;
  let i = skipWs(s, 0);
  const ds = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  if (i === ds) return null;
  // Leading zeros are legal (RFC 4475 wsinv: 0009); strip them before judging the size.
  let digits = s.slice(ds, i);
  let z = 0;
  while (z < digits.length - 1 && digits.charCodeAt(z) === 0x30) z++;
  digits = digits.slice(z);
  if (digits.length > 10) return null;
  const seq = Number(digits);
  if (seq > MAX_CSEQ) return null;
  const ws = i;
  i = skipWs(s, i);
  if (i === ws) return null;
  const ms = i;
  i = scanToken(s, i);
  if (i === ms) return null;
  const method = s.slice(ms, i);
  if (skipWs(s, i) !== s.length) return null;
  return { seq, method };
}
