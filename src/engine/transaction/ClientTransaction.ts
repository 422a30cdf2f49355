import { canonicalName, SipMessage } from '../sip/message.js';
import type { Inbound, Peer } from '../transport/TransportTypes.js';
import { arm } from './ServerTransaction.js';
import type { TransactionContext } from './TransactionLayer.js';
import type { ClientTransaction, ClientTransactionHandler, ClientTxnState } from './TransactionTypes.js';

/** RFC 3261 §17.1.1.2: Timer D is at least 32 s over unreliable transports, whatever T1 is. */
const TIMER_D_UDP = 32_000;

/**
 * Shared part of the RFC 3261 §17.1 client transactions: the request serialized once, sending
 * to the peer, and termination (out of the layer's map, timers off).
 */
export abstract class BaseClientTransaction implements ClientTransaction {
  protected st: ClientTxnState;
  /** The request's bytes: every retransmission sends exactly these. */
  protected readonly buf: Buffer;
  /** TCP: no retransmissions, and the wait-for-retransmission timers (D, K) are zero. */
  protected readonly reliable: boolean;

  constructor(
    protected readonly ctx: TransactionContext,
    readonly key: string,
    readonly request: SipMessage,
    readonly peer: Peer,
    protected readonly handler: ClientTransactionHandler,
    initial: ClientTxnState,
  ) {
    this.st = initial;
    this.buf = request.toBuffer();
    this.reliable = peer.protocol !== 'udp';
  }

  get state(): ClientTxnState {
    return this.st;
  }

  get method(): string {
    return this.request.method;
  }

  /** Send the request and arm the timers. */
  abstract start(): void;

  abstract receiveResponse(inbound: Inbound): void;

  terminate(): void {
    if (this.st === 'terminated') return;
    this.st = 'terminated';
    this.clearTimers();
    const clients = this.ctx.clients;
    if (clients.get(this.key) === this) clients.delete(this.key);
  }

  /** Engine shutdown: stop without callbacks (the layer clears its maps itself). */
  drop(): void {
    this.st = 'terminated';
    this.clearTimers();
  }

  protected abstract clearTimers(): void;

  /** Whether a final response has already gone to the TU (then a transport error is not reported). */
  protected abstract hasFinal(): boolean;

  protected send(buf: Buffer): void {
    let p: Promise<void>;
    try {
      p = this.ctx.sender.send(buf, this.peer);
    } catch (err) {
      p = Promise.reject(err as Error);
    }
    p.then(undefined, this.onSendError);
  }

  /** Timer B/F: no final response. */
  fireTimeout(): void {
    if (this.hasFinal() || this.st === 'terminated') return;
    this.terminate();
    this.callTu(undefined);
  }

  private readonly onSendError = (err: Error): void => {
    this.ctx.logger.debug({ key: this.key, err: err.message, peer: this.peer }, 'request could not be sent');
    if (this.st === 'terminated') return;
    // §17.1.4: a transport error before the final response ends the transaction and the TU hears of it.
    const report = !this.hasFinal();
    this.terminate();
    if (report) this.callTu(err);
  };

  /** TU callbacks from timers and promise handlers: an exception there must not take the process down. */
  private callTu(transportError: Error | undefined): void {
    try {
      if (transportError === undefined) this.handler.onTimeout(this);
      else this.handler.onTransportError(this, transportError);
    } catch (e) {
      this.ctx.logger.error({ err: e, key: this.key }, 'client transaction callback threw');
    }
  }
}

/** RFC 3261 §17.1.1 with RFC 6026 §7.2 (Accepted state, Timer M). */
export class InviteClientTransaction extends BaseClientTransaction {
  private timerA: NodeJS.Timeout | undefined;
  private aInterval = 0;
  private timerB: NodeJS.Timeout | undefined;
  /** Timer D (Completed) or Timer M (Accepted): never both. */
  private timerEnd: NodeJS.Timeout | undefined;
  /** The ACK for the non-2xx final, built once and re-sent for every retransmitted final. */
  private ackBuf: Buffer | undefined;

  constructor(
    ctx: TransactionContext,
    key: string,
    request: SipMessage,
    peer: Peer,
    handler: ClientTransactionHandler,
    /** The INVITE's CSeq number, for the ACK (§17.1.1.3). */
    private readonly cseq: string,
  ) {
    super(ctx, key, request, peer, handler, 'calling');
  }

  start(): void {
    const { T1 } = this.ctx.timers;
    if (!this.reliable) {
      this.aInterval = T1;
      this.timerA = arm(onTimerA, T1, this);
    }
    this.timerB = arm(onTimeout, 64 * T1, this);
    this.send(this.buf);
  }

  receiveResponse(inbound: Inbound): void {
    const status = inbound.msg.status;
    switch (this.st) {
      case 'calling':
      case 'proceeding':
        // §17.1.1.2: no more retransmissions once anything came back; Timer B only runs in Calling.
        this.stopCalling();
        if (status < 200) {
          this.st = 'proceeding';
        } else if (status < 300) {
          this.st = 'accepted';
          this.timerEnd = arm(onTimerEnd, 64 * this.ctx.timers.T1, this);
        } else {
          this.st = 'completed';
          this.ackBuf = this.buildAck(inbound.msg).toBuffer();
          this.send(this.ackBuf);
          if (!this.reliable) this.timerEnd = arm(onTimerEnd, TIMER_D_UDP, this);
        }
        this.handler.onResponse(inbound, this);
        if (this.st === 'completed' && this.reliable) this.terminate();
        return;
      case 'accepted':
        // RFC 6026 §7.2: every 2xx (retransmitted or forked) goes up; the TU ACKs each.
        if (status >= 200 && status < 300) this.handler.onResponse(inbound, this);
        return;
      case 'completed':
        // A retransmitted final: ACK it again, the TU already has it.
        if (status >= 300 && this.ackBuf !== undefined) this.send(this.ackBuf);
        return;
      default:
        return;
    }
  }

  /** Timer A: retransmit the INVITE, doubling the interval (§17.1.1.2; Timer B bounds it). */
  fireA(): void {
    this.timerA = undefined;
    if (this.st !== 'calling') return;
    this.send(this.buf);
    this.aInterval *= 2;
    this.timerA = arm(onTimerA, this.aInterval, this);
  }

  protected hasFinal(): boolean {
    return this.st === 'completed' || this.st === 'accepted';
  }

  protected clearTimers(): void {
    this.stopCalling();
    clearTimeout(this.timerEnd);
    this.timerEnd = undefined;
  }

  private stopCalling(): void {
    clearTimeout(this.timerA);
    clearTimeout(this.timerB);
    this.timerA = this.timerB = undefined;
  }

  /**
   * §17.1.1.3: the ACK for a non-2xx final has the INVITE's Request-URI, top Via, Route set,
   * Call-ID, From and CSeq number, and the To of the response (with its tag).
   */
  private buildAck(res: SipMessage): SipMessage {
    const inv = this.request;
    const ack = SipMessage.request('ACK', inv.uri);
    const topVia = inv.getAll('via')[0];
    if (topVia !== undefined) ack.add('Via', topVia);
    ack.add('Max-Forwards', '70');
    for (const h of inv.headers) {
      if (canonicalName(h.name) === 'route') ack.add(h.name, h.value);
    }
    const from = inv.get('from');
    if (from !== undefined) ack.add('From', from);
    const to = res.get('to');
    if (to !== undefined) ack.add('To', to);
    const callId = inv.get('call-id');
    if (callId !== undefined) ack.add('Call-ID', callId);
    ack.add('CSeq', this.cseq + ' ACK');
    return ack;
  }
}

/** RFC 3261 §17.1.2 (also CANCEL). */
export class NonInviteClientTransaction extends BaseClientTransaction {
  private timerE: NodeJS.Timeout | undefined;
  private eInterval = 0;
  private timerF: NodeJS.Timeout | undefined;
  private timerK: NodeJS.Timeout | undefined;

  constructor(ctx: TransactionContext, key: string, request: SipMessage, peer: Peer, handler: ClientTransactionHandler) {
    super(ctx, key, request, peer, handler, 'trying');
  }

  start(): void {
    const { T1 } = this.ctx.timers;
    if (!this.reliable) {
      this.eInterval = T1;
      this.timerE = arm(onTimerE, T1, this);
    }
    this.timerF = arm(onTimeout, 64 * T1, this);
    this.send(this.buf);
  }

  receiveResponse(inbound: Inbound): void {
    if (this.st !== 'trying' && this.st !== 'proceeding') return; // Completed absorbs retransmissions
    if (inbound.msg.status < 200) {
      this.st = 'proceeding';
      this.handler.onResponse(inbound, this);
      return;
    }
    this.st = 'completed';
    clearTimeout(this.timerE);
    clearTimeout(this.timerF);
    this.timerE = this.timerF = undefined;
    if (!this.reliable) this.timerK = arm(onTimerEnd, this.ctx.timers.T4, this);
    this.handler.onResponse(inbound, this);
    if (this.reliable) this.terminate();
  }

  /** Timer E: T1, 2T1, 4T1 … capped at T2; in Proceeding always T2 (§17.1.2.2). */
  fireE(): void {
    this.timerE = undefined;
    if (this.st !== 'trying' && this.st !== 'proceeding') return;
    this.send(this.buf);
    const { T2 } = this.ctx.timers;
    this.eInterval = this.st === 'trying' ? Math.min(2 * this.eInterval, T2) : T2;
    this.timerE = arm(onTimerE, this.eInterval, this);
  }

  protected hasFinal(): boolean {
    return this.st === 'completed';
  }

  protected clearTimers(): void {
    clearTimeout(this.timerE);
    clearTimeout(this.timerF);
    clearTimeout(this.timerK);
    this.timerE = this.timerF = this.timerK = undefined;
  }
}

/**
 * An ACK given to sendRequest: sent once, no transaction (§17.1.1.3: the ACK for a 2xx is the
 * TU's own business, retransmitted by it for each 2xx). Already terminated when returned; a
 * transport error is only logged.
 */
export class AckRequest extends BaseClientTransaction {
  constructor(ctx: TransactionContext, key: string, request: SipMessage, peer: Peer, handler: ClientTransactionHandler) {
    super(ctx, key, request, peer, handler, 'terminated');
  }

  start(): void {
    this.send(this.buf);
  }

  receiveResponse(): void {}

  protected hasFinal(): boolean {
    return true;
  }

  protected clearTimers(): void {}
}

function onTimerA(t: InviteClientTransaction): void {
  t.fireA();
}
function onTimerE(t: NonInviteClientTransaction): void {
  t.fireE();
}
/** Timers B and F. */
function onTimeout(t: BaseClientTransaction): void {
  t.fireTimeout();
}
/** Timers D, K and M just end the transaction. */
function onTimerEnd(t: BaseClientTransaction): void {
  t.terminate();
}
