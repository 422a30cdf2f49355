/**
 * Cuts a TCP byte stream into SIP messages (RFC 3261 §18.3): the head ends at the first empty
 * line, the body is Content-Length bytes (mandatory on streams). CRLFs between messages are
 * keep-alives (RFC 5626 §3.5.1) and are skipped. After an error the framer stops: the stream
 * cannot be re-synchronised, so the caller closes the connection.
 */

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** A SIP start line, loosely: `METHOD uri SIP/…` or `SIP/… code …`; the parser judges the details. */
const START_LINE = /^(?:[!-~]+ [^ ]+ SIP\/|SIP\/)/;
/** Longest first line we wait for before deciding the peer does not speak SIP. */
const MAX_START_LINE = 8192;

export class StreamFramer {
  /** Called when a CRLFCRLF ping was skipped, so the transport can answer with a CRLF pong (RFC 5626 §4.4.1). */
  onKeepAlive?: () => void;

  private buf: Buffer;
  private start = 0;
  private end = 0;
  /** Where to resume looking for CRLFCRLF, so that byte-by-byte input stays linear. */
  private scanFrom = 0;
  /** Total length of the message being collected, once its head has been read. */
  private expected = -1;
  private stopped = false;
  /** The current message's first line has been seen and looks like SIP. */
  private startChecked = false;

  constructor(
    private readonly onMessage: (buf: Buffer) => void,
    private readonly onError: (reason: string) => void,
    private readonly maxSize = 65535,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(4096, maxSize + 4));
  }

  /** True once an error was reported; later input is ignored. */
  get failed(): boolean {
    return this.stopped;
  }

  push(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) return;
    this.append(chunk);
    while (!this.stopped && this.next()) {
      // next() delivered one message; look for another in what is left.
    }
  }

  private append(chunk: Buffer): void {
    const live = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      if (live + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        let cap = this.buf.length * 2;
        while (cap < live + chunk.length) cap *= 2;
        const nb = Buffer.allocUnsafe(cap);
        this.buf.copy(nb, 0, this.start, this.end);
        this.buf = nb;
      }
      this.scanFrom = Math.max(0, this.scanFrom - this.start);
      this.end = live;
      this.start = 0;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  private fail(reason: string): void {
    this.stopped = true;
    this.start = this.end = this.scanFrom = 0;
    this.buf = Buffer.alloc(0);
    this.onError(reason);
  }

  /** Deliver at most one message; false when more bytes are needed (or after an error). */
  private next(): boolean {
    if (this.expected < 0) {
      // Skip keep-alive CRLFs before a message.
      const skipFrom = this.start;
      while (this.start < this.end && (this.buf[this.start] === 0x0d || this.buf[this.start] === 0x0a)) this.start++;
      if (this.start - skipFrom >= 4 && this.onKeepAlive) this.onKeepAlive();
      if (this.scanFrom < this.start) this.scanFrom = this.start;
      if (this.start === this.end) {
        this.start = this.end = this.scanFrom = 0;
        return false;
      }
      // Not SIP at all (TLS to the TCP port, HTTP, binary noise): say so at the first line
      // rather than buffering until the size limit or the idle timeout.
      if (!this.startChecked) {
        const nl = this.buf.indexOf(0x0a, this.start);
        if (nl < 0 || nl >= this.end) {
          if (this.end - this.start > MAX_START_LINE) this.fail('no SIP start line');
          return false;
        }
        if (!START_LINE.test(this.buf.toString('latin1', this.start, Math.min(nl, this.start + 64)))) {
          this.fail('not a SIP start line');
          return false;
        }
        this.startChecked = true;
      }
      const from = Math.max(this.start, this.scanFrom - 3);
      const idx = this.buf.indexOf(CRLFCRLF, from);
      if (idx < 0 || idx >= this.end) {
        this.scanFrom = this.end;
        if (this.end - this.start > this.maxSize) this.fail('message too large');
        return false;
      }
      const headLen = idx + 4 - this.start;
      if (headLen > this.maxSize) {
        this.fail('message too large');
        return false;
      }
      const cl = contentLength(this.buf.toString('latin1', this.start, idx));
      if (typeof cl === 'string') {
        this.fail(cl);
        return false;
      }
      if (headLen + cl > this.maxSize) {
        this.fail('message too large');
        return false;
      }
      this.expected = headLen + cl;
    }
    if (this.end - this.start < this.expected) return false;
    // A copy: the internal buffer is reused, and the message may outlive this call.
    const msg = Buffer.from(this.buf.subarray(this.start, this.start + this.expected));
    this.start += this.expected;
    this.scanFrom = this.start;
    this.expected = -1;
    this.startChecked = false;
    if (this.start === this.end) this.start = this.end = this.scanFrom = 0;
    this.onMessage(msg);
    return true;
  }
}

/** The Content-Length of a head (folded lines and compact `l` allowed), or why there is none. */
function contentLength(head: string): number | string {
  let found: number | undefined;
  let current = '';
  let value = '';
  const finish = (): string | undefined => {
    if (current !== 'content-length' && current !== 'l') return undefined;
    const v = value.trim();
    if (!/^[0-9]{1,9}$/.test(v)) return 'malformed Content-Length';
    const n = Number(v);
    if (found !== undefined && found !== n) return 'multiple Content-Length values';
    found = n;
    return undefined;
  };
  for (const raw of head.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      value += ' ' + line;
      continue;
    }
    const err = finish();
    if (err) return err;
    const colon = line.indexOf(':');
    current = colon < 0 ? '' : line.slice(0, colon).trim().toLowerCase();
    value = colon < 0 ? '' : line.slice(colon + 1);
  }
  const err = finish();
  if (err) return err;
  return found ?? 'missing Content-Length';
}
