import type { LocalTransport, Peer } from '../transport/TransportTypes.js';
import type { AppConnection } from './ControlServer.js';

/**
 * A SIP dialog as the engine keeps it (RFC 3261 §12). Its id follows drachtio's fixed
 * convention (spec §3.1): `<Call-ID>;from-tag=<From tag of the dialog-creating request>`,
 * i.e. the remote tag for dialogs we accepted (UAS) and the local tag for those we started (UAC).
 */
export interface Dialog {
  readonly id: string;
  readonly role: 'uas' | 'uac';
  /** What created it: an INVITE (a call) or a SUBSCRIBE (a subscription, RFC 6665). */
  readonly kind: 'invite' | 'subscribe';
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string | undefined;
  /** Our side's From (UAC) or To (UAS) header value, with our tag. */
  localUri: string;
  /** The peer's header value, with its tag once known. */
  remoteUri: string;
  /** The peer's Contact URI: the Request-URI of in-dialog requests. */
  remoteTarget: string;
  /** Route set in the order in-dialog requests carry it. */
  routeSet: string[];
  localContact: string;
  localCSeq: number;
  /** CSeq number of the latest INVITE we sent in this dialog (what our ACK carries). */
  inviteCSeq: number;
  /** CSeq number of the peer's dialog-creating INVITE (UAS): its ACK is reported under inviteTxnId. */
  remoteInviteCSeq: number;
  /** The engine socket the dialog uses (Via, Contact). */
  local: LocalTransport;
  /** Where in-dialog requests go (next hop). */
  peer: Peer;
  /** The app that owns the dialog; undefined once it disconnected (requests then get 481). */
  conn: AppConnection | undefined;
  confirmed: boolean;
  /** txnId of the dialog-creating INVITE (ACK for its 2xx is reported under it, spec §2.2). */
  inviteTxnId: string;
  localSdp?: string;
  /** UAS: our 2xx waiting for its ACK (retransmitted over UDP, RFC 3261 §13.3.1.4). */
  pending2xx?: { cseq: number; bytes: Buffer; timer: NodeJS.Timeout; interval: number; deadline: number; reliable: boolean };
  /** UAC: the last ACK we sent, re-sent when the 2xx is retransmitted (RFC 3261 §13.2.2.4). */
  lastAck?: { cseq: number; bytes: Buffer };
  /** UAC: a 2xx arrived after our CANCEL; BYE right after the app's ACK (spec §2.5). */
  ackBye?: boolean;
  /** Our BYE is out: the dialog goes when its final response arrives. */
  byeSent?: boolean;
  /** Reliable provisional responses (RFC 3262): next RSeq, and the one awaiting PRACK. */
  rseq?: number;
  pendingReliable?: { rseq: number; bytes: Buffer; timer: NodeJS.Timeout; interval: number; deadline: number };
  /** Time the dialog was confirmed (for stats). */
  createdAt: number;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return callId + '\u0000' + localTag + '\u0000' + remoteTag;
}
