/**
 * Contract rules (pure; table tests in test/inventory/contracts.test.ts). A number's contract
 * starts on the earlier of the signature (the order confirmation) and the first call to the
 * number; it runs at least 12 months and then continues by tacit renewal ("stilzwijgende
 * verlenging") for an indefinite period, which the customer ends with one month's notice.
 *
 * So notice given on day N ends the contract on the later of: the last day of the minimum term,
 * and the last day of one month counted from N. Periods end the day before their anniversary
 * (calendar.ts: 31 January + 1 month ends on the last day of February; 29 February + 12 months
 * ends on 28 February).
 */
import { randomUUID } from 'node:crypto';
import { isCalendarDate, monthOf, periodEnd } from './calendar.js';
import type { Contract } from './InventoryTypes.js';

export const MINIMUM_MONTHS = 12;
export const NOTICE_MONTHS = 1;

export function contractStart(signedOn: string, firstTrafficOn?: string): string {
  return firstTrafficOn !== undefined && firstTrafficOn < signedOn ? firstTrafficOn : signedOn;
}

/** A running contract of a number that just went live; it starts on the signature date until first traffic says earlier. */
export function newContract(of: { customerId: string; orderId: string; e164: string; numberId: string }, signedOn: string, at: number): Contract {
  return {
    id: randomUUID(),
    version: 1,
    ...of,
    signedOn,
    startOn: contractStart(signedOn),
    minimumMonths: MINIMUM_MONTHS,
    month: monthOf(signedOn),
    status: 'running',
    createdAt: at,
  };
}

/** Last day of the minimum term. */
export function minimumTermEnd(startOn: string, minimumMonths = MINIMUM_MONTHS): string {
  return periodEnd(startOn, minimumMonths);
}

/** The earliest last day of service for notice given on `noticeOn`. */
export function earliestEnd(startOn: string, minimumMonths: number, noticeOn: string): string {
  const minimum = minimumTermEnd(startOn, minimumMonths);
  const notice = periodEnd(noticeOn, NOTICE_MONTHS);
  return notice > minimum ? notice : minimum;
}

export type NoticeCheck = { ok: true; endOn: string } | { ok: false; field: string; reason: string };

/**
 * Checks notice given on `noticeOn` (Amsterdam date), optionally asking for a later end date,
 * and computes the last day of service.
 */
export function checkNotice(
  contract: Pick<Contract, 'status' | 'signedOn' | 'startOn' | 'minimumMonths' | 'endOn'>,
  noticeOn: string,
  requestedEndOn?: string,
): NoticeCheck {
  if (contract.status !== 'running') {
    return { ok: false, field: 'noticeOn', reason: `notice was already given: the contract ends on ${contract.endOn ?? '(ended)'}` };
  }
  if (!isCalendarDate(noticeOn)) return { ok: false, field: 'noticeOn', reason: `"${noticeOn}" is not a calendar date (YYYY-MM-DD)` };
  if (noticeOn < contract.signedOn) {
    return { ok: false, field: 'noticeOn', reason: `notice (${noticeOn}) cannot precede the signature (${contract.signedOn})` };
  }
  const earliest = earliestEnd(contract.startOn, contract.minimumMonths, noticeOn);
  if (requestedEndOn === undefined) return { ok: true, endOn: earliest };
  if (!isCalendarDate(requestedEndOn)) return { ok: false, field: 'endOn', reason: `"${requestedEndOn}" is not a calendar date (YYYY-MM-DD)` };
  if (requestedEndOn < earliest) {
    return {
      ok: false,
      field: 'endOn',
      reason:
        `the contract can end on ${earliest} at the earliest: the ${contract.minimumMonths}-month minimum runs to ` +
        `${minimumTermEnd(contract.startOn, contract.minimumMonths)} and one month's notice from ${noticeOn} runs to ${periodEnd(noticeOn, NOTICE_MONTHS)}`,
    };
  }
  return { ok: true, endOn: requestedEndOn };
}

/** The contract with its first traffic recorded: the start (and its month) may move earlier. */
export function withFirstTraffic(contract: Contract, trafficOn: string): Contract {
  if (contract.firstTrafficOn !== undefined && contract.firstTrafficOn <= trafficOn) return contract;
  const startOn = contractStart(contract.signedOn, trafficOn);
  return { ...contract, firstTrafficOn: trafficOn, startOn, month: monthOf(startOn), version: contract.version + 1 };
}
