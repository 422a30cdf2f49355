import { describe, expect, it } from 'vitest';
import { isEmergency, normalizeNumber } from '../../src/routing/numbers.js';

describe('normalizeNumber', () => {
  it.each([
    // Dutch national notation, as people type it
    ['0201234567', '+31201234567'],
    ['020-123 45 67', '+31201234567'],
    ['(020) 123.4567', '+31201234567'],
    ['0612345678', '+31612345678'],
    ['06-12345678', '+31612345678'],
    ['0850123456', '+31850123456'],
    // free and premium service numbers: 4 or 7 digits after 0800/090x
    ['0800 1234', '+318001234'],
    ['08001234567', '+318001234567'],
    ['09001234', '+319001234'],
    ['0906 1234567', '+319061234567'],
    ['09091234', '+319091234'],
    // international prefix and E.164
    ['+31201234567', '+31201234567'],
    ['0031201234567', '+31201234567'],
    ['+31 (0)20 1234567', '+31201234567'],
    ['+310612345678', '+31612345678'],
    ['00442071234567', '+442071234567'],
    ['+1 212 555 0100', '+12125550100'],
    // emergency: kept as dialled, always routable
    ['112', '112'],
  ])('%s → %s', (dialled, expected) => {
    expect(normalizeNumber(dialled)).toBe(expected);
  });

  it.each([
    ['020123456', 'a national number one digit short'],
    ['02012345678', 'a national number one digit long'],
    ['0800123', 'a service number with 3 digits'],
    ['0900123456', 'a service number with 6 digits'],
    ['+316123', 'a Dutch E.164 number too short'],
    ['+3120123456789', 'a Dutch E.164 number too long'],
    ['+1234567890123456', 'more than 15 digits'],
    ['+0201234567', 'a country code starting with 0'],
    ['00', 'the international prefix alone'],
    ['201', 'an extension'],
    ['1234567', 'digits without a prefix'],
    ['alice', 'a user name'],
    ['', 'nothing'],
    ['06123456789a', 'letters among the digits'],
  ])('%s → undefined (%s)', (dialled) => {
    expect(normalizeNumber(dialled)).toBeUndefined();
  });
});

describe('isEmergency', () => {
  it('knows 112, also with separators, and nothing else', () => {
    expect(isEmergency('112')).toBe(true);
    expect(isEmergency('1-1-2')).toBe(true);
    expect(isEmergency('1120')).toBe(false);
    expect(isEmergency('0201234567')).toBe(false);
  });
});
