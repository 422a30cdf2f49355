/**
 * Graceful shutdown of one app instance (SIGTERM). With several instances on one drachtio
 * server, the instance first takes itself out of the server's INVITE rotation (remove_route), so
 * new calls go to the others; an INVITE that still reaches it is answered 503 with Retry-After
 * (RFC 3261 §21.5.4). Calls in progress go on until they end or the grace period is over; then
 * both legs get a BYE and their CDRs close with real figures, not as crash leftovers.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from '../logger.js';
import type { AnsweredCall } from '../routing/callRouter.js';
import { LiveCallList } from '../calls/LiveCallList.js';

/** Seconds a caller refused while this instance drains should wait: another instance takes the retry. */
export const DRAINING_RETRY_AFTER_SECONDS = 5;

/** How long hung-up calls get to finish their BYE transactions and CDRs after the deadline. */
export const END_WAIT_MS = 5_000;

/** What LiveCalls needs from the number-call runtime (src/calls/NumberCall.ts). */
export interface NumberCallRuntime {
  /** Hangs up every number call in progress. */
  close(): Promise<void>;
}

interface PendingInvite {
  req: Srf.SrfRequest;
  res: Srf.SrfResponse;
}

/**
 * Every call this instance carries: INVITEs still being handled (a number call's handler runs
 * until the call ends; a phone call's until it is answered or refused) and answered phone calls
 * (extension and trunk calls, which live on in their dialogs after the router returns).
 */
export class LiveCalls {
  private readonly pending = new Set<PendingInvite>();
  private readonly phoneCalls = new Set<AnsweredCall>();
  private numberCalls: NumberCallRuntime | undefined;
  /** What each call is doing, for the admin (GET /calls/live); number calls report into it themselves. */
  readonly list = new LiveCallList();

  constructor(private readonly logger: Logger) {}

  /** The number-call runtime whose calls endAll() hangs up too. */
  attachNumberCalls(numberCalls: NumberCallRuntime): void {
    this.numberCalls = numberCalls;
  }

  /** Tracks one INVITE's handling until `handled` settles. */
  track(req: Srf.SrfRequest, res: Srf.SrfResponse, handled: Promise<void>): void {
    const entry: PendingInvite = { req, res };
    this.pending.add(entry);
    void handled.finally(() => this.pending.delete(entry)).catch(() => undefined);
  }

  /** A phone call was answered; it counts until it ends. */
  phoneCallAnswered(call: AnsweredCall): void {
    this.phoneCalls.add(call);
    this.list.start({
      callId: call.callId, kind: 'phone', called: call.called ?? '', caller: call.callerIdentity ?? { restricted: false }, state: 'connected', startedAt: Date.now(),
      ...(call.customerId ? { customerId: call.customerId } : {}),
      ...(call.accountId ? { accountId: call.accountId } : {}),
    });
    void call.whenEnded.finally(() => {
      this.phoneCalls.delete(call);
      this.list.end(call.callId);
    });
  }

  /** Calls in progress: INVITEs being handled (a number call's for its whole length) and answered phone calls. */
  count(): number {
    return this.pending.size + this.phoneCalls.size;
  }

  /**
   * Ends every call: BYE to both legs of number and phone calls, and an INVITE not yet answered
   * gets 503 and is treated as if its caller had cancelled (forks to phones are CANCELled). Waits
   * up to `waitMs` for the calls' handlers (and with them their CDRs) to finish.
   */
  async endAll(waitMs = END_WAIT_MS): Promise<void> {
    const before = this.count();
    if (before > 0) this.logger.info({ calls: before }, 'hanging up the calls still in progress');
    await this.numberCalls?.close();
    for (const call of [...this.phoneCalls]) {
      await call.hangUp().catch((err: Error) => this.logger.warn({ err: err.message, callId: call.callId }, 'hanging up a phone call failed'));
    }
    const refused = new Set<Srf.SrfRequest>();
    for (const { req, res } of this.pending) {
      if (res.finalResponseSent || refused.has(req)) continue;
      refused.add(req);
      try {
        refuseWhileDraining(res);
      } catch (err) {
        this.logger.debug({ err: (err as Error).message }, 'refusing a pending INVITE at shutdown failed');
      }
      // The handlers stop ringing phones and close the record on the caller's CANCEL; they get the same.
      (req as unknown as NodeJS.EventEmitter).emit('cancel');
    }
    await waitUntil(() => this.count() === 0, waitMs);
    const left = this.count();
    if (left > 0) this.logger.warn({ calls: left }, 'calls still winding down at shutdown; their CDRs are closed by recovery');
  }
}

/** Answers an INVITE that reached an instance that is shutting down. */
export function refuseWhileDraining(res: Srf.SrfResponse): void {
  res.send(503, { headers: { 'Retry-After': String(DRAINING_RETRY_AFTER_SECONDS) } });
}

export interface DrainOptions {
  calls: Pick<LiveCalls, 'count' | 'endAll'>;
  /** Takes this instance out of the INVITE rotation; new INVITEs are refused from now on. */
  stopTakingCalls(): void;
  /** How long calls in progress may go on (SHUTDOWN_GRACE_SECONDS). */
  graceMs: number;
  logger: Logger;
  /** True when waiting is pointless (the SIP server connection is gone, the calls with it). */
  abandoned?: () => boolean;
  /** How often the call count is looked at (default 100 ms). */
  pollMs?: number;
}

/**
 * Stops taking calls, waits up to `graceMs` for the calls in progress to end by themselves, then
 * hangs up the rest. Returns how many calls were still up at the deadline.
 */
export async function drainCalls(opts: DrainOptions): Promise<{ hungUp: number }> {
  opts.stopTakingCalls();
  const atStart = opts.calls.count();
  opts.logger.info({ calls: atStart, graceSeconds: opts.graceMs / 1000 }, 'draining: no new calls; waiting for calls in progress');
  await waitUntil(() => opts.calls.count() === 0 || opts.abandoned?.() === true, opts.graceMs, opts.pollMs);
  if (opts.abandoned?.()) {
    opts.logger.warn({ calls: opts.calls.count() }, 'draining abandoned: the SIP server connection is gone');
    return { hungUp: 0 };
  }
  const hungUp = opts.calls.count();
  if (hungUp > 0) {
    opts.logger.info({ calls: hungUp }, 'grace period over; hanging up');
    await opts.calls.endAll();
  } else opts.logger.info('draining: no calls left');
  return { hungUp };
}

/** Resolves once `done()` is true or `ms` have passed (checked every `pollMs`). */
async function waitUntil(done: () => boolean, ms: number, pollMs = 100): Promise<void> {
  const until = Date.now() + ms;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, until - Date.now()))));
}
