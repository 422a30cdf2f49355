import type { SipMessage } from '../sip/message.js';

export type TransportProtocol = 'udp' | 'tcp';

/** Where a message goes to or came from. */
export interface Peer {
  protocol: TransportProtocol;
  host: string;
  port: number;
}

/** One of the engine's listening SIP sockets. */
export interface LocalTransport {
  protocol: TransportProtocol;
  /** The bound address (may be 0.0.0.0). */
  host: string;
  port: number;
  /** The address to write in Via/Contact/Record-Route (bound address, or the first local IP when bound to 0.0.0.0). */
  advertisedHost: string;
}

/** A SIP message received from the network, with where it came from and which socket took it. */
export interface Inbound {
  msg: SipMessage;
  source: Peer;
  local: LocalTransport;
  /** Bytes of the message as received (for the drachtio `sip` frame's size token). */
  size: number;
  /** Time of receipt (ms since epoch). */
  receivedAt: number;
}

/** What the transaction layer needs from the transports. */
export interface TransportSender {
  /**
   * Send a serialized message (a string goes out as UTF-8). For TCP, reuses an open connection
   * to the peer (the one the request came in on, or one opened earlier) or opens one. Rejects on a transport error
   * (connection refused, closed socket); UDP sends never reject except for bad addresses.
   */
  send(data: Buffer | string, to: Peer): Promise<void>;
  /** The local transport that sends to this peer (same protocol, first match). */
  localFor(protocol: TransportProtocol): LocalTransport | undefined;
}
