/**
 * The SIP message model shared by the parser, the transports, the transaction layer and the
 * drachtio protocol server. Headers are kept as an ordered list of raw (name, value) pairs so
 * that a message can be forwarded byte-for-byte faithfully; typed views (Via, name-addr, CSeq,
 * URI) are parsed on demand by the functions in headers.ts and uri.ts.
 */

export interface SipHeader {
  /** The header name as received, or as the engine/app wrote it. */
  name: string;
  /** The value with surrounding whitespace trimmed and folded lines joined by a single space. */
  value: string;
}

/** RFC 3261 §7.3.3 compact forms, and their long names. */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  u: 'allow-events',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  x: 'session-expires',
  y: 'identity',
};

/**
 * Lower-case long form of a header name: `V` → `via`, `Call-ID` → `call-id`.
 * Cached, since the same few dozen names recur in every message.
 */
const canonicalCache = new Map<string, string>();
export function canonicalName(name: string): string {
  let c = canonicalCache.get(name);
  if (c === undefined) {
    const lower = name.toLowerCase();
    c = COMPACT_FORMS[lower] ?? lower;
    if (canonicalCache.size < 4096) canonicalCache.set(name, c);
  }
  return c;
}

/** Headers whose values may be combined with commas into one line (RFC 3261 §7.3.1). */
const MULTI_VALUE = new Set([
  'via', 'contact', 'route', 'record-route', 'allow', 'supported', 'require', 'proxy-require',
  'unsupported', 'accept', 'accept-encoding', 'accept-language', 'allow-events', 'path',
  'service-route', 'p-asserted-identity', 'history-info', 'reason', 'alert-info', 'call-info',
  'error-info', 'in-reply-to', 'content-language', 'content-encoding', 'warning',
]);
export function isMultiValue(canonical: string): boolean {
  return MULTI_VALUE.has(canonical);
}

/**
 * Split a header value at top-level commas: commas inside double quotes (with backslash
 * escapes) or inside <...> do not split. Empty elements are dropped.
 */
export function splitCommaList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (inQuote) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inQuote = false;
    } else if (ch === 0x22) inQuote = true;
    else if (ch === 0x3c /* < */) inAngle = true;
    else if (ch === 0x3e /* > */) inAngle = false;
    else if (ch === 0x2c /* , */ && !inAngle) {
      const part = value.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

export class SipMessage {
  /** Request: method from the start line. Response: the method from CSeq (filled by the parser). */
  method = '';
  /** Request-URI, requests only. */
  uri = '';
  /** Status code, responses only (0 for requests). */
  status = 0;
  reason = '';
  version = 'SIP/2.0';
  headers: SipHeader[] = [];
  body: Buffer = EMPTY;

  get isRequest(): boolean {
    return this.status === 0;
  }

  static request(method: string, uri: string): SipMessage {
    const m = new SipMessage();
    m.method = method;
    m.uri = uri;
    return m;
  }

  static response(status: number, reason: string): SipMessage {
    const m = new SipMessage();
    m.status = status;
    m.reason = reason;
    return m;
  }

  /** First value of a header (case-insensitive, compact forms accepted), raw as on the line. */
  get(name: string): string | undefined {
    const c = canonicalName(name);
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) {
      if (canonicalName(hs[i].name) === c) return hs[i].value;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /**
   * Every value of a header in order. Multi-value headers (Via, Contact, Route, …) are split
   * at top-level commas, so `Via: a, b` and two Via lines both give ['a', 'b'].
   */
  getAll(name: string): string[] {
    const c = canonicalName(name);
    const out: string[] = [];
    const multi = isMultiValue(c);
    for (const h of this.headers) {
      if (canonicalName(h.name) !== c) continue;
      if (multi) out.push(...splitCommaList(h.value));
      else out.push(h.value);
    }
    return out;
  }

  /** Number of header lines with this name (not split at commas). */
  count(name: string): number {
    const c = canonicalName(name);
    let n = 0;
    for (const h of this.headers) if (canonicalName(h.name) === c) n++;
    return n;
  }

  /** Replace every line of this header with one line (appended at the first one's place). */
  set(name: string, value: string): this {
    const c = canonicalName(name);
    const idx = this.headers.findIndex((h) => canonicalName(h.name) === c);
    if (idx < 0) {
      this.headers.push({ name, value });
      return this;
    }
    this.headers[idx] = { name, value };
    for (let i = this.headers.length - 1; i > idx; i--) {
      if (canonicalName(this.headers[i].name) === c) this.headers.splice(i, 1);
    }
    return this;
  }

  add(name: string, value: string): this {
    this.headers.push({ name, value });
    return this;
  }

  /** Insert a header line before all others of the same name (e.g. our own Via on top). */
  prepend(name: string, value: string): this {
    const c = canonicalName(name);
    const idx = this.headers.findIndex((h) => canonicalName(h.name) === c);
    if (idx < 0) this.headers.unshift({ name, value });
    else this.headers.splice(idx, 0, { name, value });
    return this;
  }

  remove(name: string): this {
    const c = canonicalName(name);
    this.headers = this.headers.filter((h) => canonicalName(h.name) !== c);
    return this;
  }

  /**
   * Remove the first value of a multi-value header (e.g. the top Via, or the top Route).
   * If that line held several comma-separated values, only the first is removed.
   */
  removeFirstValue(name: string): string | undefined {
    const c = canonicalName(name);
    const idx = this.headers.findIndex((h) => canonicalName(h.name) === c);
    if (idx < 0) return undefined;
    const parts = splitCommaList(this.headers[idx].value);
    const first = parts.shift();
    if (parts.length === 0) this.headers.splice(idx, 1);
    else this.headers[idx] = { name: this.headers[idx].name, value: parts.join(', ') };
    return first;
  }

  clone(): SipMessage {
    const m = new SipMessage();
    m.method = this.method;
    m.uri = this.uri;
    m.status = this.status;
    m.reason = this.reason;
    m.version = this.version;
    m.headers = this.headers.map((h) => ({ name: h.name, value: h.value }));
    m.body = this.body;
    return m;
  }

  /** The start line without CRLF. */
  startLine(): string {
    return this.isRequest
      ? `${this.method} ${this.uri} ${this.version}`
      : `${this.version} ${this.status} ${this.reason}`;
  }

  /**
   * Serialize. Content-Length is always written from the actual body length (bytes), replacing
   * any Content-Length the message carried; other headers are written as they are.
   */
  toString(): string {
    let s = this.startLine() + '\r\n';
    for (const h of this.headers) {
      if (canonicalName(h.name) === 'content-length') continue;
      s += h.name + ': ' + h.value + '\r\n';
    }
    s += 'Content-Length: ' + this.body.length + '\r\n\r\n';
    if (this.body.length) s += this.body.toString('utf8');
    return s;
  }

  /**
   * Serialize into one exactly sized buffer outside Node's shared 8 KiB pool: these buffers
   * often outlive the call that made them (kept for retransmission), and a pooled slice would
   * keep its whole slab alive.
   */
  toBuffer(): Buffer {
    let head = this.startLine() + '\r\n';
    for (const h of this.headers) {
      if (canonicalName(h.name) === 'content-length') continue;
      head += h.name + ': ' + h.value + '\r\n';
    }
    head += 'Content-Length: ' + this.body.length + '\r\n\r\n';
    const headLen = Buffer.byteLength(head, 'utf8');
    const out = Buffer.allocUnsafeSlow(headLen + this.body.length);
    out.write(head, 0, 'utf8');
    if (this.body.length) this.body.copy(out, headLen);
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
