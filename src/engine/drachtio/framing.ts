/**
 * drachtio control-connection framing (spec §1.2): `<decimal byte length>#<payload>`, no
 * separator between frames. The length counts UTF-8 bytes. A length prefix with a non-digit or
 * with 6 or more digits is a protocol error: drachtio-server closes the connection; so do we,
 * except that we accept up to 7 digits (an emulator "should accept any reasonable size": large
 * SDP bodies from apps).
 */

const HASH = 0x23;
const MAX_DIGITS = 7;

export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onFrame: (payload: string) => void,
    private readonly onError: (reason: string) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let offset = 0;
    const buf = this.buf;
    for (;;) {
      const hash = buf.indexOf(HASH, offset);
      if (hash < 0) {
        if (buf.length - offset > MAX_DIGITS) return this.fail('length prefix too long or missing #');
        break;
      }
      const digits = hash - offset;
      if (digits === 0 || digits > MAX_DIGITS) return this.fail('invalid length prefix');
      let len = 0;
      for (let i = offset; i < hash; i++) {
        const d = buf[i] - 0x30;
        if (d < 0 || d > 9) return this.fail('non-digit in length prefix');
        len = len * 10 + d;
      }
      if (len <= 0) return this.fail('zero length frame');
      const start = hash + 1;
      if (buf.length - start < len) break;
      const payload = buf.toString('utf8', start, start + len);
      offset = start + len;
      this.onFrame(payload);
      if (this.buf !== buf) return; // reset() was called by the handler
    }
    this.buf = offset === buf.length ? Buffer.alloc(0) : buf.subarray(offset);
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }

  private fail(reason: string): void {
    this.buf = Buffer.alloc(0);
    this.onError(reason);
  }
}

/**
 * One frame as a string, for socket.write (which encodes it as UTF-8): one string instead of
 * three buffers per frame, and the socket's writev sends a batch of them in one system call.
 */
export function encodeFrame(payload: string): string {
  return Buffer.byteLength(payload, 'utf8') + '#' + payload;
}
