/**
 * Call transfer: what a REFER asks for (RFC 3515 Refer-To, with Replaces for an attended
 * transfer, RFC 3891) and how its progress is reported back (NOTIFY with a message/sipfrag
 * body, RFC 3420). Pure functions and the one NOTIFY sender; src/calls/ConnectedCall.ts carries
 * transfers out.
 */
import type Srf from 'drachtio-srf';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { userOf } from '../routing/callRouter.js';

/** The dialog a Replaces header names, from the transfer target's point of view (RFC 3891 §3). */
export interface ReplacesId {
  callId: string;
  /** Compared to the replaced dialog's local tag (ours, in a B2BUA). */
  toTag: string;
  /** Compared to the replaced dialog's remote tag (the transferor's). */
  fromTag: string;
}

/** A parsed Refer-To: who to transfer to, and for an attended transfer which call to replace. */
export interface ReferTarget {
  uri: string;
  /** The user part: an extension (account username) or a dialled number. */
  user: string;
  replaces?: ReplacesId;
}

/** How one transfer went, for the call's summary (CDR): who transferred whom to whom, when. */
export interface TransferRecord {
  kind: 'blind' | 'attended';
  /** ms since the epoch (the runtime's clock), when the REFER arrived. */
  at: number;
  /** The party that sent the REFER. */
  by: string;
  /** The party that was transferred. */
  transferee: string;
  /** Where to: the Refer-To user (an extension or number). */
  to: string;
  result: 'completed' | 'failed';
  /** The final status the transferor was told in the sipfrag. */
  status: number;
}

const required = (what: string) => z.string({ error: `Replaces needs a ${what}` }).min(1, `Replaces needs a ${what}`);
const replacesSchema = z.object({ callId: required('Call-ID'), toTag: required('to-tag'), fromTag: required('from-tag') });

/** 'callid;to-tag=a;from-tag=b' (already URI-decoded) → its parts, or an error naming the value. */
export function parseReplaces(value: string): ReplacesId | { error: string } {
  const [callId, ...params] = value.split(';').map((p) => p.trim());
  const tag = (name: string): string | undefined =>
    params.map((p) => p.split('=')).find(([k]) => k?.toLowerCase() === name)?.[1];
  const r = replacesSchema.safeParse({ callId, toTag: tag('to-tag'), fromTag: tag('from-tag') });
  if (!r.success) return { error: `Replaces "${value}": ${r.error.issues.map((i) => i.message).join(', ')}` };
  return r.data;
}

/**
 * A Refer-To header value: '<sip:202@host?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>' or a bare
 * 'sip:0201234567@host'. Embedded headers (RFC 3261 §19.1.1) are URI-escaped.
 */
export function parseReferTo(value: string | undefined): ReferTarget | { error: string } {
  if (!value?.trim()) return { error: 'REFER without Refer-To' };
  const bracketed = /<([^>]*)>/.exec(value);
  const full = (bracketed ? bracketed[1] : value.split(';')[0]).trim();
  const [uri, headerPart] = full.split('?', 2) as [string, string | undefined];
  const user = userOf(uri);
  if (!user) return { error: `Refer-To "${value}" names no user (an extension or a number)` };
  const target: ReferTarget = { uri, user };
  for (const pair of headerPart?.split('&') ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).toLowerCase() !== 'replaces') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      return { error: `Refer-To "${value}": Replaces is not URI-escaped correctly` };
    }
    const replaces = parseReplaces(decoded);
    if ('error' in replaces) return replaces;
    target.replaces = replaces;
  }
  return target;
}

/** Reason phrases of the statuses a transfer reports (RFC 3261 §21). */
const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
  600: 'Busy Everywhere',
  603: 'Decline',
};

/** The message/sipfrag body of a REFER progress NOTIFY: the status line only (RFC 3515 §2.4.5). */
export function sipfrag(status: number): string {
  return `SIP/2.0 ${status} ${REASONS[status] ?? (status < 300 ? 'OK' : 'Failed')}\r\n`;
}

/** The NOTIFY headers for a progress report; a final status ends the implicit subscription. */
export function referNotifyHeaders(status: number): Record<string, string> {
  return {
    Event: 'refer',
    'Subscription-State': status >= 200 ? 'terminated;reason=noresource' : 'active;expires=60',
    'Content-Type': 'message/sipfrag;version=2.0',
  };
}

/** How long to wait for a NOTIFY's answer before going on (the transferor may be gone). */
const NOTIFY_WAIT_MS = 2000;

/** Tells the transferor how its REFER is going (NOTIFY, sipfrag); never rejects, waits at most 2 s. */
export async function notifyTransferor(dialog: Srf.Dialog, status: number, log: Logger): Promise<void> {
  const request = dialog.request as unknown as (opts: { method: string; headers: Record<string, string>; body: string }) => Promise<unknown>;
  const sent = request
    .call(dialog, { method: 'NOTIFY', headers: referNotifyHeaders(status), body: sipfrag(status) })
    .catch((err: unknown) => log.info({ err: (err as Error).message }, 'transfer NOTIFY not delivered'));
  await Promise.race([sent, sleep(NOTIFY_WAIT_MS)]);
}
