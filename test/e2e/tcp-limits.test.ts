import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, within, type Rig } from './harness.js';

/*
 * SIP over a raw TCP connection (RFC 3261 §18.3): the engine frames a byte stream by the blank
 * line and Content-Length, whatever the segmenting, and drops a connection whose stream it
 * cannot or will not frame, without harm to anyone else.
 */

/** A TCP connection to the engine that collects the SIP messages it receives. */
interface StreamPeer {
  socket: Socket;
  localPort: number;
  /** Complete messages received so far. */
  messages: string[];
  /** Resolves when the connection is closed (by either side). */
  closed: Promise<void>;
  /** Resolves once `count` messages have arrived. */
  received(count: number): Promise<string[]>;
}

function openStream(port: number): Promise<StreamPeer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    let pending = '';
    const messages: string[] = [];
    const waiters: Array<{ count: number; done: (m: string[]) => void }> = [];
    const closed = new Promise<void>((res) => socket.once('close', () => res()));
    // The engine may reset a connection we are still writing to; that is what some tests expect.
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (;;) {
        pending = pending.replace(/^(\r\n)+/, '');
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) break;
        const length = Number(/^(?:Content-Length|l)[ \t]*:[ \t]*(\d+)/im.exec(pending.slice(0, end))?.[1] ?? 0);
        if (pending.length < end + 4 + length) break;
        messages.push(pending.slice(0, end + 4 + length));
        pending = pending.slice(end + 4 + length);
      }
      for (const w of waiters.filter((w) => messages.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(messages.slice(0, w.count));
      }
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({
        socket,
        localPort: socket.localPort ?? 0,
        messages,
        closed,
        received: (count) =>
          new Promise((done) => (messages.length >= count ? done(messages.slice(0, count)) : waiters.push({ count, done }))),
      });
    });
  });
}

function options(enginePort: number, localPort: number, callId: string, body = ''): string {
  return [
    `OPTIONS sip:ping@127.0.0.1:${enginePort} SIP/2.0`,
    `Via: SIP/2.0/TCP 127.0.0.1:${localPort};branch=z9hG4bK-${callId}`,
    'Max-Forwards: 70',
    `From: <sip:tester@127.0.0.1>;tag=${callId.slice(0, 8)}`,
    `To: <sip:ping@127.0.0.1:${enginePort}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    `Contact: <sip:tester@127.0.0.1:${localPort};transport=tcp>`,
    ...(body ? ['Content-Type: text/plain'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function header(text: string | undefined, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*?)\\s*$`, 'mi').exec(text ?? '')?.[1];
}

describe('SIP over TCP: framing and limits', () => {
  let rig: Rig;
  /** Call-IDs of the OPTIONS the app was handed. */
  const seen: string[] = [];

  beforeAll(async () => {
    rig = await startRig();
    rig.srf.use('options', (req, res) => {
      seen.push(req.get('Call-ID'));
      res.send(200);
    });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  /** A fresh connection still gets an OPTIONS answered: the engine and the app are fine. */
  async function stillServing(): Promise<void> {
    const peer = await openStream(rig.sipPort);
    const callId = randomUUID();
    peer.socket.write(options(rig.sipPort, peer.localPort, callId));
    const [answer] = await within(peer.received(1), 2000, 'answer on a new connection');
    expect(answer).toMatch(/^SIP\/2\.0 200 /);
    expect(header(answer, 'Call-ID')).toBe(callId);
    peer.socket.destroy();
  }

  it('answers a request that arrives one byte at a time', async () => {
    const peer = await openStream(rig.sipPort);
    const callId = randomUUID();
    const bytes = Buffer.from(options(rig.sipPort, peer.localPort, callId));
    for (const byte of bytes) {
      await new Promise<void>((resolve, reject) => peer.socket.write(Buffer.of(byte), (err) => (err ? reject(err) : resolve())));
      // Let the engine read what arrived so far before the next byte.
      await new Promise((resolve) => setImmediate(resolve));
    }

    const [answer] = await within(peer.received(1), 2000, 'answer to the byte-wise OPTIONS');
    expect(answer).toMatch(/^SIP\/2\.0 200 /);
    expect(header(answer, 'Call-ID')).toBe(callId);
    expect(header(answer, 'CSeq')).toBe('1 OPTIONS');
    expect(seen).toContain(callId);
    peer.socket.destroy();
  });

  it('answers both requests when two arrive in one write', async () => {
    const peer = await openStream(rig.sipPort);
    const first = randomUUID();
    const second = randomUUID();
    peer.socket.write(options(rig.sipPort, peer.localPort, first) + options(rig.sipPort, peer.localPort, second, 'with a body'));

    const answers = await within(peer.received(2), 2000, 'answers to both OPTIONS');
    expect(answers.every((a) => a.startsWith('SIP/2.0 200 '))).toBe(true);
    expect(answers.map((a) => header(a, 'Call-ID')).sort()).toEqual([first, second].sort());
    expect(seen).toEqual(expect.arrayContaining([first, second]));
    peer.socket.destroy();
  });

  it('drops the connection of a peer announcing a 200 000-byte message, and keeps serving others', async () => {
    const peer = await openStream(rig.sipPort);
    const callId = randomUUID();
    peer.socket.write(options(rig.sipPort, peer.localPort, callId, 'x'.repeat(200_000)));

    await within(peer.closed, 2000, 'the engine closing the connection');
    expect(peer.messages).toEqual([]);
    expect(seen).not.toContain(callId);
    await stillServing();
  });

  it('drops the connection of a peer that speaks something other than SIP', async () => {
    const peer = await openStream(rig.sipPort);
    peer.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8.0\r\n\r\n');

    await within(peer.closed, 2000, 'the engine closing the connection');
    expect(peer.messages).toEqual([]);
    await stillServing();
  });

  it('drops a peer at its first line when that line is not SIP (e.g. TLS to the TCP port)', async () => {
    const peer = await openStream(rig.sipPort);
    // A TLS ClientHello-like start, then a line break: no blank line ever follows.
    peer.socket.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]), Buffer.from('\r\n')]));

    await within(peer.closed, 2000, 'the engine closing the connection');
    expect(peer.messages).toEqual([]);
    await stillServing();
  });

  it('drops a peer that sends kilobytes without a single line break', async () => {
    const peer = await openStream(rig.sipPort);
    peer.socket.write(Buffer.alloc(9000, 0x41));

    await within(peer.closed, 2000, 'the engine closing the connection');
    await stillServing();
  });
});
