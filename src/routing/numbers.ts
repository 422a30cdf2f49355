/**
 * Dialled strings to routable numbers. Phones send whatever the user typed: Dutch national
 * notation (020 123 4567, 06-12345678, 0800 1234), the international prefix (0044…), or E.164
 * (+31…). Everything routable to the trunk becomes E.164 ('+31201234567'); emergency numbers
 * stay as dialled. Extensions (account usernames) are the router's business, not this file's.
 */

/** Characters people and phones put between digits (RFC 3966 §5.1.1 visual separators). */
const VISUAL_SEPARATORS = /[\s\-.()]/g;

/**
 * Emergency numbers go to the trunk like any external number and must never be blocked or
 * rewritten: not by the channel limit, not by a suspended account, not by an extension that
 * happens to share the digits. 112 is the emergency number in the Netherlands (and the EU).
 */
export const EMERGENCY_NUMBERS: ReadonlySet<string> = new Set(['112']);

/** True for a number the platform must always route to the trunk (see EMERGENCY_NUMBERS). */
export function isEmergency(dialled: string): boolean {
  return EMERGENCY_NUMBERS.has(dialled.replace(VISUAL_SEPARATORS, ''));
}

/** E.164 (ITU-T E.164 §6): at most 15 digits, the country code does not start with 0. */
function e164(digits: string): string | undefined {
  if (!/^[1-9]\d{6,14}$/.test(digits)) return undefined;
  // '+31 0 20…': callers often keep the national trunk prefix after the country code.
  if (digits.startsWith('310')) return dutchSubscriber(digits.slice(3)) ? `+31${digits.slice(3)}` : undefined;
  if (digits.startsWith('31')) return dutchSubscriber(digits.slice(2)) ? `+${digits}` : undefined;
  return `+${digits}`;
}

/**
 * A Dutch number after the 0 (or after +31): 9 digits for geographic, mobile (6), 085/088/091
 * and other nomadic numbers; 0800/0900/0906/0909 service numbers have 4 or 7 digits after their
 * 3-digit prefix (Nummerplan telefoon- en ISDN-diensten).
 */
function dutchSubscriber(rest: string): boolean {
  if (/^(800|90[069])\d+$/.test(rest)) return rest.length === 7 || rest.length === 10;
  return /^[1-9]\d{8}$/.test(rest);
}

/**
 * Normalizes a dialled string to an external destination: E.164 ('+31201234567', '+442071234567')
 * or an emergency number ('112'). Undefined when it is none of these (an extension, a typo, a
 * SIP user name).
 */
export function normalizeNumber(dialled: string): string | undefined {
  const s = dialled.replace(VISUAL_SEPARATORS, '');
  if (EMERGENCY_NUMBERS.has(s)) return s;
  if (/^\+\d+$/.test(s)) return e164(s.slice(1));
  if (/^00\d+$/.test(s)) return e164(s.slice(2));
  if (/^0[1-9]\d+$/.test(s)) return dutchSubscriber(s.slice(1)) ? `+31${s.slice(1)}` : undefined;
  return undefined;
}
