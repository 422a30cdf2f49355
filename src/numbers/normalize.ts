/**
 * Dutch service numbers in any notation people and equipment write them, normalized to E.164
 * and typed by their range in the Dutch numbering plan (Nummerplan telefoon- en ISDN-diensten).
 *
 * National significant number (NSN) = the E.164 number after '+31', without the trunk '0'.
 */
import type { NumberType } from './NumberTypes.js';

export type ParsedNumber = { e164: string; type: NumberType } | { error: string };

/** 0800 and 090x: the 4-digit prefix is followed by 4 or 7 digits (0800-1234, 0909-1234567). */
const SHORT_OR_LONG = new Set([4 + 3, 7 + 3]);

/** 0[1-5,7]: the geographic area codes (010 Rotterdam … 079 Zoetermeer); 06 mobile, 08x and 09x are not geographic. */
const GEOGRAPHIC_FIRST_DIGIT = /^[1-57]/;

/** The dialable part of a SIP or tel URI: its user part, without URI parameters, percent-decoded. */
function userPart(input: string): string {
  let s = input.trim();
  // A name-addr ('"Sales" <sip:0909…@host>') carries the URI between angle brackets.
  const angled = /<([^>]*)>/.exec(s);
  if (angled) s = angled[1].trim();
  const scheme = /^(sips?|tel):/i.exec(s);
  if (!scheme) return s;
  s = s.slice(scheme[0].length);
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  // RFC 3966 §3 / RFC 3261 §19.1.6: ';phone-context=…', ';isub=…' follow the number.
  const semi = s.indexOf(';');
  if (semi >= 0) s = s.slice(0, semi);
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The NSN of a Dutch number, or an error. Accepts '+31…', '0031…', '0…' (national) and the
 * 4-digit 18xy numbers, which are dialled without a trunk prefix.
 */
function nationalSignificant(raw: string, shown: string): string | { error: string } {
  // '+31 (0)909 …': the '(0)' is the trunk prefix written for national callers; drop it first.
  let s = raw.replace(/^(\s*(?:\+|00)\s*31[\s.-]*)\(\s*0\s*\)/, '$1');
  // Visual separators of RFC 3966 §5.1.1 plus the space and slash people use.
  s = s.replace(/[\s.\-()/]/g, '');
  if (s === '') return { error: 'a number is required' };
  if (!/^\+?\d+$/.test(s)) return { error: `"${shown}" is not a phone number: only digits, "+" and separators are allowed` };

  let nsn: string;
  if (s.startsWith('+31')) nsn = s.slice(3);
  else if (s.startsWith('0031')) nsn = s.slice(4);
  else if (s.startsWith('+') || s.startsWith('00')) return { error: `"${shown}" is not a Dutch number (+31)` };
  else if (s.startsWith('0')) return s.slice(1);
  else if (/^18\d\d$/.test(s)) return s;
  else return { error: `"${shown}" is incomplete: write it with the leading 0 or as +31…` };
  // '+310909…': a trunk '0' kept after the country code, the same mistake as '+31 (0)'.
  if (nsn.startsWith('0')) nsn = nsn.slice(1);
  return nsn;
}

/** The type of a Dutch NSN, or why it cannot be a service number. */
function typeOf(nsn: string, shown: string): NumberType | { error: string } {
  const len = nsn.length;
  if (nsn.startsWith('6')) return { error: 'mobile numbers (06) cannot be service numbers' };
  if (nsn.startsWith('800')) {
    return SHORT_OR_LONG.has(len) ? '0800' : { error: `"${shown}": an 0800 number has 4 or 7 digits after 0800` };
  }
  if (nsn.startsWith('9')) {
    const prefix = nsn.slice(0, 3);
    if (prefix !== '900' && prefix !== '906' && prefix !== '909') {
      return { error: `"${shown}": of the 09 ranges only 0900, 0906 and 0909 are service numbers` };
    }
    return SHORT_OR_LONG.has(len)
      ? (`0${prefix}` as NumberType)
      : { error: `"${shown}": an 0${prefix} number has 4 or 7 digits after 0${prefix}` };
  }
  // 18xy (abonnee-informatienummers) are exactly 4 digits; 9-digit NSNs starting 18 are area code 018x.
  if (/^18\d\d$/.test(nsn)) return '18xy';
  if (len !== 9) return { error: `"${shown}" has ${len + 1} digits; a Dutch number has 10 (0 and 9 more)` };
  if (nsn.startsWith('85')) return '085';
  if (nsn.startsWith('88')) return '088';
  if (nsn.startsWith('84') || nsn.startsWith('87')) {
    return { error: `"${shown}": 084 and 087 (personal and VoIP numbers) cannot be service numbers` };
  }
  if (GEOGRAPHIC_FIRST_DIGIT.test(nsn)) return 'geographic';
  return { error: `"${shown}" is not in a range that can be a service number (0800, 090x, 18xy, 085, 088, geographic)` };
}

/**
 * Parses a Dutch service number written any common way: '0909 123 4567', '0909-1234567',
 * '+319091234567', '00319091234567', '+31 (0)909 1234567', '1844', 'sip:09091234567@host',
 * 'sip:+319091234567@host;user=phone', 'tel:+319091234567'.
 */
export function parseServiceNumber(input: string): ParsedNumber {
  const shown = input.trim();
  const nsn = nationalSignificant(userPart(input), shown);
  if (typeof nsn !== 'string') return nsn;
  const type = typeOf(nsn, shown);
  if (typeof type !== 'string') return type;
  return { e164: `+31${nsn}`, type };
}

/** How a Dutch caller dials the number: '09091234567', '0201234567'; 18xy numbers as '1844'. */
export function nationalNotation(e164: string): string {
  const nsn = e164.startsWith('+31') ? e164.slice(3) : e164;
  return /^18\d\d$/.test(nsn) ? nsn : `0${nsn}`;
}
