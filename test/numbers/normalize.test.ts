import { describe, expect, it } from 'vitest';
import { nationalNotation, parseServiceNumber } from '../../src/numbers/normalize.js';
import type { NumberType } from '../../src/numbers/NumberTypes.js';

const ACCEPTED: [input: string, e164: string, type: NumberType][] = [
  // Every notation of one 0909 number.
  ['0909 123 4567', '+319091234567', '0909'],
  ['0909-1234567', '+319091234567', '0909'],
  ['09091234567', '+319091234567', '0909'],
  ['+319091234567', '+319091234567', '0909'],
  ['00319091234567', '+319091234567', '0909'],
  ['+31 (0)909 1234567', '+319091234567', '0909'],
  ['+31(0)9091234567', '+319091234567', '0909'],
  ['0031 (0) 909-123 45 67', '+319091234567', '0909'],
  ['+3109091234567', '+319091234567', '0909'],
  ['  0909.123.4567  ', '+319091234567', '0909'],
  ['sip:09091234567@sip.example.nl', '+319091234567', '0909'],
  ['sip:+319091234567@sip.example.nl;user=phone', '+319091234567', '0909'],
  ['sips:+319091234567@sip.example.nl:5061;transport=tls', '+319091234567', '0909'],
  ['tel:+319091234567', '+319091234567', '0909'],
  ['tel:+31-909-123-4567;phone-context=+31', '+319091234567', '0909'],
  ['"Lijn 1" <sip:0909-1234567@10.0.0.1>', '+319091234567', '0909'],
  ['sip:%2B319091234567@host', '+319091234567', '0909'],
  ['SIP:09091234567@host', '+319091234567', '0909'],
  // 0800 and 090x: 4 or 7 digits after the prefix.
  ['0800-1234', '+318001234', '0800'],
  ['0800 1234567', '+318001234567', '0800'],
  ['+31800 1234', '+318001234', '0800'],
  ['0900-8844', '+319008844', '0900'],
  ['0900 1234567', '+319001234567', '0900'],
  ['0906-1234', '+319061234', '0906'],
  ['0906 123 4567', '+319061234567', '0906'],
  ['0909 1234', '+319091234', '0909'],
  // 18xy: four digits, no trunk prefix.
  ['1844', '+311844', '18xy'],
  ['1800', '+311800', '18xy'],
  ['1899', '+311899', '18xy'],
  ['+311844', '+311844', '18xy'],
  ['sip:1844@host', '+311844', '18xy'],
  // 085 and 088: ten-digit non-geographic.
  ['085 123 4567', '+31851234567', '085'],
  ['+31 88 123 4567', '+31881234567', '088'],
  // Geographic area codes 01x-05x, 07x (including 018x, which is not 18xy).
  ['010-1234567', '+31101234567', 'geographic'],
  ['020 123 4567', '+31201234567', 'geographic'],
  ['(030) 1234567', '+31301234567', 'geographic'],
  ['040 1234567', '+31401234567', 'geographic'],
  ['050 1234567', '+31501234567', 'geographic'],
  ['070 1234567', '+31701234567', 'geographic'],
  ['071 1234567', '+31711234567', 'geographic'],
  ['0180 123456', '+31180123456', 'geographic'],
  ['+31 592 123456', '+31592123456', 'geographic'],
];

const REFUSED: [input: string, error: RegExp][] = [
  ['06 12345678', /^mobile numbers \(06\) cannot be service numbers$/],
  ['+31612345678', /^mobile numbers \(06\) cannot be service numbers$/],
  ['sip:0612345678@host', /^mobile numbers \(06\) cannot be service numbers$/],
  ['', /a number is required/],
  ['   ', /a number is required/],
  ['0909 CALL ME', /only digits/],
  ['+32 2 123 45 67', /not a Dutch number/],
  ['0044 20 7946 0000', /not a Dutch number/],
  ['9091234567', /incomplete/],
  ['0800-12345', /0800 number has 4 or 7 digits/],
  ['0800 123', /0800 number has 4 or 7 digits/],
  ['0909 12345678', /0909 number has 4 or 7 digits/],
  ['0901 1234567', /only 0900, 0906 and 0909/],
  ['097 123456789', /only 0900, 0906 and 0909/],
  ['084 1234567', /084 and 087/],
  ['087 1234567', /084 and 087/],
  ['082 1234567', /not in a range/],
  ['014 020', /has 6 digits/],
  ['020 12345678', /has 11 digits/],
  ['18444', /incomplete/],
  ['+3118444', /has 6 digits/],
];

describe('parseServiceNumber', () => {
  it.each(ACCEPTED)('reads %j as %s (%s)', (input, e164, type) => {
    expect(parseServiceNumber(input)).toEqual({ e164, type });
  });

  it.each(REFUSED)('refuses %j', (input, error) => {
    const result = parseServiceNumber(input);
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toMatch(error);
  });

  it('names the input in its error, so a person sees which number is wrong', () => {
    expect(parseServiceNumber('0800-12345')).toEqual({ error: '"0800-12345": an 0800 number has 4 or 7 digits after 0800' });
  });
});

describe('nationalNotation', () => {
  it.each([
    ['+319091234567', '09091234567'],
    ['+318001234', '08001234'],
    ['+31201234567', '0201234567'],
    ['+311844', '1844'],
  ])('dials %s as %s', (e164, national) => {
    expect(nationalNotation(e164)).toBe(national);
  });
});
