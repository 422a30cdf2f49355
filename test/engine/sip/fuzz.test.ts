/**
 * Seeded fuzzing of the parser, checkRequest and StreamFramer: nothing may throw, every input
 * gets a result, and whatever parses re-serializes to something that parses the same. A failure
 * prints the seed and case index, so it reproduces.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/engine/sip/parser.js';
import { checkRequest, checkResponse } from '../../../src/engine/sip/validate.js';
import { StreamFramer } from '../../../src/engine/sip/StreamFramer.js';
import { headersWithoutLength, invite, options, response200 } from './fixtures.js';

/** mulberry32: a tiny seeded PRNG, so that every run sees the same inputs. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const here = path.dirname(fileURLToPath(import.meta.url));
const rfcDir = [path.resolve(here, '../../../../shared/conformance/rfc4475'), '/work/shared/conformance/rfc4475'].find(existsSync);
const torture = rfcDir ? readdirSync(rfcDir).filter((f) => f.endsWith('.dat')).map((f) => readFileSync(path.join(rfcDir, f))) : [];

const SEEDS: Buffer[] = [
  invite(),
  invite({ extra: ['Require: 100rel', 'Accept: application/sdp', 'Route: <sip:[2001:db8::1];lr>'] }),
  options(),
  response200(),
  Buffer.from(
    'REGISTER sip:example.com SIP/2.0\r\nv: SIP/2.0/UDP 192.0.2.1\r\n ;branch=z9hG4bK1\r\nf: "A \\"q\\"" <sip:a@example.com>;tag=1\r\n' +
      't: sip:a@example.com\r\ni: r1\r\nCSeq: 2 REGISTER\r\nm: <sip:a@[::1]:5060>;expires=60, *\r\nl: 0\r\n\r\n',
  ),
  ...torture,
];

const INSERTS = ['\r', '\n', '\r\n', '\0', '"', ':', ';', ',', '<', '>', ' ', '\t', '\r\n ', '\r\n\r\n', '%', '@', '[', ']', '=', '\\'].map((s) => Buffer.from(s));

function mutate(rnd: () => number, src: Buffer): Buffer {
  let b = Buffer.from(src);
  const n = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) {
    const pos = Math.floor(rnd() * (b.length + 1));
    switch (Math.floor(rnd() * 6)) {
      case 0: // bit flip
        if (b.length) b[Math.min(pos, b.length - 1)] ^= 1 << Math.floor(rnd() * 8);
        break;
      case 1: // truncation
        b = b.subarray(0, pos);
        break;
      case 2: {
        // duplicate a slice
        const len = Math.floor(rnd() * 40);
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos, pos + len), b.subarray(pos)]);
        break;
      }
      case 3: {
        // insert a delimiter
        const ins = INSERTS[Math.floor(rnd() * INSERTS.length)];
        b = Buffer.concat([b.subarray(0, pos), ins, b.subarray(pos)]);
        break;
      }
      case 4: {
        // delete a slice
        const len = Math.floor(rnd() * 20);
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + len)]);
        break;
      }
      default: // random byte
        if (b.length) b[Math.min(pos, b.length - 1)] = Math.floor(rnd() * 256);
    }
  }
  return b;
}

function randomBytes(rnd: () => number): Buffer {
  const len = Math.floor(rnd() * 300);
  const b = Buffer.alloc(len);
  // Half the cases draw from SIP-ish bytes, so that some get past the start line.
  const alphabet = rnd() < 0.5 ? null : Buffer.from('SIP/2.0 INVITE sip:a@b\r\n:;,<>"=Via From To Call-ID CSeq 1 l 0\t');
  for (let i = 0; i < len; i++) b[i] = alphabet ? alphabet[Math.floor(rnd() * alphabet.length)] : Math.floor(rnd() * 256);
  return rnd() < 0.3 ? Buffer.concat([Buffer.from('INVITE sip:a@b SIP/2.0\r\n'), b]) : b;
}

/** Parse, check, and round-trip one input; returns whether it parsed. */
function exercise(input: Buffer, label: string): boolean {
  let r;
  try {
    r = parseMessage(input);
    if (r.ok) {
      if (r.msg.isRequest) checkRequest(r.msg);
      else checkResponse(r.msg);
    } else if (r.msg?.isRequest) {
      checkRequest(r.msg);
    }
  } catch (e) {
    throw new Error(`${label}: threw ${(e as Error).stack}\ninput=${JSON.stringify(input.toString('latin1'))}`);
  }
  expect(typeof r.ok, label).toBe('boolean');
  if (!r.ok) {
    expect(typeof r.reason, label).toBe('string');
    return false;
  }
  const again = parseMessage(r.msg.toBuffer(), { maxSize: 1 << 20 });
  if (!again.ok) {
    throw new Error(`${label}: round trip failed (${again.reason})\ninput=${JSON.stringify(input.toString('latin1'))}`);
  }
  expect(again.msg.startLine(), label).toBe(r.msg.startLine());
  expect(headersWithoutLength(again.msg.headers), label).toEqual(headersWithoutLength(r.msg.headers));
  expect(again.msg.body.equals(r.msg.body), label).toBe(true);
  return true;
}

describe('fuzz', () => {
  it('20,000 random byte strings: never a throw, always a result', () => {
    const seed = 0x5eed0001;
    const rnd = mulberry32(seed);
    for (let i = 0; i < 20_000; i++) exercise(randomBytes(rnd), `seed=${seed} random#${i}`);
  });

  it('20,000 mutations of valid messages: never a throw; what parses round-trips', () => {
    const seed = 0x5eed0002;
    const rnd = mulberry32(seed);
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      const src = SEEDS[Math.floor(rnd() * SEEDS.length)];
      if (exercise(mutate(rnd, src), `seed=${seed} mutation#${i}`)) parsed++;
    }
    // The mutations must leave a fair share parseable, or the round-trip check tests nothing.
    expect(parsed).toBeGreaterThan(2_000);
  });

  it('StreamFramer never throws on mutated streams in random chunks, and what it delivers is one framed message', () => {
    const seed = 0x5eed0003;
    const rnd = mulberry32(seed);
    let delivered = 0;
    for (let i = 0; i < 2_000; i++) {
      const parts: Buffer[] = [];
      const count = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < count; k++) {
        const src = SEEDS[Math.floor(rnd() * 5)];
        parts.push(rnd() < 0.5 ? src : mutate(rnd, src));
        if (rnd() < 0.3) parts.push(Buffer.from('\r\n\r\n'));
      }
      const stream = Buffer.concat(parts);
      const label = `seed=${seed} stream#${i}`;
      const out: Buffer[] = [];
      let errors = 0;
      const framer = new StreamFramer((b) => out.push(b), () => errors++, 4096);
      try {
        let pos = 0;
        while (pos < stream.length) {
          const step = 1 + Math.floor(rnd() * 200);
          framer.push(stream.subarray(pos, pos + step));
          pos += step;
        }
        for (const m of out) {
          const r = parseMessage(m, { datagram: false });
          // Framing is by Content-Length, so a delivered message never has bytes left over.
          if (r.ok) expect(r.consumed, label).toBe(m.length);
        }
      } catch (e) {
        throw new Error(`${label}: ${(e as Error).message}`);
      }
      expect(errors, label).toBeLessThanOrEqual(1);
      delivered += out.length;
    }
    expect(delivered).toBeGreaterThan(1_000);
  });
});
