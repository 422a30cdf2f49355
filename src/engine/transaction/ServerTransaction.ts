import { canonicalName, SipMessage } from '../sip/message.js';
import type { Inbound, LocalTransport, Peer } from '../transport/TransportTypes.js';
import type { Expiring } from './ExpiryQueue.js';
import type { TransactionContext } from './TransactionLayer.js';
import type { ServerTransaction, ServerTxnState } from './TransactionTypes.js';

/**
 * Shared part of the RFC 3261 §17.2 server transactions: the last response (what a
 * retransmitted request gets again), sending to the request's source, and termination, which
 * removes the transaction from the layer's map and fires the onTerminated callbacks once.
 *
 * After the final response a transaction over UDP lingers (Timer J, L: 32 s) only to absorb
 * retransmissions: under registration load that is tens of thousands of them. So it then keeps
 * its key, the response as sent and the peer's address, nothing parsed; the fixed-length timers
 * (I, J, L) run on the layer's shared ExpiryQueues instead of a Node timer each.
 */
export abstract class BaseServerTransaction implements ServerTransaction, Expiring {
  lastResponse: SipMessage | undefined;
  /** The last response as sent (a string when it has no body), re-sent as is. */
  protected wire: string | Buffer | undefined;
  /** TCP: no retransmissions, and the wait-for-retransmission timers (I, J) are zero. */
  protected readonly reliable: boolean;
  protected st: ServerTxnState;
  private terminatedCbs: (() => void)[] | undefined;
  /** The request until the final response (see shed()). */
  private held: Inbound | undefined;
  /** Where responses go (the request's source). */
  readonly peer: Peer;
  private readonly local: LocalTransport;
  readonly method: string;

  constructor(
    protected readonly ctx: TransactionContext,
    readonly key: string,
    inbound: Inbound,
    initial: ServerTxnState,
  ) {
    this.held = inbound;
    this.peer = inbound.source;
    this.local = inbound.local;
    this.method = inbound.msg.method;
    this.reliable = inbound.source.protocol !== 'udp';
    this.st = initial;
  }

  get state(): ServerTxnState {
    return this.st;
  }

  /** The request; after the final response a stand-in with only the method (see shed()). */
  get inbound(): Inbound {
    if (this.held !== undefined) return this.held;
    const stub = new SipMessage();
    stub.method = this.method;
    return { msg: stub, source: this.peer, local: this.local, size: 0, receivedAt: 0 };
  }

  get request(): SipMessage {
    return this.inbound.msg;
  }

  abstract respond(res: SipMessage, wire?: string | Buffer): Promise<void>;

  /** A retransmission of the request that created this transaction. */
  abstract receiveRetransmission(): void;

  /** An ACK matching this transaction; false when it is not absorbed and goes to the TU. */
  receiveAck(): boolean {
    return false;
  }

  onTerminated(cb: () => void): void {
    if (this.st === 'terminated') cb();
    else if (this.terminatedCbs === undefined) this.terminatedCbs = [cb];
    else this.terminatedCbs.push(cb);
  }

  offTerminated(cb: () => void): void {
    const cbs = this.terminatedCbs;
    if (cbs === undefined) return;
    const i = cbs.indexOf(cb);
    if (i >= 0) cbs.splice(i, 1);
    if (cbs.length === 0) this.terminatedCbs = undefined;
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

  /** ExpiryQueue: Timer I, J or L ran out. */
  expire(): void {
    this.terminate();
  }

  /** ExpiryQueue: an entry of a transaction that already ended is skipped. */
  isLive(): boolean {
    return this.st !== 'terminated';
  }

  /** Engine shutdown: stop without callbacks (the layer clears its maps itself). */
  drop(): void {
    this.st = 'terminated';
    this.terminatedCbs = undefined;
    this.clearTimers();
  }

  protected abstract clearTimers(): void;

  /**
   * Remember and send a response; a transport failure terminates the transaction (§17.2.4) and
   * rejects. `wire` is `res` already serialized (its toString() or toBuffer()), when the caller
   * has it anyway.
   */
  protected transmit(res: SipMessage, wire?: string | Buffer): Promise<void> {
    const data = wire ?? serialize(res);
    this.lastResponse = res;
    this.wire = data;
    const sent = this.sendData(data).then(undefined, (err: Error) => this.transmitFailed(err));
    if (res.status >= 200) this.shed();
    return sent;
  }

  /**
   * After the final response a transaction only absorbs retransmissions (for up to 32 s over
   * UDP): it needs its key, the response bytes and the peer's address, not the parsed
   * messages. RFC 2543 peers keep the response, whose To tag their ACK is matched against.
   */
  private shed(): void {
    this.held = undefined;
    if (this.key.charCodeAt(0) !== LEGACY_MARK) this.lastResponse = undefined;
  }

  /** Re-send the last response (retransmitted request, Timer G); failures are only logged. */
  protected resend(): void {
    if (this.wire !== undefined) this.sendData(this.wire).then(undefined, (err: Error) => this.resendFailed(err));
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

  private sendData(data: string | Buffer): Promise<void> {
    try {
      return this.ctx.sender.send(data, this.peer);
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

/**
 * A response as it goes on the wire. Without a body, a string: kept for 32 s it is one V8
 * string, where a Buffer is three objects and a separately allocated backing store. With a
 * body, a Buffer, so that a body which is not UTF-8 goes out byte for byte.
 */
export function serialize(res: SipMessage): string | Buffer {
  return res.body.length === 0 ? flatten(res.toString()) : res.toBuffer();
}

/**
 * V8 keeps a string built by concatenation as a tree of its parts, here slices that keep the
 * whole received request alive (twice the memory of a lingering transaction, measured).
 * Measuring its UTF-8 length makes V8 flatten it into one string in place; so would sending
 * it, but only once it is sent.
 */
function flatten(s: string): string {
  Buffer.byteLength(s, 'utf8');
  return s;
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
    this.wire = serialize(res);
    this.resend();
  }

  onAckTimeout(cb: () => void): void {
    if (this.st !== 'terminated') (this.ackTimeoutCbs ??= []).push(cb);
  }

  respond(res: SipMessage, wire?: string | Buffer): Promise<void> {
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
        // Timer L (64*T1).
        this.ctx.lingerLong.add(this);
      }
      return this.transmit(res, wire);
    }
    // RFC 6026 §8.5: the TU's 2xx retransmissions pass through while Accepted.
    if (this.st === 'accepted' && status >= 200 && status < 300) return this.transmit(res, wire);
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
        // Timer I (T4), zero over TCP.
        if (this.reliable) this.terminate();
        else this.ctx.lingerShort.add(this);
        return true;
      case 'accepted':
        return false;
      default:
        // Confirmed: a retransmitted ACK. Proceeding: an ACK before any final response is bogus.
        return true;
    }
  }

  /** Timers I and L are ExpiryQueue entries, which skip a terminated transaction. */
  protected clearTimers(): void {
    clearTimeout(this.timerG);
    clearTimeout(this.timerH);
    this.timerG = this.timerH = undefined;
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

/** RFC 3261 §17.2.2 (also CANCEL, which the TU answers like any request). */
export class NonInviteServerTransaction extends BaseServerTransaction {
  constructor(ctx: TransactionContext, key: string, inbound: Inbound) {
    super(ctx, key, inbound, 'trying');
  }

  respond(res: SipMessage, wire?: string | Buffer): Promise<void> {
    if (this.st !== 'trying' && this.st !== 'proceeding') return this.ignoreResponse(res);
    if (res.status < 200) {
      this.st = 'proceeding';
      return this.transmit(res, wire);
    }
    this.st = 'completed';
    const sent = this.transmit(res, wire);
    // Timer J (64*T1), zero over TCP.
    if (this.reliable) this.terminate();
    else this.ctx.lingerLong.add(this);
    return sent;
  }

  receiveRetransmission(): void {
    // Trying: nothing sent yet, so nothing to repeat (§17.2.2).
    if (this.st !== 'trying') this.resend();
  }

  /** Timer J is an ExpiryQueue entry, which skips a terminated transaction. */
  protected clearTimers(): void {}
}
