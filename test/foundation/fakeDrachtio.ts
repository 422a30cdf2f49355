import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * A minimal drachtio-server stand-in for testing the app without the engine: it speaks the
 * framing and authenticate/route exchange of the drachtio protocol (spec §1.2–1.5), can hand the
 * app an out-of-dialog request (§2.1) and records the app's `sip` replies (§2.6).
 */
export class FakeDrachtio {
  private server: Server;
  readonly sockets = new Set<Socket>();
  readonly routes = new Set<string>();
  private replies: Array<{ txnId: string; sip: string }> = [];
  private waiters: Array<() => void> = [];
  port = 0;

  constructor(private readonly secret: string) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    this.port = address.port;
    return this.port;
  }

  /** Drops every app connection and stops listening, like a crashed server. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const hash = buf.indexOf('#');
        if (hash < 0) return;
        const len = Number(buf.subarray(0, hash).toString());
        if (buf.length < hash + 1 + len) return;
        const payload = buf.subarray(hash + 1, hash + 1 + len).toString();
        buf = buf.subarray(hash + 1 + len);
        this.onFrame(socket, payload);
      }
    });
  }

  private send(socket: Socket, payload: string): void {
    socket.write(`${Buffer.byteLength(payload)}#${payload}`);
  }

  private onFrame(socket: Socket, payload: string): void {
    const crlf = payload.indexOf('\r\n');
    const leader = (crlf < 0 ? payload : payload.slice(0, crlf)).split('|');
    const [msgId, type] = leader;
    const hostports = `udp/127.0.0.1:5999,tcp/127.0.0.1:5999`;
    if (type === 'authenticate') {
      if (leader[2] === this.secret) {
        this.send(socket, `${randomUUID()}|response|${msgId}|OK|${hostports}|v0.9.10|${hostports}`);
      } else {
        this.send(socket, `${randomUUID()}|response|${msgId}|NO|incorrect secret`);
        socket.end();
      }
    } else if (type === 'route') {
      this.routes.add(leader[2]);
      this.send(socket, `${randomUUID()}|response|${msgId}|OK`);
    } else if (type === 'sip') {
      const sip = payload.slice(crlf + 2);
      this.replies.push({ txnId: leader[2], sip });
      this.send(socket, `${randomUUID()}|response|${msgId}|OK|application|${Buffer.byteLength(sip)}|udp|127.0.0.1|5998|00:00:00.000000|${leader[2]}|||Msg sent:|\r\n${sip}`);
      for (const w of this.waiters.splice(0)) w();
    } else {
      this.send(socket, `${randomUUID()}|response|${msgId}|OK`);
    }
  }

  /** Hands the app a new request from "the network" and resolves with the app's SIP response. */
  async deliver(method: string, extraHeaders: string[] = []): Promise<string> {
    const socket = [...this.sockets][0];
    if (!socket) throw new Error('no app connected');
    const txnId = randomUUID();
    const callId = `${randomUUID()}@127.0.0.1`;
    const sip = [
      `${method} sip:service@127.0.0.1:5999 SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5998;branch=z9hG4bK-${txnId};rport=5998;received=127.0.0.1`,
      `From: <sip:tester@127.0.0.1:5998>;tag=t1`,
      `To: <sip:service@127.0.0.1:5999>`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:tester@127.0.0.1:5998>`,
      `Max-Forwards: 70`,
      ...extraHeaders,
      `Content-Length: 0`,
      ``,
      ``,
    ].join('\r\n');
    const leader = `${randomUUID()}|sip|network|${Buffer.byteLength(sip)}|udp|127.0.0.1|5998|00:00:00.000000|${txnId}||127.0.0.1|5999|`;
    this.send(socket, `${leader}\r\n${sip}`);
    const deadline = Date.now() + 5000;
    for (;;) {
      const reply = this.replies.find((r) => r.txnId === txnId);
      if (reply) return reply.sip;
      if (Date.now() > deadline) throw new Error(`no reply from the app to ${method} within 5 s`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** Resolves when an app has authenticated and the number of connections is `n`. */
  async waitForConnections(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size !== n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} app connections, have ${this.sockets.size}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
