/**
 * The RFC 4475 torture messages sent over real UDP to a running engine with a drachtio-srf app
 * behind it: what a peer gets back (a status, or nothing), and that the engine keeps serving.
 * Parser-level expectations live in test/engine/sip/; this proves the wired-up engine.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Srf from 'drachtio-srf';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { silentLogger } from '../../src/logger.js';
import { freePort } from '../support/ports.js';
import { connectSrf, disconnect } from '../support/srf.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const candidates = [path.resolve(here, '../../../shared/conformance/rfc4475'), '/work/shared/conformance/rfc4475'];
const DIR = candidates.find((d) => fs.existsSync(d)) ?? candidates[0];

/**
 * What the peer receives. 'app' = the request reached the app, which answers 480 (a code the engine never uses here) so that we can
 * tell its answers from the engine's. A number = the engine answers that itself. 'none' = nothing
 * comes back (responses, and messages that must be discarded).
 */
const EXPECTED: Record<string, 'app' | 'none' | number | number[]> = {
  'wsinv.dat': 481, // valid, but it carries a To tag for a dialog that does not exist
  'intmeth.dat': 405, // unknown method, valid syntax (RFC 4475 §3.1.1.2: 405/501 is fine)
  'esc01.dat': 'app',
  'escnull.dat': 'app',
  'esc02.dat': 405, // RE%47IST%45R is an unknown method
  'lwsdisp.dat': 'app',
  'longreq.dat': 'app',
  'dblreq.dat': 'app',
  'semiuri.dat': 'app',
  'transports.dat': 'app',
  'mpart01.dat': 'app',
  'unreason.dat': 'none',
  'noreason.dat': 'none',
  'badinv01.dat': 400,
  'clerr.dat': [400, -1], // §3.1.2.2: 400, or discard over UDP
  'ncl.dat': 400,
  'scalar02.dat': 400,
  'scalarlg.dat': 'none',
  'quotbal.dat': 400,
  'ltgtruri.dat': 400,
  'lwsruri.dat': 400,
  'lwsstart.dat': [400, -1],
  'trws.dat': [400, -1],
  'escruri.dat': [400, 480, -1],
  'baddate.dat': [480, 400],
  'regbadct.dat': [480, 400],
  'badaspec.dat': 400,
  'baddn.dat': 400,
  'badvers.dat': 505,
  'mismatch01.dat': 400,
  'mismatch02.dat': 400,
  'bigcode.dat': 'none',
  'badbranch.dat': 'app',
  'insuf.dat': [400, -1], // no Via/Call-ID: 400 where a response can be addressed, else dropped
  'unkscm.dat': 416,
  'novelsc.dat': 416,
  'unksm2.dat': 'app',
  'bext01.dat': 420,
  'invut.dat': 415,
  'regaut01.dat': 'app', // the registrar (an app) challenges, not the engine
  'multi01.dat': 400,
  'mcl01.dat': 400,
  'bcast.dat': 'none',
  'zeromf.dat': 'app', // a UAS processes Max-Forwards: 0; only forwarding is refused
  'cparam01.dat': 'app',
  'cparam02.dat': 'app',
  'regescrt.dat': [480, 400],
  'sdp01.dat': 406,
  'inv2543.dat': 'app',
};

let engine: Engine;
let srf: Srf | undefined;
let sipPort: number;
const client = dgram.createSocket('udp4');
const received: string[] = [];

/**
 * A fresh engine and app for each message: several torture messages share a Via branch and
 * sent-by, so one engine would rightly treat them as retransmissions of each other (RFC 3261
 * §17.2.3) and answer with the earlier message's response.
 */
async function startEngine(): Promise<void> {
  sipPort = await freePort();
  const control = await freePort();
  engine = new Engine({
    sip: [{ protocol: 'udp', host: '127.0.0.1', port: sipPort }],
    control: { host: '127.0.0.1', port: control, secret: 'torture' },
    logger: silentLogger(),
  });
  await engine.start();
  const app = await connectSrf(control, 'torture');
  srf = app;
  const answer = (_req: unknown, res: { send: (s: number, r: string) => void }) => res.send(480, 'App Saw It');
  for (const m of ['invite', 'register', 'options', 'message', 'info', 'notify', 'subscribe', 'publish'] as const) {
    (app as unknown as Record<string, (fn: typeof answer) => void>)[m](answer);
  }
  // The routes reach the engine right after connect; wait until they are in.
  for (let i = 0; i < 50 && engine.stats().apps === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
}

async function stopEngine(): Promise<void> {
  if (srf) disconnect(srf);
  srf = undefined;
  await engine?.stop();
}

beforeAll(async () => {
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  client.on('message', (b) => received.push(b.toString('latin1')));
});

afterAll(async () => {
  client.close();
  await stopEngine();
});

function callIdOf(text: string): string | undefined {
  return /^(?:call-id|i)[ \t]*:[ \t]*(\S+)/im.exec(text)?.[1];
}

/**
 * Send one datagram and collect the final responses to it (same Call-ID) that come back within
 * the window; retransmissions of earlier answers are not counted.
 */
async function exchange(bytes: Buffer, windowMs = 400): Promise<number[]> {
  received.length = 0;
  const callId = callIdOf(bytes.toString('latin1'));
  client.send(bytes, sipPort, '127.0.0.1');
  await new Promise((r) => setTimeout(r, windowMs));
  const seen = new Set<string>();
  return received
    .filter((m) => callIdOf(m) === callId)
    .filter((m) => !seen.has(m) && seen.add(m) !== undefined)
    .map((m) => /^SIP\/2\.0 (\d{3})/.exec(m)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .filter((s) => s >= 200);
}

describe('RFC 4475 torture messages against the running engine', () => {
  beforeEach(startEngine);
  afterEach(stopEngine);
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.dat')).sort();

  it('covers every message in the conformance folder', () => {
    expect(files.length).toBeGreaterThanOrEqual(49);
    expect(files.filter((f) => !(f in EXPECTED))).toEqual([]);
  });

  it.each(files)('%s gets the expected answer', async (file) => {
    const bytes = fs.readFileSync(path.join(DIR, file));
    const got = await exchange(bytes);
    const exp = EXPECTED[file];
    const first = got[0] ?? -1;
    if (exp === 'none') expect(got).toEqual([]);
    else if (exp === 'app') expect(first).toBe(480);
    else if (Array.isArray(exp)) expect(exp).toContain(first);
    else expect(first).toBe(exp);
  });

  it('still answers a well-formed OPTIONS after all of them', async () => {
    const opt = Buffer.from(
      'OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKprobe1\r\n' +
        'From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: probe-1\r\nCSeq: 1 OPTIONS\r\n' +
        'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
    );
    expect(await exchange(opt)).toEqual([480]);
  });
});

describe('hostile input over UDP', () => {
  beforeAll(startEngine);
  afterAll(stopEngine);
  it('survives random and mutated datagrams and keeps serving', async () => {
    // Seeded PRNG so that a failure reproduces.
    let seed = 0x5eed;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const base = Buffer.from(
      'INVITE sip:fuzz@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKfuzz\r\n' +
        'From: "F" <sip:f@127.0.0.1>;tag=9\r\nTo: <sip:fuzz@127.0.0.1>\r\nCall-ID: fuzz\r\nCSeq: 1 INVITE\r\n' +
        'Contact: <sip:f@127.0.0.1:9>\r\nMax-Forwards: 70\r\nContent-Length: 4\r\n\r\nv=0\n',
    );
    for (let i = 0; i < 2000; i++) {
      let b: Buffer;
      if (i % 2 === 0) {
        b = Buffer.alloc(1 + Math.floor(rnd() * 600));
        for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
      } else {
        b = Buffer.from(base);
        for (let k = 0; k < 1 + Math.floor(rnd() * 8); k++) b[Math.floor(rnd() * b.length)] = [0, 10, 13, 34, 58, 59, 60, 62, 44][Math.floor(rnd() * 9)];
        b = b.subarray(0, Math.max(1, Math.floor(rnd() * b.length * 1.2)));
      }
      client.send(b, sipPort, '127.0.0.1');
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    const opt = Buffer.from(
      'OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKprobe2\r\n' +
        'From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: probe-2\r\nCSeq: 1 OPTIONS\r\n' +
        'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
    );
    expect(await exchange(opt, 600)).toEqual([480]);
    expect(engine.stats().malformed).toBeGreaterThan(100);
  });

  it('refuses an oversize datagram without answering and keeps serving', async () => {
    const big = Buffer.alloc(70_000, 0x41);
    // A single UDP datagram over 65,507 bytes cannot be sent; send the largest one allowed.
    const got = await exchange(big.subarray(0, 65_000));
    expect(got).toEqual([]);
  });
});
