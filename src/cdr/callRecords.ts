/**
 * The seam between calls and CDRs: hooks the number-call runtime (src/calls/NumberCall.ts) and
 * the phones' call router (src/routing/callRouter.ts) call as a call starts, is answered and
 * ends. They only report; deciding dispositions and rating happens here and in CdrRecorder.
 */
import type Srf from 'drachtio-srf';
import type { NumberCallSummary } from '../calls/NumberCall.js';
import type { Logger } from '../logger.js';
import type { ServiceNumber } from '../numbers/NumberTypes.js';
import type { PathEntry } from '../plans/CallMachineTypes.js';
import { isEmergency } from '../routing/numbers.js';
import type { Account } from '../store/StoreTypes.js';
import type { AnsweredBy, CdrStart, Disposition } from './CdrTypes.js';
import type { CdrEnd, CdrRecorder } from './CdrRecorder.js';
import { parseServiceNumber } from '../numbers/normalize.js';
import { callerIdentityOf, uriUser } from './callerIdentity.js';
import type { CreditLimit } from './CreditLimit.js';
import { destinationTypeOf } from './rates.js';

/** How a SIP final status reads as a disposition (RFC 3261 §21). */
export function dispositionOfStatus(status: number): Disposition {
  if (status >= 200 && status < 300) return 'answered';
  if (status === 486 || status === 600) return 'busy';
  if (status === 480 || status === 408) return 'no-answer';
  if (status === 487) return 'abandoned';
  return 'failed';
}

/**
 * A number call's disposition from its summary. A call that never ran its plan carries its SIP
 * status (486 = the number's channel limit); a plan that ended by itself after a forward that
 * did not connect reports that forward's result; otherwise the platform answered and the plan
 * ran to its end ('answered', answered by the plan).
 */
export function numberCallDisposition(s: Pick<NumberCallSummary, 'sipStatus' | 'end' | 'path'>): Disposition {
  if (s.sipStatus !== undefined) {
    if (s.sipStatus === 486) return 'refused-channel-limit';
    if (s.sipStatus >= 200 && s.sipStatus < 300) return 'failed';
    return dispositionOfStatus(s.sipStatus);
  }
  if (s.end === 'answered') return 'answered';
  if (s.end === 'caller-hungup') return 'abandoned';
  if (s.end === undefined) return 'failed';
  const lastForward = lastOf(s.path, (p) => p.type === 'forward' || p.type === 'huntgroup');
  if (lastForward?.outcome === 'busy') return 'busy';
  if (lastForward?.outcome === 'noanswer') return 'no-answer';
  if (lastForward?.outcome === 'failed') return 'failed';
  return 'answered';
}

function lastOf(path: PathEntry[], pick: (p: PathEntry) => boolean): PathEntry | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (pick(path[i])) return path[i];
  return undefined;
}

export interface NumberCallHooks {
  onCallStarted(req: Srf.SrfRequest, number: ServiceNumber, startedAt: number): void;
  onCallEnded(summary: NumberCallSummary): void;
  /** A call to a number we do not have: a CDR without a customer ('-' in the totals), refused with 404. */
  onUnknownNumber(req: Srf.SrfRequest): void;
}

/** The dialled number of an INVITE as E.164 and type (the Request-URI user, else the To user). */
function dialledNumber(req: Srf.SrfRequest): { e164: string; type: ServiceNumber['type'] } | undefined {
  for (const candidate of [req.uri, req.get('To')]) {
    const user = uriUser(candidate);
    if (!user) continue;
    const parsed = parseServiceNumber(user);
    if (!('error' in parsed)) return parsed;
  }
  return undefined;
}

/** CDR hooks for NumberCall; `alsoEnded` keeps another listener of the summaries. */
export function numberCallHooks(recorder: CdrRecorder, alsoEnded?: (s: NumberCallSummary) => void, now: () => number = Date.now): NumberCallHooks {
  const open = new Map<string, CdrStart>();
  return {
    onUnknownNumber(req) {
      const dialled = dialledNumber(req);
      if (!dialled) return;
      const at = now();
      const start = recorder.open({
        callId: req.get('Call-ID'),
        direction: 'inbound',
        called: dialled.e164,
        calledType: dialled.type,
        caller: callerIdentityOf({ from: req.get('From'), pai: req.get('P-Asserted-Identity'), privacy: req.get('Privacy') }),
        startedAt: at,
      });
      void recorder.close(start, { endedAt: at, disposition: 'failed', sipStatus: 404 });
    },
    onCallStarted(req, number, startedAt) {
      const start = recorder.open({
        callId: req.get('Call-ID'),
        direction: 'inbound',
        customerId: number.customerId,
        numberId: number.id,
        called: number.e164,
        calledType: number.type,
        caller: callerIdentityOf({ from: req.get('From'), pai: req.get('P-Asserted-Identity'), privacy: req.get('Privacy') }),
        ...(number.tariff && number.status === 'active' ? { tariff: number.tariff } : {}),
        startedAt,
      });
      open.set(`${start.callId}\n${number.id}`, start);
    },
    onCallEnded(s) {
      alsoEnded?.(s);
      const key = `${s.callId}\n${s.numberId}`;
      const start = open.get(key);
      if (!start) return;
      open.delete(key);
      const disposition = numberCallDisposition(s);
      // A suspended number plays "niet in dienst" without the tariff: nothing to charge.
      const tariffed = s.planSource !== 'not-in-service';
      const end: CdrEnd = {
        endedAt: s.endedAt,
        disposition,
        ...(s.answeredAt !== undefined ? { answeredAt: s.answeredAt } : {}),
        ...(s.sipStatus !== undefined ? { sipStatus: s.sipStatus } : {}),
        ...(s.planSource !== '-' ? { planSource: s.planSource, path: s.path } : {}),
        ...(s.answeredBy ? { answeredBy: pickAnsweredBy(s.answeredBy) } : disposition === 'answered' && s.sipStatus === undefined ? { answeredBy: { plan: true as const } } : {}),
        ...(s.tariffAnnouncementEndedAt !== undefined && tariffed ? { tariffAnnouncementEndedAt: s.tariffAnnouncementEndedAt } : {}),
      };
      void recorder.close(start, end);
    },
  };
}

function pickAnsweredBy(a: { account?: string; number?: string }): AnsweredBy {
  return { ...(a.account ? { account: a.account } : {}), ...(a.number ? { number: a.number } : {}) };
}

/** One call from a phone, as the router reports it. */
export interface PhoneCallRecord {
  /** The callee answered and the caller got the 200 OK. */
  answered(): void;
  /** Refused before ringing: the caller's or callee's channel limit. */
  refusedAtChannelLimit(): void;
  refusedAtCreditLimit(): void;
  /** The call is over (BYE, or handed over); `status`: the caller's final status if never answered. Once only. */
  ended(status?: number): void;
  /** Routing is done: ends the record unless the call was answered (that one ends at its BYE). */
  notAnswered(status?: number): void;
}

export interface PhoneCallHooks {
  /** A call from a phone to an extension (`called` = username) or out through the trunk (`called` = E.164 or 112). */
  started(req: Srf.SrfRequest, caller: Account, kind: 'extension' | 'outbound', called: string): PhoneCallRecord;
  /**
   * False when the caller's customer has used up its monthly credit: the caller has then been
   * told so ("Uw belegtegoed voor deze maand is op.") and the call must not go out.
   */
  mayCallOut(req: Srf.SrfRequest, res: Srf.SrfResponse, caller: Account, record: PhoneCallRecord | undefined): Promise<boolean>;
}

export function phoneCallHooks(recorder: CdrRecorder, credit: CreditLimit | undefined, logger: Logger, now: () => number = Date.now): PhoneCallHooks {
  return {
    started(req, caller, kind, called) {
      const emergency = kind === 'outbound' && isEmergency(called);
      const identity = callerIdentityOf({ from: req.get('From'), privacy: req.get('Privacy') });
      const start = recorder.open({
        callId: req.get('Call-ID'),
        direction: kind,
        customerId: caller.customerId,
        accountId: caller.id,
        called,
        calledType: kind === 'extension' ? 'extension' : destinationTypeOf(recorder.rates.outbound, called, emergency),
        caller: { number: caller.username, restricted: identity.restricted },
        startedAt: now(),
      });
      let answeredAt: number | undefined;
      let refused: Disposition | undefined;
      let done = false;
      // An answered outbound call counts against the credit limit while it lasts (CreditLimit.ts).
      let releaseCredit: (() => void) | undefined;
      return {
        answered() {
          if (answeredAt !== undefined || done) return;
          answeredAt = now();
          if (kind === 'outbound' && !emergency && credit && caller.customerId) releaseCredit = credit.callAnswered(caller.customerId, called, answeredAt);
        },
        refusedAtChannelLimit() {
          refused = 'refused-channel-limit';
        },
        refusedAtCreditLimit() {
          refused = 'refused-credit-limit';
        },
        notAnswered(status) {
          if (answeredAt === undefined) this.ended(status);
        },
        ended(status) {
          if (done) return;
          done = true;
          releaseCredit?.();
          const disposition: Disposition = refused ?? (answeredAt !== undefined ? 'answered' : dispositionOfStatus(status ?? 500));
          const end: CdrEnd = {
            endedAt: now(),
            disposition,
            ...(answeredAt !== undefined && !refused ? { answeredAt, answeredBy: kind === 'extension' ? { account: called } : { number: called } } : {}),
            ...(answeredAt === undefined && status !== undefined ? { sipStatus: status } : {}),
          };
          void recorder.close(start, end).catch((err: Error) => logger.error({ err: err.message }, 'phone call cdr failed'));
        },
      };
    },
    async mayCallOut(req, res, caller, record) {
      if (!credit) return true;
      if (await credit.allows(caller.customerId)) return true;
      record?.refusedAtCreditLimit();
      await credit.refuse(req, res);
      return false;
    },
  };
}
