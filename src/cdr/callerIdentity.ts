/**
 * Who called, and whether the caller may be shown. RFC 3323 §4.2: `Privacy: id` asks that the
 * caller's identity (P-Asserted-Identity, RFC 3325) not be passed on; a From of
 * 'anonymous@anonymous.invalid' (RFC 3323 §4.1.1.3) hides it in the From itself. Either way the
 * number we can learn (PAI first, then From) is stored, flagged restricted, and shown as
 * 'anonymous' in every report and export.
 */
import type { CallerIdentity } from './CdrTypes.js';

const ANONYMOUS_USERS = new Set(['anonymous', 'restricted', 'unavailable', 'unknown', 'private']);

/** 'sip:+31612345678@host;user=phone', '<tel:+316…>', '"Jan" <sip:0612…@h>' → the user part. */
export function uriUser(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const bracketed = /<([^>]*)>/.exec(value);
  const uri = (bracketed ? bracketed[1] : value).trim();
  const m = /^(?:sips?|tel):([^@;>?]+)/i.exec(uri);
  const user = m?.[1]?.trim();
  return user ? decodeURIComponent(user) : undefined;
}

/** The caller from the From, P-Asserted-Identity and Privacy header values (any may be absent). */
export function callerIdentityOf(headers: { from?: string; pai?: string; privacy?: string }): CallerIdentity {
  const fromUser = uriUser(headers.from);
  const paiUser = uriUser(headers.pai?.split(',')[0]);
  const privacyValues = (headers.privacy ?? '').toLowerCase().split(/[;,\s]+/);
  const anonymousFrom = fromUser === undefined || ANONYMOUS_USERS.has(fromUser.toLowerCase());
  const restricted = privacyValues.includes('id') || privacyValues.includes('user') || anonymousFrom;
  const number = paiUser ?? (anonymousFrom ? undefined : fromUser);
  return { ...(number ? { number } : {}), restricted };
}

/** The caller as reports and exports show it. */
export function shownCaller(caller: CallerIdentity): string {
  if (caller.restricted || !caller.number) return 'anonymous';
  return caller.number;
}
