import { describe, expect, it } from 'vitest';
import { StreamFramer } from '../../../src/engine/sip/StreamFramer.js';
import { parseMessage } from '../../../src/engine/sip/parser.js';
import { invite, options } from './fixtures.js';

function collect(maxSize?: number) {
  const messages: Buffer[] = [];
  const errors: string[] = [];
  let pings = 0;
  const framer = new StreamFramer((b) => messages.push(b), (r) => errors.push(r), maxSize);
  framer.onKeepAlive = () => pings++;
  return { framer, messages, errors, pings: () => pings };
}

describe('StreamFramer', () => {
  it('delivers several messages from one chunk, each byte-exact', () => {
    const a = invite();
    const b = options('x@1', 2);
    const c = options('y@1', 3);
    const { framer, messages, errors } = collect();
    framer.push(Buffer.concat([a, b, c]));
    expect(errors).toEqual([]);
    expect(messages.map((m) => m.toString())).toEqual([a.toString(), b.toString(), c.toString()]);
    for (const m of messages) expect(parseMessage(m, { datagram: false }).ok).toBe(true);
  });

  it('assembles a message pushed one byte at a time', () => {
    const a = invite();
    const { framer, messages, errors } = collect();
    for (let i = 0; i < a.length; i++) {
      framer.push(a.subarray(i, i + 1));
      if (i < a.length - 1) expect(messages).toHaveLength(0);
    }
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(1);
    expect(messages[0].equals(a)).toBe(true);
  });

  it.each([
    ['inside the Content-Length header', (s: string) => s.indexOf('Content-Length: ') + 10],
    ['inside the Content-Length value', (s: string) => s.indexOf('Content-Length: ') + 17],
    ['between CRLF and CRLF', (s: string) => s.indexOf('\r\n\r\n') + 2],
    ['after the first CR of the empty line', (s: string) => s.indexOf('\r\n\r\n') + 3],
    ['inside the body', (s: string) => s.indexOf('\r\n\r\n') + 10],
  ])('handles a split %s, followed by the next message in the same chunk', (_l, at) => {
    const a = invite();
    const b = options();
    const cut = at(a.toString('latin1'));
    const { framer, messages, errors } = collect();
    framer.push(a.subarray(0, cut));
    expect(messages).toHaveLength(0);
    framer.push(Buffer.concat([a.subarray(cut), b]));
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(2);
    expect(messages[0].equals(a)).toBe(true);
    expect(messages[1].equals(b)).toBe(true);
  });

  it('skips keep-alive CRLFs between and before messages and reports pings', () => {
    const b = options();
    const { framer, messages, errors, pings } = collect();
    framer.push(Buffer.from('\r\n\r\n'));
    framer.push(Buffer.concat([b, Buffer.from('\r\n'), b, Buffer.from('\r\n\r\n')]));
    framer.push(b);
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(3);
    for (const m of messages) expect(m.equals(b)).toBe(true);
    expect(pings()).toBe(2);
  });

  it('stops with an error when a message has no Content-Length', () => {
    const noCl = Buffer.from(options().toString().replace('Content-Length: 0\r\n', ''));
    const { framer, messages, errors } = collect();
    framer.push(noCl);
    framer.push(options());
    expect(errors).toEqual(['missing Content-Length']);
    expect(messages).toHaveLength(0);
    expect(framer.failed).toBe(true);
  });

  it('reports a malformed Content-Length', () => {
    const bad = Buffer.from(options().toString().replace('Content-Length: 0', 'Content-Length: -5'));
    const { framer, errors } = collect();
    framer.push(bad);
    expect(errors).toEqual(['malformed Content-Length']);
  });

  it('finds a compact and folded Content-Length', () => {
    const text = options().toString().replace('Content-Length: 0', 'l:\r\n 4') + 'body';
    const { framer, messages, errors } = collect();
    framer.push(Buffer.from(text));
    expect(errors).toEqual([]);
    expect(messages[0].toString().endsWith('body')).toBe(true);
  });

  it('refuses a head that grows past maxSize without an empty line', () => {
    const { framer, errors, messages } = collect(1000);
    const line = Buffer.from('X-Filler: ' + 'a'.repeat(88) + '\r\n');
    framer.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n'));
    for (let i = 0; i < 20 && errors.length === 0; i++) framer.push(line);
    expect(errors).toEqual(['message too large']);
    expect(messages).toHaveLength(0);
    framer.push(options());
    expect(messages).toHaveLength(0);
  });

  it('refuses a Content-Length that would exceed maxSize before reading the body', () => {
    const big = Buffer.from(options().toString().replace('Content-Length: 0', 'Content-Length: 5000'));
    const { framer, errors } = collect(2000);
    framer.push(big);
    expect(errors).toEqual(['message too large']);
  });

  it('accepts a message of exactly maxSize', () => {
    const a = invite();
    const { framer, messages, errors } = collect(a.length);
    framer.push(a);
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(1);
  });

  it('keeps working across many messages pushed in uneven chunks', () => {
    const msgs = Array.from({ length: 50 }, (_, i) => (i % 2 ? invite() : options('c' + i, i + 1)));
    const all = Buffer.concat(msgs);
    const { framer, messages, errors } = collect();
    let pos = 0;
    let step = 1;
    while (pos < all.length) {
      framer.push(all.subarray(pos, pos + step));
      pos += step;
      step = (step * 7 + 3) % 977 || 1;
    }
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(50);
    messages.forEach((m, i) => expect(m.equals(msgs[i])).toBe(true));
  });
});
