import net from 'node:net';
import type { Logger } from '../../logger.js';
import { StreamFramer } from '../sip/StreamFramer.js';
import type { LocalTransport, Peer } from './TransportTypes.js';
import { stripBrackets } from './UdpTransport.js';

/** Connections idle this long are closed (RFC 5626 keep-alives or traffic keep them open). */
const IDLE_MS = 15 * 60_000;
const MAX_MESSAGE = 65_535;

interface Conn {
  socket: net.Socket;
  key: string;
  ready: Promise<void>;
}

/**
 * SIP over TCP: one listening socket, and a table of open connections keyed by the remote
 * address:port, shared by inbound and outbound use so that responses and later requests reuse
 * the connection a peer opened (RFC 3261 §18.2.2, §18.1.1).
 */
export class TcpTransport {
  readonly local: LocalTransport;
  private server: net.Server | undefined;
  private readonly conns = new Map<string, Conn>();

  constructor(
    host: string,
    port: number,
    advertisedHost: string,
    private readonly onStreamMessage: (buf: Buffer, source: Peer, local: LocalTransport) => void,
    private readonly logger: Logger,
  ) {
    this.local = { protocol: 'tcp', host, port, advertisedHost };
  }

  async listen(): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => {
      const key = keyOf(socket.remoteAddress ?? '', socket.remotePort ?? 0);
      this.adopt(socket, key, Promise.resolve());
    });
    this.server = server;
    server.on('error', (err) => this.logger.warn({ err: err.message }, 'tcp server error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.local.port, this.local.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as net.AddressInfo;
    (this.local as { port: number }).port = addr.port;
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  async send(data: Buffer | string, to: Peer): Promise<void> {
    const host = stripBrackets(to.host);
    const key = keyOf(host, to.port);
    let conn = this.conns.get(key);
    if (!conn) {
      const socket = net.connect({ host, port: to.port, noDelay: true });
      const ready = new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      conn = this.adopt(socket, key, ready);
    }
    await conn.ready;
    if (conn.socket.destroyed) throw new Error('connection closed');
    conn.socket.write(data);
  }

  private adopt(socket: net.Socket, key: string, ready: Promise<void>): Conn {
    const conn: Conn = { socket, key, ready };
    ready.catch(() => undefined);
    this.conns.set(key, conn);
    socket.setKeepAlive(true, 45_000);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    const source: Peer = { protocol: 'tcp', host: '', port: 0 };
    const framer = new StreamFramer(
      (buf) => this.onStreamMessage(buf, source, this.local),
      (reason) => {
        this.logger.warn({ peer: key, reason }, 'closing sip tcp connection: bad stream');
        socket.destroy();
      },
      MAX_MESSAGE,
    );
    // RFC 5626 §4.4.1: a CRLFCRLF ping on a stream is answered with a CRLF pong.
    framer.onKeepAlive = () => {
      if (!socket.destroyed) socket.write('\r\n');
    };
    socket.on('connect', () => {
      source.host = socket.remoteAddress ?? '';
      source.port = socket.remotePort ?? 0;
    });
    if (socket.remoteAddress) {
      source.host = socket.remoteAddress;
      source.port = socket.remotePort ?? 0;
    }
    socket.on('data', (chunk) => framer.push(chunk));
    socket.on('error', (err) => this.logger.debug({ peer: key, err: err.message }, 'sip tcp connection error'));
    socket.on('close', () => {
      if (this.conns.get(key) === conn) this.conns.delete(key);
    });
    return conn;
  }

  async close(): Promise<void> {
    for (const c of this.conns.values()) c.socket.destroy();
    this.conns.clear();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

function keyOf(host: string, port: number): string {
  return `${host.startsWith('::ffff:') ? host.slice(7) : host}:${port}`;
}
