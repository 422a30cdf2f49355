/**
 * Engine behaviour that involves several apps or a phone's own TCP connection: round-robin
 * between apps, 503 when no app is there, and reaching a phone over the connection it
 * registered on (drachtio spec §3.3, §3.10). Real sockets on 127.0.0.1, real drachtio-srf.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type Srf from 'drachtio-srf';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { silentLogger } from '../../src/logger.js';
import { freePort } from '../support/ports.js';
import { connectSrf, disconnect } from '../support/srf.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function engineOn(): Promise<{ engine: Engine; sip: number; control: number }> {
  const sip = await freePort();
  const control = await freePort();
  const engine = new Engine({
    sip: [
      { protocol: 'udp', host: '127.0.0.1', port: sip },
      { protocol: 'tcp', host: '127.0.0.1', port: sip },
    ],
    control: { host: '127.0.0.1', port: control, secret: 'apps' },
    logger: silentLogger(),
  });
  await engine.start();
  cleanups.push(() => engine.stop());
  return { engine, sip, control };
}

async function app(control: number): Promise<Srf> {
  const srf = await connectSrf(control, 'apps');
  cleanups.push(() => disconnect(srf));
  return srf;
}

function options(n: number, transport = 'UDP', port = 9): string {
  return (
    `OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/${transport} 127.0.0.1:${port};branch=z9hG4bKrr${n}x${Date.now()}\r\n` +
    `From: <sip:t@127.0.0.1>;tag=f${n}\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: rr-${n}-${Date.now()}\r\nCSeq: 1 OPTIONS\r\n` +
    'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n'
  );
}

async function udpClient(): Promise<{ send(text: string, port: number): void; statuses: () => string[]; messages: () => string[] }> {
  const sock = dgram.createSocket('udp4');
  const got: string[] = [];
  sock.on('message', (b) => got.push(b.toString()));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => sock.close());
  return {
    send: (text, port) => sock.send(text, port, '127.0.0.1'),
    statuses: () => got.map((m) => m.split('\r\n')[0]),
    messages: () => got,
  };
}

const until = async (cond: () => boolean, ms = 3000) => {
  for (let t = 0; t < ms && !cond(); t += 20) await new Promise((r) => setTimeout(r, 20));
};

describe('several apps on one engine', () => {
  it('shares new requests round-robin between the apps registered for the method', async () => {
    const { sip, control } = await engineOn();
    const seen = { a: 0, b: 0, c: 0 };
    for (const name of ['a', 'b', 'c'] as const) {
      const srf = await app(control);
      srf.use('options', (_req, res) => {
        seen[name]++;
        res.send(200);
      });
    }
    await new Promise((r) => setTimeout(r, 100));
    const client = await udpClient();
    for (let i = 0; i < 6; i++) client.send(options(i), sip);
    await until(() => client.statuses().length >= 6);
    expect(client.statuses()).toEqual(Array(6).fill('SIP/2.0 200 OK'));
    expect(seen).toEqual({ a: 2, b: 2, c: 2 });
  });

  it('answers 503 once the only app for a method has gone, and routes again when one returns', async () => {
    const { sip, control } = await engineOn();
    const first = await app(control);
    first.use('options', (_req, res) => res.send(200));
    await new Promise((r) => setTimeout(r, 100));
    const client = await udpClient();
    client.send(options(1), sip);
    await until(() => client.statuses().length >= 1);
    disconnect(first);
    await new Promise((r) => setTimeout(r, 100));
    client.send(options(2), sip);
    await until(() => client.statuses().length >= 2);
    const second = await app(control);
    second.use('options', (_req, res) => res.send(200));
    await new Promise((r) => setTimeout(r, 100));
    client.send(options(3), sip);
    await until(() => client.statuses().length >= 3);
    expect(client.statuses()).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 503 Service Unavailable', 'SIP/2.0 200 OK']);
    // RFC 3261 §21.5.4: the 503 tells the sender when to try again; the 200s say nothing of it.
    expect(client.messages().map((m) => /\r\nRetry-After: *(\d+)\r\n/i.exec(m)?.[1])).toEqual([undefined, '5', undefined]);
  });

  it('drops requests from known scanners before any app sees them, without a word back', async () => {
    const { engine, sip, control } = await engineOn();
    let seen = 0;
    const srf = await app(control);
    srf.use('options', (_req, res) => {
      seen++;
      res.send(200);
    });
    await new Promise((r) => setTimeout(r, 100));
    const client = await udpClient();
    client.send(options(1).replace('Max-Forwards: 70', 'User-Agent: friendly-scanner\r\nMax-Forwards: 70'), sip);
    client.send(options(2).replace('To: <sip:ping@', 'To: <sip:sipvicious@'), sip);
    client.send(options(3), sip);
    await until(() => client.statuses().length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(client.statuses()).toEqual(['SIP/2.0 200 OK']);
    expect(seen).toBe(1);
    expect(engine.stats().scannersDropped).toBe(2);
  });

  it('refuses an app with the wrong secret', async () => {
    const { control } = await engineOn();
    await expect(connectSrf(control, 'wrong', 2000)).rejects.toThrow();
  });
});

describe('phones registered over TCP', () => {
  it('reaches the phone over the connection it registered on, even when its Contact is unreachable', async () => {
    const { sip, control } = await engineOn();
    const srf = await app(control);
    srf.use('register', (_req, res) => res.send(200, { headers: { Contact: '<sip:alice@127.0.0.1:1;transport=tcp>;expires=300' } }));
    await new Promise((r) => setTimeout(r, 100));

    const phone = net.connect(sip, '127.0.0.1');
    cleanups.push(() => phone.destroy());
    let data = '';
    phone.on('data', (b) => (data += b.toString()));
    await new Promise<void>((r) => phone.once('connect', () => r()));
    // Port 1 in the Contact: nothing listens there, so only the open connection can work.
    phone.write(
      `REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKreg1\r\n` +
        'From: <sip:alice@127.0.0.1>;tag=r1\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: reg-tcp-1\r\nCSeq: 1 REGISTER\r\n' +
        'Contact: <sip:alice@127.0.0.1:1;transport=tcp>\r\nExpires: 300\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
    );
    await until(() => data.includes('SIP/2.0 200'));
    expect(data).toMatch(/^SIP\/2\.0 200 OK/);

    // srf's bundled typings do not describe request(uri, opts, callback); its JS does.
    type Sent = { on(ev: 'response', cb: (res: { status: number }) => void): void };
    const request = (srf as unknown as { request(uri: string, opts: object, cb: (err: Error | null, req: Sent) => void): void }).request.bind(srf);
    const reply = new Promise<number>((resolve, reject) => {
      request('sip:alice@127.0.0.1:1;transport=tcp', { method: 'OPTIONS' }, (err, req) => {
        if (err) return reject(err);
        req.on('response', (res) => resolve(res.status));
      });
    });
    await until(() => data.includes('OPTIONS sip:alice@127.0.0.1:1'));
    const opt = data.slice(data.indexOf('OPTIONS sip:alice'));
    expect(opt).toMatch(/^Via: SIP\/2\.0\/TCP /m);
    // The phone answers on the same connection.
    const via = /^Via: (.*)$/m.exec(opt)?.[1] ?? '';
    const callId = /^Call-ID: (.*)$/m.exec(opt)?.[1] ?? '';
    const from = /^From: (.*)$/m.exec(opt)?.[1] ?? '';
    const to = /^To: (.*)$/m.exec(opt)?.[1] ?? '';
    const cseq = /^CSeq: (.*)$/m.exec(opt)?.[1] ?? '';
    phone.write(`SIP/2.0 200 OK\r\nVia: ${via}\r\nFrom: ${from}\r\nTo: ${to};tag=ph\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`);
    expect(await reply).toBe(200);
  });

  it('answers a CRLF keep-alive ping on a TCP connection with a pong (RFC 5626)', async () => {
    const { sip } = await engineOn();
    const phone = net.connect(sip, '127.0.0.1');
    cleanups.push(() => phone.destroy());
    let data = '';
    phone.on('data', (b) => (data += b.toString()));
    await new Promise<void>((r) => phone.once('connect', () => r()));
    phone.write('\r\n\r\n');
    await until(() => data.length > 0);
    expect(data).toBe('\r\n');
  });
});
