import type { SipMessage } from '../sip/message.js';
import type { Inbound, Peer } from '../transport/TransportTypes.js';

/** RFC 3261 §17 timer base values in milliseconds. */
export interface TimerValues {
  T1: number; // 500: RTT estimate
  T2: number; // 4000: max retransmit interval for non-INVITE requests and INVITE responses
  T4: number; // 5000: max time a message stays in the network
}

export const DEFAULT_TIMERS: TimerValues = { T1: 500, T2: 4000, T4: 5000 };

/** The transaction user (the drachtio core) receives what the transaction layer does not absorb. */
export interface TransactionUser {
  /**
   * A new request that matched no server transaction. For every method but ACK a server
   * transaction has already been created (for INVITE it has already sent 100 Trying).
   * ACK that matches no INVITE server transaction (i.e. the ACK for a 2xx) arrives with
   * `txn` undefined.
   */
  onRequest(inbound: Inbound, txn: ServerTransaction | undefined): void;
  /** A response that matched no client transaction (e.g. a 2xx retransmission after the INVITE client transaction ended). */
  onStrayResponse(inbound: Inbound): void;
}

export interface ClientTransactionHandler {
  /**
   * Every response the transaction passes up: provisional responses (including 100; the TU
   * decides what to drop), the final response, and for INVITE every further 2xx while the
   * transaction is in the Accepted state (RFC 6026: retransmissions and forked 2xx; the TU
   * ACKs them). Non-2xx retransmissions are absorbed.
   */
  onResponse(inbound: Inbound, txn: ClientTransaction): void;
  /** Timer B/F fired with no final response. The TU reports 408. */
  onTimeout(txn: ClientTransaction): void;
  /** The request could not be sent (connection refused, closed). The TU reports 503. */
  onTransportError(txn: ClientTransaction, err: Error): void;
}

export type ServerTxnState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
export type ClientTxnState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export interface ServerTransaction {
  /** RFC 3261 §17.2.3 key: branch + sent-by + method (ACK/CANCEL map to INVITE where matching). */
  readonly key: string;
  readonly method: string;
  readonly request: SipMessage;
  readonly inbound: Inbound;
  readonly state: ServerTxnState;
  /** The last response sent (what a retransmitted request gets again). */
  readonly lastResponse: SipMessage | undefined;
  /**
   * Send a response (the TU built it: Via, From, To, Call-ID, CSeq copied from the request).
   * It goes to the address per RFC 3261 §18.2.2 / RFC 3581 (received/rport, or the connection).
   * Provisional responses keep the transaction proceeding; a final non-2xx over UDP is
   * retransmitted (INVITE, Timer G) until ACK or Timer H; a 2xx to INVITE moves it to
   * Accepted (RFC 6026) — retransmitting that 2xx until the ACK is the TU's job.
   * Rejects if the transport fails. `wire`: `res` already serialized (exactly its toString(),
   * or toBuffer() when it has a body), so that it is not serialized twice.
   */
  respond(res: SipMessage, wire?: string | Buffer): Promise<void>;
  /** Fired once when the transaction reaches Terminated. */
  onTerminated(cb: () => void): void;
  /** Withdraw an onTerminated callback (the TU is done with the transaction before it ends). */
  offTerminated(cb: () => void): void;
  /** For an INVITE server transaction: Timer H fired (no ACK for a non-2xx final). */
  onAckTimeout?(cb: () => void): void;
}

export interface ClientTransaction {
  readonly key: string;
  readonly method: string;
  /** The request as sent (with the top Via the transaction layer was given). */
  readonly request: SipMessage;
  readonly peer: Peer;
  readonly state: ClientTxnState;
  /** Stop the transaction and its timers now (e.g. the app's dialog is gone). */
  terminate(): void;
}
