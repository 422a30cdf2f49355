/**
 * Parallel forking for a B2BUA leg (RFC 3261 §16.7-style, done by the UAC side): INVITE every
 * target at once, keep the first to answer and CANCEL the rest straight away so no other phone
 * keeps ringing. Extension calls use it for an account's registered phones; hunt groups reuse it.
 */
import type Srf from 'drachtio-srf';

export interface ForkTarget {
  /** Request-URI, e.g. the Contact a phone registered. */
  uri: string;
  /** Where to send the INVITE instead, e.g. 'sip:203.0.113.5:5060;transport=udp': the NAT source of the registration. */
  proxy?: string;
}

export interface ForkOptions {
  localSdp: string;
  headers?: Record<string, string>;
  callingNumber?: string;
  callerName?: string;
  /** Give up after this long without an answer (default 60 s): every leg is CANCELed, status 480. */
  timeoutMs?: number;
  /** Credentials for a target that challenges (the trunk). */
  auth?: { username: string; password: string };
  /** Abort (the caller hung up): every leg is CANCELed, status 487. */
  signal?: AbortSignal;
}

export interface ForkResult {
  dialog: Srf.Dialog;
  /** Index into targets of the leg that answered. */
  answeredBy: number;
}

/** A fork that ended without an answer; `status` is what to tell the caller. */
export class ForkError extends Error {
  constructor(readonly status: number, message: string, readonly statuses: number[] = []) {
    super(message);
    this.name = 'ForkError';
  }
}

/** No answer in time: the caller hears "temporarily unavailable" (RFC 3261 §21.4.18). */
export const NO_ANSWER_STATUS = 480;

/**
 * The response to give the caller when every leg failed (RFC 3261 §16.7 point 6, simplified):
 * busy wins, because one busy phone means the person is there; otherwise the lowest final status.
 */
export function bestFailure(statuses: readonly number[]): number {
  if (statuses.some((s) => s === 486 || s === 600)) return 486;
  const finals = statuses.filter((s) => s >= 300);
  return finals.length > 0 ? Math.min(...finals) : NO_ANSWER_STATUS;
}

/** BYE without a promise that could reject unobserved (srf's destroy() rejects when the dialog is already gone). */
export function hangUp(dialog: Srf.Dialog): void {
  try {
    dialog.destroy(undefined, () => undefined);
  } catch {
    // Already torn down.
  }
}

interface Leg {
  req?: Srf.SrfRequest;
  /** A CANCEL was wanted before srf handed us the request. */
  cancelWanted: boolean;
  done: boolean;
  status?: number;
}

function statusOf(err: unknown): number {
  const status = (err as { status?: unknown }).status;
  // A leg that could not even be sent (transport error, bad URI) is an unreachable phone.
  return typeof status === 'number' ? status : NO_ANSWER_STATUS;
}

/** Rings every target at once; resolves with the first answer, rejects with a ForkError otherwise. */
export function forkCall(
  srf: Srf,
  targets: readonly ForkTarget[],
  opts: ForkOptions,
  onProvisional?: (res: Srf.SrfResponse) => void,
): Promise<ForkResult> {
  if (targets.length === 0) return Promise.reject(new ForkError(NO_ANSWER_STATUS, 'no targets to ring'));
  if (opts.signal?.aborted) return Promise.reject(new ForkError(487, 'caller hung up'));

  return new Promise<ForkResult>((resolve, reject) => {
    const legs: Leg[] = targets.map(() => ({ cancelWanted: false, done: false }));
    let settled = false;

    const cancelLeg = (leg: Leg): void => {
      if (leg.done) return;
      if (!leg.req) {
        leg.cancelWanted = true;
        return;
      }
      try {
        leg.req.cancel(() => undefined);
      } catch {
        // srf throws when the request never went out; its createUAC promise fails by itself.
      }
    };

    const settle = (): void => {
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };

    const giveUp = (status: number, why: string): void => {
      if (settled) return;
      settle();
      for (const leg of legs) cancelLeg(leg);
      reject(new ForkError(status, why));
    };

    const onAbort = (): void => giveUp(487, 'caller hung up');
    const timer = setTimeout(() => giveUp(NO_ANSWER_STATUS, 'no answer'), opts.timeoutMs ?? 60_000);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    targets.forEach((target, i) => {
      const leg = legs[i];
      const uacOpts: Srf.CreateUACOptions & { callingNumber?: string; callingName?: string } = {
        localSdp: opts.localSdp,
        // srf writes into headers; every leg needs its own copy.
        headers: { ...opts.headers },
      };
      if (target.proxy) uacOpts.proxy = target.proxy;
      if (opts.auth) uacOpts.auth = opts.auth;
      if (opts.callingNumber) {
        uacOpts.callingNumber = opts.callingNumber;
        // srf would copy the From (display name included) into Contact; some phones (SIPp's
        // [next_url] among them) take a Contact's display name for part of the URI.
        const headers = uacOpts.headers ?? {};
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'contact')) headers.contact = `<sip:${opts.callingNumber}@localhost>`;
        uacOpts.headers = headers;
      }
      if (opts.callerName) uacOpts.callingName = opts.callerName;

      // srf calls cbRequest(err, req), whatever its bundled typings say.
      const cbRequest = (err: unknown, req?: Srf.SrfRequest): void => {
        if (err || !req) return;
        leg.req = req;
        if (leg.cancelWanted) cancelLeg(leg);
      };
      const cbProvisional = (res: Srf.SrfResponse): void => {
        if (!settled && !leg.cancelWanted) onProvisional?.(res);
      };

      srf
        .createUAC(target.uri, uacOpts, {
          cbRequest: cbRequest as unknown as (req: Srf.SrfRequest) => void,
          cbProvisional,
        })
        .then(
          (dialog) => {
            leg.done = true;
            if (settled) {
              // Answered after another leg won (or after we gave up): hang this one up.
              hangUp(dialog);
              return;
            }
            settle();
            for (const other of legs) if (other !== leg) cancelLeg(other);
            resolve({ dialog, answeredBy: i });
          },
          (err: unknown) => {
            leg.done = true;
            leg.status = statusOf(err);
            if (settled || !legs.every((l) => l.done)) return;
            settle();
            const statuses = legs.map((l) => l.status ?? NO_ANSWER_STATUS);
            reject(new ForkError(bestFailure(statuses), `no leg answered (${statuses.join(', ')})`, statuses));
          },
        );
    });
  });
}
