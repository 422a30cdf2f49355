import dgram from 'node:dgram';
import type { Logger } from '../../logger.js';
import type { LocalTransport, Peer } from './TransportTypes.js';

/** A bound UDP socket. Datagrams go up as raw buffers; parsing happens in Transports. */
export class UdpTransport {
  readonly local: LocalTransport;
  private socket: dgram.Socket | undefined;

  constructor(
    host: string,
    port: number,
    advertisedHost: string,
    private readonly onDatagram: (buf: Buffer, source: Peer, local: LocalTransport) => void,
    private readonly logger: Logger,
  ) {
    this.local = { protocol: 'udp', host, port, advertisedHost };
  }

  async listen(): Promise<void> {
    const type = this.local.host.includes(':') ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type, recvBufferSize: 4 * 1024 * 1024, sendBufferSize: 4 * 1024 * 1024 });
    this.socket = socket;
    socket.on('message', (buf, rinfo) => {
      this.onDatagram(buf, { protocol: 'udp', host: rinfo.address, port: rinfo.port }, this.local);
    });
    // An ICMP port unreachable surfaces here on some platforms; never let it reach the top.
    socket.on('error', (err) => this.logger.warn({ err: err.message }, 'udp socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.local.port, this.local.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const addr = socket.address();
    (this.local as { port: number }).port = addr.port;
  }

  /**
   * Send a datagram. UDP gives no delivery report, and a lost message is the transaction
   * timers' business either way, so no promise, closure or completion callback per datagram
   * on the hot path (a callback costs Node a request object and a tick per send). A failed
   * send is not reported; an asynchronous socket error reaches the 'error' listener.
   */
  send(data: Buffer | string, to: Peer): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('udp transport closed'));
    socket.send(data, to.port, stripBrackets(to.host));
    return SENT;
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

const SENT: Promise<void> = Promise.resolve();

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
