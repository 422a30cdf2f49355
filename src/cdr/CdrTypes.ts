/**
 * Call detail records ("CDR's"): one per call attempt, answered or not, to a service number
 * (inbound), between extensions, or out through the trunk. A record is opened when the call
 * starts and closed exactly once when it ends (or, after a crash, when the app comes back), so
 * no call is lost and none is counted twice. Money is in integer euro cents (caller charges incl.
 * VAT, as the tariff is set) or integer milli-cents (amounts excl. VAT, costs, outpayment), so
 * sums over a million calls carry no float drift.
 */
import type { NumberType, Tariff } from '../numbers/NumberTypes.js';
import type { PathEntry } from '../plans/CallMachineTypes.js';

export type CallDirection = 'inbound' | 'extension' | 'outbound';

/** What an outbound destination is rated as (see rates.ts). */
export type DestinationType = 'nl-fixed' | 'nl-mobile' | 'nl-service' | 'international' | 'emergency';

/** The called number's kind: a service-number type, an extension, or an outbound destination. */
export type CalledType = NumberType | 'extension' | DestinationType;

/**
 * How the call ended. 'answered': connected to a person (a forward or an extension), or for a
 * service number the plan ran to its own end (announcements only); 'abandoned': the caller hung
 * up while still in the plan; 'busy' / 'no-answer' / 'failed': the last forward (or the ringing
 * phones) did not connect; 'refused-*': refused before anything was played.
 */
export const DISPOSITIONS = [
  'answered',
  'no-answer',
  'busy',
  'failed',
  'abandoned',
  'refused-channel-limit',
  'refused-credit-limit',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/**
 * The caller as we received it. A caller who asked for presentation restriction (RFC 3323
 * `Privacy: id`, or an anonymous From with the number in P-Asserted-Identity) is stored with
 * `restricted: true`: the number is kept for disputes and abuse handling, but every report,
 * export and display shows 'anonymous' (shownCaller in callerIdentity.ts, used by the CDR export in reports.ts).
 */
export interface CallerIdentity {
  number?: string;
  restricted: boolean;
}

/** Who answered: an account (extension or forward to an account) or an external number. */
export interface AnsweredBy {
  account?: string;
  number?: string;
  /** 'plan': the platform answered and the plan ran to its end without connecting anyone. */
  plan?: true;
}

/** What is known when a call starts; written at once so a crash leaves an open record. */
export interface CdrStart {
  /** Our record id (UUID); one per INVITE that reached the app. */
  id: string;
  callId: string;
  direction: CallDirection;
  customerId?: string;
  /** The service number called (inbound). */
  numberId?: string;
  /** The caller's account (calls from phones). */
  accountId?: string;
  /** E.164 of the service number, the dialled extension, or the outbound destination. */
  called: string;
  calledType: CalledType;
  caller: CallerIdentity;
  /** The caller tariff of the service number, incl. VAT (as set on the number at call start). */
  tariff?: Tariff;
  startedAt: number;
}

/** The caller's charge and the operator's figures for one call. */
export interface CdrRating {
  /** Seconds charged: from the end of the tariff announcement (ACM) or the answer, to the end. */
  billableSeconds: number;
  /** What the caller pays, euro cents incl. 21% VAT (0 without a tariff). */
  chargeInclVatCents: number;
  chargeExclVatMilliCents: number;
  /** The operator's cost for carrying the call (cost table by number type, or the outbound rate). */
  costMilliCents: number;
  /** Revenue excl. VAT minus cost: what the customer receives for a 090x call. */
  outpaymentMilliCents: number;
}

export interface Cdr extends CdrStart, CdrRating {
  answeredAt?: number;
  endedAt: number;
  /** Seconds from start to end (whole seconds, rounded up). */
  durationSeconds: number;
  /** Seconds from answer to end (0 unanswered). */
  talkSeconds: number;
  disposition: Disposition;
  /** The SIP status a refused or unanswered call got (486, 480, 404, …). */
  sipStatus?: number;
  planSource?: string;
  path?: PathEntry[];
  answeredBy?: AnsweredBy;
  tariffAnnouncementEndedAt?: number;
  /** Set when the record was closed after a crash: the end time is the last sign of life. */
  recovered?: true;
  /** Set once the caller's number was removed by retention (CDR_ANONYMISE_AFTER_DAYS). */
  callerAnonymised?: true;
}

/** An open record as stored: the start plus the app instance that carries the call. */
export interface OpenCdr {
  start: CdrStart;
  instanceId: string;
}
