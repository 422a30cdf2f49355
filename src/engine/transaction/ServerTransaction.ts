import { canonicalName, SipMessage } from '../sip/message.js';
import type { Inbound } from '../transport/TransportTypes.js';
import type { TransactionContext } from './TransactionLayer.js';
import type { ServerTransaction, ServerTxnState } from './TransactionTypes.js';

/**
 * Shared part of the RFC 3261 §17.2 server transactions: the last response (what a
 * retransmitted request gets again), sending to the request's source, and termination, which
 * removes the transaction from the layer's map and fires the onTerminated callbacks once.
 * Timers are plain setTimeout with the transaction as argument, so arming one allocates no closure.
 */
export abstract class BaseServerTransaction implements ServerTransaction {
  lastResponse: SipMessage | undefined;
  /** The serialized last response, re-sent as is. */
  protected lastBuf: Buffer | undefined;
  /** TCP: no retransmissions, and the wait-for-retransmission timers (I, J) are zero. */
  protected readonly reliable: boolean;
  protected st: ServerTxnState;
  private terminatedCbs: (() => void)[] | undefined;
  private held: Inbound;
  readonly method: string;

  constructor(
    protected readonly ctx: TransactionContext,
    readonly key: string,
    inbound: Inbound,
    initial: ServerTxnState,
  ) {
    this.held = inbound;
    this.method = inbound.msg.method;
    this.reliable = inbound.source.protocol !== 'udp';
    this.st = initial;
  }

  get state(): ServerTxnState {
    return this.st;
  }

  /** The request; after the final response only its start line is kept (see shed()). */
  get inbound(): Inbound {
    return this.held;
  }

  get request(): SipMessage {
    return this.held.msg;
  }

  abstract respond(res: SipMessage): Promise<void>;

  /** A retransmission of the request that created this transaction. */
  abstract receiveRetransmission(): void;

  /** An ACK matching this transaction; false when it is not absorbed and goes to the TU. */
  receiveAck(): boolean {
    return false;
  }

  onTerminated(cb: () => void): void {
    if (this.st === 'terminated') cb();
    else (this.terminatedCbs ??= []).push(cb);
  }

  /** Move to Terminated: timers off, out of the layer's map, callbacks once. */
  terminate(): void {
    if (this.st === 'terminated') return;
    this.st = 'terminated';
    this.clearTimers();
    const servers = this.ctx.servers;
    if (servers.get(this.key) === this) servers.delete(this.key);
    const cbs = this.terminatedCbs;
    this.terminatedCbs = undefined;
    if (cbs !== undefined) for (const cb of cbs) this.callTu(cb);
  }

  /** Engine shutdown: stop without callbacks (the layer clears its maps itself). */
  drop(): void {
    this.st = 'terminated';
    this.terminatedCbs = undefined;
    this.clearTimers();
  }

  protected abstract clearTimers(): void;

  /** Remember and send a response; a transport failure terminates the transaction (§17.2.4) and rejects. */
  protected transmit(res: SipMessage): Promise<void> {
    const buf = res.toBuffer();
    this.lastResponse = res;
    this.lastBuf = buf;
    const sent = this.sendBuf(buf).then(undefined, (err: Error) => this.transmitFailed(err));
    if (res.status >= 200) this.shed();
    return sent;
  }

  /**
   * After the final response a transaction only absorbs retransmissions (for up to 32 s over
   * UDP): it needs its key, the response bytes and the peer's address, not the parsed
   * messages. Dropping them keeps thousands of lingering transactions cheap. RFC 2543 peers
   * keep the response, whose To tag their ACK is matched against.
   */
  private shed(): void {
    const stub = new SipMessage();
    // Only the method: any string sliced from the received message would keep all of it alive.
    stub.method = this.method;
    this.held = { msg: stub, source: this.held.source, local: this.held.local, size: this.held.size, receivedAt: this.held.receivedAt };
    if (this.key.charCodeAt(0) !== LEGACY_MARK) this.lastResponse = undefined;
  }

  /** Re-send the last response (retransmitted request, Timer G); failures are only logged. */
  protected resend(): void {
    if (this.lastBuf !== undefined) this.sendBuf(this.lastBuf).then(undefined, (err: Error) => this.resendFailed(err));
  }

  protected ignoreResponse(res: SipMessage): Promise<void> {
    this.ctx.logger.debug({ key: this.key, state: this.st, status: res.status }, 'response after the final response ignored');
    return Promise.resolve();
  }

  /** Run a TU callback from a timer: an exception there must not take the process down. */
  protected callTu(cb: () => void): void {
    try {
      cb();
    } catch (err) {
      this.ctx.logger.error({ err, key: this.key }, 'server transaction callback threw');
    }
  }

  private sendBuf(buf: Buffer): Promise<void> {
    try {
      return this.ctx.sender.send(buf, this.held.source);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  // Methods, not per-instance arrow properties: thousands of transactions linger for 32 s.
  private transmitFailed(err: Error): never {
    this.ctx.logger.debug({ key: this.key, err: err.message }, 'response could not be sent; transaction terminated');
    this.terminate();
    throw err;
  }

  private resendFailed(err: Error): void {
    this.ctx.logger.debug({ key: this.key, err: err.message }, 'response retransmission failed');
  }
}

/** First character of the keys of RFC 2543 fallback matching ('!'). */
export const LEGACY_MARK = 0x21;

/** setTimeout with the transaction as argument (no closure per timer), never keeping the process alive. */
export function arm<T>(fn: (t: T) => void, ms: number, t: T): NodeJS.Timeout {
  const timer = setTimeout(fn, ms, t);
  timer.unref();
  return timer;
}

/** RFC 3261 §17.2.1 with RFC 6026 §7.1 (Accepted state, Timer L). */
export class InviteServerTransaction extends BaseServerTransaction {
  private timerG: NodeJS.Timeout | undefined;
  private gInterval = 0;
  private timerH: NodeJS.Timeout | undefined;
  /** Timer L (Accepted) or Timer I (Confirmed): never both. */
  private timerEnd: NodeJS.Timeout | undefined;
  private ackTimeoutCbs: (() => void)[] | undefined;

  constructor(ctx: TransactionContext, key: string, inbound: Inbound) {
    super(ctx, key, inbound, 'proceeding');
  }

  /** §17.2.1: the INVITE server transaction answers 100 Trying at once (§8.2.6.1 copies Timestamp). */
  sendTrying(): void {
    const req = this.inbound.msg;
    const res = SipMessage.response(100, 'Trying');
    res.method = req.method;
    for (const h of req.headers) {
      const c = canonicalName(h.name);
      if (c === 'via' || c === 'from' || c === 'to' || c === 'call-id' || c === 'cseq' || c === 'timestamp') {
        res.headers.push({ name: h.name, value: h.value });
      }
    }
    this.lastResponse = res;
    this.lastBuf = res.toBuffer();
    this.resend();
  }

  onAckTimeout(cb: () => void): void {
    if (this.st !== 'terminated') (this.ackTimeoutCbs ??= []).push(cb);
  }

  respond(res: SipMessage): Promise<void> {
    const status = res.status;
    if (this.st === 'proceeding') {
      if (status >= 300) {
        this.st = 'completed';
        const { T1 } = this.ctx.timers;
        if (!this.reliable) {
          this.gInterval = T1;
          this.timerG = arm(onTimerG, T1, this);
        }
        this.timerH = arm(onTimerH, 64 * T1, this);
      } else if (status >= 200) {
        this.st = 'accepted';
        this.timerEnd = arm(onTimerEnd, 64 * this.ctx.timers.T1, this);
      }
      return this.transmit(res);
    }
    // RFC 6026 §8.5: the TU's 2xx retransmissions pass through while Accepted.
    if (this.st === 'accepted' && status >= 200 && status < 300) return this.transmit(res);
    return this.ignoreResponse(res);
  }

  receiveRetransmission(): void {
    // Accepted (RFC 6026 §8.7) and Confirmed absorb silently: the TU retransmits 2xx itself.
    if (this.st === 'proceeding' || this.st === 'completed') this.resend();
  }

  override receiveAck(): boolean {
    switch (this.st) {
      case 'completed':
        this.st = 'confirmed';
        clearTimeout(this.timerG);
        clearTimeout(this.timerH);
        this.timerG = this.timerH = undefined;
        if (this.reliable) this.terminate();
        else this.timerEnd = arm(onTimerEnd, this.ctx.timers.T4, this);
        return true;
      case 'accepted':
        return false;
      default:
        // Confirmed: a retransmitted ACK. Proceeding: an ACK before any final response is bogus.
        return true;
    }
  }

  protected clearTimers(): void {
    clearTimeout(this.timerG);
    clearTimeout(this.timerH);
    clearTimeout(this.timerEnd);
    this.timerG = this.timerH = this.timerEnd = undefined;
  }

  /** Timer G: retransmit the final response, doubling up to T2. */
  fireG(): void {
    this.timerG = undefined;
    if (this.st !== 'completed') return;
    this.resend();
    this.gInterval = Math.min(2 * this.gInterval, this.ctx.timers.T2);
    this.timerG = arm(onTimerG, this.gInterval, this);
  }

  /** Timer H: no ACK ever came for our non-2xx final. */
  fireH(): void {
    this.timerH = undefined;
    if (this.st !== 'completed') return;
    const cbs = this.ackTimeoutCbs;
    this.ackTimeoutCbs = undefined;
    this.ctx.logger.debug({ key: this.key }, 'Timer H: no ACK for the final response');
    if (cbs !== undefined) for (const cb of cbs) this.callTu(cb);
    this.terminate();
  }
}

function onTimerG(t: InviteServerTransaction): void {
  t.fireG();
}
function onTimerH(t: InviteServerTransaction): void {
  t.fireH();
}
/** Timers I, J and L all just end the transaction. */
function onTimerEnd(t: BaseServerTransaction): void {
  t.terminate();
}

/** RFC 3261 §17.2.2 (also CANCEL, which the TU answers like any request). */
export class NonInviteServerTransaction extends BaseServerTransaction {
  private timerJ: NodeJS.Timeout | undefined;

  constructor(ctx: TransactionContext, key: string, inbound: Inbound) {
    super(ctx, key, inbound, 'trying');
  }

  respond(res: SipMessage): Promise<void> {
    if (this.st !== 'trying' && this.st !== 'proceeding') return this.ignoreResponse(res);
    if (res.status < 200) {
      this.st = 'proceeding';
      return this.transmit(res);
    }
    this.st = 'completed';
    const sent = this.transmit(res);
    if (this.reliable) this.terminate();
    else this.timerJ = arm(onTimerEnd, 64 * this.ctx.timers.T1, this);
    return sent;
  }

  receiveRetransmission(): void {
    // Trying: nothing sent yet, so nothing to repeat (§17.2.2).
    if (this.st !== 'trying') this.resend();
  }

  protected clearTimers(): void {
    clearTimeout(this.timerJ);
    this.timerJ = undefined;
  }
}
